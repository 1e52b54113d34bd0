// Journey: the service worker Settings registers for push shows an alert message the way the
// server sends it (title, why and price, the listing to open on a tap). Chromium's own push
// service is not reachable here, so the message is delivered through the DevTools protocol
// (the same `push` event a push service's message raises, after the browser decrypted it).
// The tap itself (notificationclick) has no DevTools command and is not exercised.
import { test, expect } from "@playwright/test";
import { js } from "./helpers";

test("the service worker shows an alert push with the listing to open", async ({ page, context }) => {
  test.skip(!js(), "service workers need JavaScript");
  await context.grantPermissions(["notifications"]);
  await page.goto("/");
  // `ready` resolves while the worker may still be "activating"; Chromium drops a push sent
  // to a worker that is not yet "activated", so wait for that state.
  const scope = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.register("/sw.js");
    const worker = (await navigator.serviceWorker.ready).active!;
    if (worker.state !== "activated") {
      await new Promise<void>((resolve) =>
        worker.addEventListener("statechange", () => worker.state === "activated" && resolve()),
      );
    }
    return registration.scope;
  });
  const cdp = await context.newCDPSession(page);
  const registrationId = new Promise<string>((resolve) => {
    cdp.on("ServiceWorker.workerRegistrationUpdated", ({ registrations }) => {
      const ours = registrations.find((r) => r.scopeURL === scope && !r.isDeleted);
      if (ours) resolve(ours.registrationId);
    });
  });
  await cdp.send("ServiceWorker.enable");
  // the payload as `notifications::service` builds it for one listing
  const origin = new URL(scope).origin;
  const message = {
    title: "Škoda Octavia 2.0 TDI · 14,500 EUR",
    body: "Škoda, Octavia, Diesel; just listed · 14,500 EUR",
    url: `${origin}/listings/1`,
    icon: null,
    tag: "listing-1",
  };
  const id = await registrationId;
  const shown = () =>
    page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      return (await registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data.url }));
    });
  // DevTools delivery is the harness, not the code under test: when Chromium drops one (it
  // did once on a loaded CI machine), deliver again. The tag makes a repeat replace the first.
  for (let attempt = 0; attempt < 3; attempt++) {
    await cdp.send("ServiceWorker.deliverPushMessage", { origin, registrationId: id, data: JSON.stringify(message) });
    const arrived = await expect
      .poll(async () => (await shown()).length, { timeout: 5_000 })
      .toBeGreaterThan(0)
      .then(() => true, () => false);
    if (arrived) break;
  }
  expect(await shown()).toEqual([{ title: message.title, body: message.body, tag: "listing-1", url: message.url }]);
});
