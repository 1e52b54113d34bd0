// The release build as scripts/run.sh serves it on a first run (its own Postgres, the demo
// data): the home page, a search narrowed by a filter that changes the results in place, and
// a listing page with its photos, all hydrated, with the WASM (the app's and each page's
// chunks) sent compressed.
import { test, expect } from "@playwright/test";

test("the release server serves home, search and a listing, hydrated", async ({ page }) => {
  const wasm: { encoding: string | undefined; status: number }[] = [];
  page.on("response", (r) => {
    if (r.url().endsWith(".wasm")) {
      wasm.push({ encoding: r.headers()["content-encoding"], status: r.status() });
    }
  });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));

  await page.goto("/");
  await expect(
    page.getByRole("heading", { level: 1, name: "Find the right used car at the right price." }),
  ).toBeVisible();
  await page.locator("body[data-hydrated]").waitFor({ state: "attached", timeout: 30_000 });
  expect(wasm).toEqual([{ encoding: "br", status: 200 }]);

  await page.getByRole("searchbox", { name: "Search used cars" }).fill("bmw");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/search\?q=bmw/);
  await page.locator("body[data-hydrated]").waitFor({ state: "attached", timeout: 30_000 });
  const count = page.getByRole("status").filter({ hasText: /listings?$/ });
  await expect(count).toHaveText(/^[\d,]+ listings?$/);
  const before = await count.textContent();
  // the search page's code came with it, in chunks of its own (the WASM is split by page
  // group), compressed too
  expect(wasm.length).toBeGreaterThan(1);
  expect(wasm.filter((w) => w.encoding !== "br" || w.status !== 200)).toEqual([]);

  // the demo listings look like a marketplace: most cards show a cover photo that loads
  const results = page.getByRole("list", { name: "Results" });
  const cards = results.getByRole("listitem");
  const covers = results.getByRole("img", { name: /, cover photo$/ });
  expect(await covers.count()).toBeGreaterThanOrEqual(Math.ceil((await cards.count()) / 2));
  const first = covers.first();
  await first.scrollIntoViewIfNeeded();
  await expect
    .poll(() => first.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBeGreaterThan(0);

  // a filter changes the results in place: the page is not loaded again
  await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
  await page.getByRole("group", { name: "Gearbox" }).getByRole("checkbox", { name: "Automatic" }).check();
  await expect(page).toHaveURL(/gearbox=automatic/);
  await expect(
    page.getByRole("list", { name: "Filters in use" }).getByRole("link", { name: "Remove filter: Automatic" }),
  ).toBeVisible();
  await expect(count).not.toHaveText(before!);
  await expect(cards.first()).toContainText("Automatic");
  expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);

  // a listing page with its photos
  const withPhotos = cards.filter({ has: page.getByRole("img", { name: /, cover photo$/ }) }).first();
  const title = (await withPhotos.getByRole("heading").textContent())!.trim();
  await withPhotos.getByRole("link", { name: title, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await page.locator("body[data-hydrated]").waitFor({ state: "attached", timeout: 30_000 });
  const photos = page.getByRole("region", { name: `Photos of ${title}` });
  // the cover, as the button that opens it full screen names it
  const opener = photos.getByRole("button", { name: /, photo 1 of \d+: open full screen$/ });
  await expect(opener).toBeVisible();
  const shown = opener.locator("img");
  await expect(shown).toBeVisible();
  await expect
    .poll(() => shown.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth))
    .toBeGreaterThan(0);
  expect(errors).toEqual([]);
});
