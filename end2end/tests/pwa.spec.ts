// Journeys: Scout as an installed app. The browser's own installability check passes on the
// manifest, icons and service worker as served; a listing opened before reads offline with
// its photo and an "as of" mark, and pages never opened get the offline page listing what
// is kept. Needs JavaScript (a service worker); the no-JS projects skip.
import { test, expect, Page, BrowserContext, chromium } from "@playwright/test";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromiumLaunch } from "../chromium";
import { js, ready } from "./helpers";

test.beforeEach(() => {
  test.skip(!js(), "installing and offline reading need JavaScript (a service worker)");
});

/** A PNG's (IHDR chunk) or a JPEG's (start-of-frame segment) width and height. */
function imageSize(bytes: Buffer): string {
  if (bytes.subarray(1, 4).toString("latin1") === "PNG") return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;
  expect(bytes.readUInt16BE(0), "a JPEG's start").toBe(0xffd8);
  for (let at = 2; at < bytes.length; at += 2 + bytes.readUInt16BE(at + 2)) {
    const marker = bytes.readUInt16BE(at);
    if (marker >= 0xffc0 && marker <= 0xffc2) return `${bytes.readUInt16BE(at + 7)}x${bytes.readUInt16BE(at + 5)}`;
  }
  throw new Error("no start-of-frame segment");
}

async function workerInControl(page: Page) {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 20_000 });
}

async function cdp(context: BrowserContext, page: Page) {
  return context.newCDPSession(page);
}

test("the browser finds Scout installable: manifest, icons, screenshots, worker", async ({ page, context, request }) => {
  await page.goto("/");
  const href = await page.locator('link[rel="manifest"]').getAttribute("href");
  const reply = await request.get(href!);
  expect(reply.headers()["content-type"]).toContain("application/manifest+json");
  const manifest = await reply.json();
  expect(manifest).toMatchObject({
    short_name: "Scout",
    display: "standalone",
    start_url: "/",
    scope: "/",
    theme_color: "#047857",
  });
  // every picture is there, of the type and size it says
  for (const image of [...manifest.icons, ...manifest.screenshots]) {
    const res = await request.get(image.src);
    expect(res.status(), image.src).toBe(200);
    expect(res.headers()["content-type"], image.src).toContain(image.type);
    if (image.sizes !== "any") expect(imageSize(await res.body()), image.src).toBe(image.sizes);
  }
  expect(manifest.icons.some((i: { purpose: string }) => i.purpose === "maskable")).toBe(true);
  expect(manifest.screenshots.map((s: { form_factor: string }) => s.form_factor).sort()).toEqual(["narrow", "narrow", "wide"]);
  expect(manifest.shortcuts.map((s: { url: string }) => s.url)).toEqual(["/search", "/alerts", "/sell"]);
  await expect(page.locator('link[rel="apple-touch-icon"]')).toHaveAttribute("href", "/icons/apple-touch-icon.png");

  await workerInControl(page);
  const { errors } = await (await cdp(context, page)).send("Page.getAppManifest");
  expect(errors).toEqual([]);

  // Chromium's own list of what stops an install (no manifest, no icon, no worker, ...), in
  // a browser profile of its own: a test's usual context is incognito, where nothing installs
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "scout-profile-"));
  const use = test.info().project.use;
  const browser = await chromium.launchPersistentContext(profile, {
    ...chromiumLaunch,
    baseURL: use.baseURL,
    viewport: use.viewport,
    deviceScaleFactor: use.deviceScaleFactor,
    isMobile: use.isMobile,
    hasTouch: use.hasTouch,
    userAgent: use.userAgent,
  });
  try {
    const own = browser.pages()[0] ?? (await browser.newPage());
    await own.goto("/");
    await workerInControl(own);
    const session = await browser.newCDPSession(own);
    await expect
      .poll(async () => (await session.send("Page.getInstallabilityErrors")).installabilityErrors, { timeout: 15_000 })
      .toEqual([]);
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
});

test("a listing opened before reads offline, its photo too, marked as of when", async ({ page, context }) => {
  test.setTimeout(60_000);
  await page.goto("/search?q=golf");
  await ready(page);
  const results = page.getByRole("list", { name: "Results" });
  const first = results.getByRole("listitem").first().getByRole("link").first();
  const title = (await first.innerText()).trim();
  // opened through the app's own router (no page load): the page script tells the worker
  await first.click();
  const heading = page.getByRole("heading", { level: 1, name: title });
  await expect(heading).toBeVisible();
  const listing = page.url();
  await expect
    .poll(
      () =>
        page.evaluate(async (url) => {
          // kept by its path: the query only carries the way back to the search
          const kept = await (await caches.open("scout-pages")).match(new URL(url).pathname);
          const photos = await (await caches.open("scout-media")).keys();
          return Boolean(kept) && photos.length > 0;
        }, listing),
      { timeout: 20_000 },
    )
    .toBe(true);

  await context.setOffline(true);
  try {
    await page.reload();
    await expect(heading).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: /^You're offline\. This page is shown as it was on / })).toBeVisible();
    // the gallery's first photo, from the worker's cache
    const photo = page.getByRole("main").locator("img").first();
    await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0)).toBe(true);

    // a page never opened: the offline page, which lists what can be read
    await page.goto("/pricing");
    await expect(page.getByRole("heading", { level: 1, name: "You're offline" })).toBeVisible();
    await expect(page).toHaveTitle("You're offline · Scout");
    await page.getByRole("link", { name: new RegExp(title.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) }).click();
    await expect(heading).toBeVisible();
  } finally {
    await context.setOffline(false);
  }
  // back online: the live page again, without the mark
  await page.reload();
  await expect(heading).toBeVisible();
  await expect(page.getByText("You're offline.")).toHaveCount(0);
});

test("signing out forgets the pages kept for offline reading", async ({ page }) => {
  await page.goto("/search?q=golf");
  await ready(page);
  await workerInControl(page);
  await page.getByRole("list", { name: "Results" }).getByRole("listitem").first().getByRole("link").first().click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  const kept = () => page.evaluate(async () => (await (await caches.open("scout-pages")).keys()).length);
  await expect.poll(kept, { timeout: 20_000 }).toBeGreaterThan(0);
  // a sign-out request through the worker (as the header's button sends it)
  await page.evaluate(() => fetch("/api/accounts/sign_out", { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" } }));
  await expect.poll(kept).toBe(0);
});
