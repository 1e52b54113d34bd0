// Takes the install sheet's screenshots the manifest lists (public/screenshots/) from a
// running Scout with the demo data, in Debian's Chromium:
//   node end2end/screenshots.mjs http://127.0.0.1:3000
// Run it again when the pages change enough that the screenshots no longer show Scout.
import { chromium } from "playwright";
import * as path from "node:path";

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const out = path.resolve(import.meta.dirname, "../public/screenshots");
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"],
});
const shots = [
  // narrow: 390 x 844 CSS pixels at 2x = 780 x 1688
  { file: "search-phone.jpg", url: "/search?q=golf", viewport: { width: 390, height: 844 }, scale: 2, mobile: true },
  { file: "listing-phone.jpg", url: "listing", viewport: { width: 390, height: 844 }, scale: 2, mobile: true },
  { file: "search-wide.jpg", url: "/search?q=golf", viewport: { width: 1280, height: 800 }, scale: 1, mobile: false },
];
let listing;
for (const shot of shots) {
  const context = await browser.newContext({ viewport: shot.viewport, deviceScaleFactor: shot.scale, isMobile: shot.mobile, hasTouch: shot.mobile });
  const page = await context.newPage();
  if (shot.url === "listing") {
    await page.goto(`${base}/search?q=golf`);
    listing ??= await page.getByRole("list", { name: "Results" }).getByRole("listitem").first().getByRole("link").first().getAttribute("href");
    await page.goto(base + listing);
  } else {
    await page.goto(base + shot.url);
  }
  await page.waitForLoadState("networkidle");
  await page.screenshot({ path: path.join(out, shot.file), type: "jpeg", quality: 80 });
  await context.close();
  console.log(`${shot.file}: ${shot.viewport.width * shot.scale} x ${shot.viewport.height * shot.scale}`);
}
await browser.close();
