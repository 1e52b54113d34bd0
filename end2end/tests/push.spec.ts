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
  const scope = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.register("/sw.js");
    await navigator.serviceWorker.ready;
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
    title: "Škoda Octavia 2.0 TDI · 14,500 BGN",
    body: "Škoda, Octavia, Diesel; just listed · 14,500 BGN",
    url: `${origin}/listings/1`,
    icon: null,
    tag: "listing-1",
  };
  await cdp.send("ServiceWorker.deliverPushMessage", {
    origin,
    registrationId: await registrationId,
    data: JSON.stringify(message),
  });
  const shown = () =>
    page.evaluate(async () => {
      const registration = await navigator.serviceWorker.ready;
      return (await registration.getNotifications()).map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: n.data.url }));
    });
  await expect.poll(shown).toEqual([{ title: message.title, body: message.body, tag: "listing-1", url: message.url }]);
});
