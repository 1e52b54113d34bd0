// Journey: a seller adds photos (with visible progress; a file that isn't a photo is refused
// on its own tile while the others succeed), reorders them by keyboard and by drag, makes one
// the cover, deletes one; the order holds after a reload. A buyer then moves through the
// gallery with the arrow keys and a swipe, and opens and closes the lightbox with the keyboard.
// The uploader needs JavaScript; without it the gallery still shows the cover and the strip.
import { test, expect, Page } from "@playwright/test";
import path from "node:path";
import { js, ready, signUp } from "./helpers";

import fs from "node:fs";

const fixture = (name: string) => ({
  name,
  mimeType: "image/jpeg",
  buffer: fs.readFileSync(path.join(__dirname, "..", "fixtures", name)),
});

async function draftWithPhotosPage(page: Page, title: string) {
  await signUp(page, "photos");
  await page.goto("/sell");
  await ready(page);
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Price", { exact: true }).fill("42 000");
  await page.getByLabel("Where it can be seen").selectOption({ label: "Sofia" });
  await page.getByLabel("Make").selectOption({ label: "BMW" });
  await page.getByLabel("Model").selectOption({ label: "X5" });
  await page.getByLabel("First registration").selectOption("2017");
  await page.getByLabel("Mileage (km)").fill("128000");
  await page.getByLabel("Fuel").selectOption({ label: "Diesel" });
  await page.getByLabel("Gearbox").selectOption({ label: "Automatic" });
  await page.getByRole("button", { name: "Save draft and add photos" }).click();
  await expect(page.getByRole("heading", { name: "Edit listing" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Photos" })).toBeVisible();
  await ready(page);
}

/** The file names of the photos in the uploader, in order. */
async function order(page: Page) {
  const alts = await page
    .getByRole("list", { name: "Your photos, in order" })
    .getByRole("img")
    .evaluateAll((imgs) => imgs.map((i) => (i.getAttribute("alt") ?? "").replace(/^Photo \d+: /, "")));
  return alts;
}

test("a seller adds, arranges and deletes photos; a buyer browses them", async ({ page }) => {
  test.skip(!js(), "the uploader needs JavaScript");
  // a long journey: four uploads at a throttled speed, processing, two pages
  test.setTimeout(120_000);
  const title = `BMW X5 xDrive30d ${test.info().project.name} ${Date.now()}`;
  await draftWithPhotosPage(page, title);

  // slow uploads down so each file's progress can be seen
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 20,
    downloadThroughput: -1,
    uploadThroughput: 512 * 1024,
  });
  await page.getByLabel("choose photos").setInputFiles([
    fixture("car-1.jpg"),
    fixture("car-2.jpg"),
    { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a photo at all") },
    fixture("car-3.jpg"),
  ]);
  await expect(page.getByRole("progressbar", { name: "Uploading car-1.jpg" })).toBeVisible();

  const photos = page.getByRole("list", { name: "Your photos, in order" });
  await expect
    .poll(() => order(page), { timeout: 30_000 })
    .toEqual(["car-1.jpg", "car-2.jpg", "car-3.jpg"]);
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  // the text file is refused on its own tile; the three photos made it
  const refused = photos.getByRole("listitem").filter({ hasText: "notes.txt" });
  await expect(refused.getByRole("alert")).toContainText("isn't a photo we can read");
  await refused.getByRole("button", { name: "Remove notes.txt" }).click();
  // the Free plan allows 20 photos a listing
  await expect(page.getByText("3 of 20 photos")).toBeVisible();
  await expect(photos.getByRole("listitem").first().getByText("Cover")).toBeVisible();

  // by keyboard: the first moves one later, and the keyboard stays on it
  await photos.getByRole("button", { name: "Move photo 1 (car-1.jpg) later" }).focus();
  await page.keyboard.press("Enter");
  await expect.poll(() => order(page)).toEqual(["car-2.jpg", "car-1.jpg", "car-3.jpg"]);
  await expect(photos.getByRole("button", { name: "Move photo 2 (car-1.jpg) later" })).toBeFocused();
  await expect(page.getByRole("status").filter({ hasText: "moved to position 2" })).toBeAttached();

  // by dragging: the last onto the first
  await photos
    .getByRole("listitem")
    .filter({ hasText: "car-3.jpg" })
    .dragTo(photos.getByRole("listitem").filter({ hasText: "car-2.jpg" }));
  await expect.poll(() => order(page)).toEqual(["car-3.jpg", "car-2.jpg", "car-1.jpg"]);

  // the cover, then a deletion that asks first
  await photos.getByRole("button", { name: "Make photo 3 (car-1.jpg) the cover" }).click();
  await expect.poll(() => order(page)).toEqual(["car-1.jpg", "car-3.jpg", "car-2.jpg"]);
  await photos.getByRole("button", { name: "Delete photo 3 (car-2.jpg)" }).click();
  await photos.getByRole("button", { name: "Keep" }).click();
  expect(await order(page)).toHaveLength(3);
  await photos.getByRole("button", { name: "Delete photo 3 (car-2.jpg)" }).click();
  await photos.getByRole("button", { name: "Yes, delete" }).click();
  await expect.poll(() => order(page)).toEqual(["car-1.jpg", "car-3.jpg"]);

  // it all held
  await page.reload();
  await ready(page);
  await expect.poll(() => order(page)).toEqual(["car-1.jpg", "car-3.jpg"]);
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByRole("heading", { name: "My listings" })).toBeVisible();

  // the buyer: the card shows the cover and the count
  await page.goto(`/search?q=${encodeURIComponent(title)}`);
  await ready(page);
  const card = page.getByRole("list", { name: "Results" }).getByRole("listitem").first();
  await expect(card.getByRole("img", { name: `${title}, cover photo` })).toBeVisible();
  await expect(card.getByText("2 photos")).toBeVisible();
  await card.getByRole("link", { name: title, exact: true }).click();
  await ready(page);

  const gallery = page.getByRole("region", { name: `Photos of ${title}` });
  const viewer = gallery.getByLabel("Photo viewer: use the arrow keys to move between photos");
  await expect(gallery.getByRole("img", { name: `${title}, photo 1 of 2` })).toBeVisible();
  await viewer.focus();
  await page.keyboard.press("ArrowRight");
  await expect(gallery.getByRole("img", { name: `${title}, photo 2 of 2` })).toBeVisible();
  await page.keyboard.press("ArrowRight");
  await expect(gallery.getByRole("img", { name: `${title}, photo 1 of 2` })).toBeVisible();

  // a swipe to the left shows the next
  const box = (await viewer.boundingBox())!;
  const y = box.y + box.height / 2;
  await page.mouse.move(box.x + box.width * 0.8, y);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.2, y, { steps: 5 });
  await page.mouse.up();
  await expect(gallery.getByText("2 of 2", { exact: true })).toBeVisible();
  await gallery.getByRole("button", { name: "Show photo 1 of 2" }).click();
  await expect(gallery.getByText("1 of 2", { exact: true })).toBeVisible();

  // the lightbox, by keyboard: open, next, focus kept inside, Escape, focus back
  const opener = gallery.getByRole("button", { name: `${title}, photo 1 of 2: open full screen` });
  await opener.focus();
  await page.keyboard.press("Enter");
  const lightbox = page.getByRole("dialog", { name: `${title}: photos` });
  await expect(lightbox).toBeVisible();
  await expect(lightbox.getByText("Photo 1 of 2")).toBeVisible();
  await page.keyboard.press("ArrowRight");
  await expect(lightbox.getByText("Photo 2 of 2")).toBeVisible();
  await expect(lightbox.getByRole("img", { name: `${title}, photo 2 of 2` })).toBeVisible();
  await lightbox.getByRole("button", { name: "Zoom in" }).click();
  await expect(lightbox.getByRole("button", { name: "Zoom out" })).toHaveAttribute("aria-pressed", "true");
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press("Tab");
    expect(await lightbox.evaluate((d) => d.contains(document.activeElement))).toBe(true);
  }
  await page.keyboard.press("Escape");
  await expect(lightbox).toBeHidden();
  await expect(
    gallery.getByRole("button", { name: `${title}, photo 2 of 2: open full screen` }),
  ).toBeFocused();
});

test("a listing without photos shows a clean placeholder", async ({ page }) => {
  await page.goto("/search?sort=price_asc");
  await ready(page);
  // the cheapest are demo listings, which have no photos
  const card = page.getByRole("list", { name: "Results" }).getByRole("listitem").first();
  await expect(card).toBeVisible();
  await expect(card.getByRole("img")).toHaveCount(0);
  await card.getByRole("link").first().click();
  await expect(page.getByText("No photos yet")).toBeVisible();
});
