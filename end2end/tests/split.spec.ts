// Journey: a page's code comes with the page. The WASM is split (scripts/build.sh, `--split`;
// src/app.rs, lazy_pages): the home page downloads the app's module only, and a page's chunk
// arrives when a person first goes there, after which the page works as before. Needs
// JavaScript; the no-JS projects skip.
import { test, expect, Page } from "@playwright/test";
import { js, ready } from "./helpers";

test.beforeEach(() => {
  test.skip(!js(), "the WASM runs only with JavaScript");
});

/** The WASM files the page asks for from now on (file names only). */
function wasmRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (request) => {
    const name = new URL(request.url()).pathname.split("/").pop()!;
    if (name.endsWith(".wasm")) seen.push(name);
  });
  return seen;
}

test("the home page loads only the app's WASM; Search brings its own chunk and works", async ({ page }) => {
  const wasm = wasmRequests(page);
  await page.goto("/");
  await ready(page);
  expect(wasm).toHaveLength(1);
  expect(wasm[0]).toMatch(/^scout\.[\w-]+\.wasm$/);

  // the header's (on a phone the bottom bar's) Search link: the app navigates, no page load
  await page.getByRole("link", { name: "Search", exact: true }).filter({ visible: true }).first().click();
  await expect(page).toHaveURL(/\/search/);
  const count = page.getByRole("status").filter({ hasText: /listings?$/ });
  await expect(count).toHaveText(/^[\d,]+ listings?$/);
  // the search page's code came now, in chunks of its own
  expect(wasm.length).toBeGreaterThan(1);
  expect(wasm.slice(1).every((name) => !name.startsWith("scout."))).toBe(true);
  // one page: the search box and the results appear once
  await expect(page.getByRole("list", { name: "Results" })).toHaveCount(1);

  // and it is live: a filter applies at once, without a button
  const chips = page.getByRole("list", { name: "Filters in use" });
  const automatic = page.getByRole("group", { name: "Gearbox" }).getByRole("checkbox", { name: "Automatic" });
  if (!(await automatic.isVisible())) {
    await page.locator("summary", { hasText: "Filters" }).click();
  }
  await automatic.check();
  await expect(chips.getByRole("link", { name: "Remove filter: Automatic" })).toBeVisible();
  await expect(page).toHaveURL(/gearbox=automatic/);
});

test("a page opened directly hydrates with its chunk, and a listing opens from it", async ({ page }) => {
  const wasm = wasmRequests(page);
  await page.goto("/search?q=golf");
  await ready(page);
  // the search page's chunk was loaded before hydration finished
  expect(wasm.some((name) => !name.startsWith("scout."))).toBe(true);
  // hydrated in place: the page the server sent, not a second copy beside it
  const results = page.getByRole("list", { name: "Results" });
  await expect(results).toHaveCount(1);
  const first = results.getByRole("listitem").first();
  const title = (await first.getByRole("heading").textContent())!.trim();
  await first.getByRole("link", { name: title, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Price history" })).toBeVisible();
});
