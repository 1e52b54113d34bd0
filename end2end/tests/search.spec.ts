// Journey: a buyer searches with the smart box, sees what it understood as chips, narrows
// with a filter, opens a listing and goes back to the same results; an impossible search
// says what to loosen. Runs hydrated and with JavaScript off, on desktop and phone, against
// the demo listings the server seeds into its private database.
import { test, expect, Page } from "@playwright/test";
import { js, ready } from "./helpers";

async function search(page: Page, text: string) {
  const box = page.getByRole("searchbox", { name: "Search" });
  await box.fill(text);
  await box.press("Enter");
}

test("search with the smart box, narrow it, open a listing and come back", async ({ page }) => {
  await page.goto("/");
  await ready(page);
  await page.getByRole("searchbox", { name: "Search used cars" }).fill("bmw diesel");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\/search\?q=bmw\+diesel/);
  await ready(page);

  const chips = page.getByRole("list", { name: "Filters in use" });
  await expect(chips.getByRole("link", { name: "Remove filter: BMW" })).toBeVisible();
  await expect(chips.getByRole("link", { name: "Remove filter: Diesel" })).toBeVisible();
  const count = page.getByRole("status").filter({ hasText: /listings?$/ });
  await expect(count).toHaveText(/^[\d,]+ listings?$/);

  // narrow with a checkbox: applies at once with JavaScript, with the button without it
  // on a phone the filters are folded away under "Filters"
  const automatic = page.getByRole("group", { name: "Gearbox" }).getByRole("checkbox", { name: "Automatic" });
  if (!(await automatic.isVisible())) {
    await page.locator("summary", { hasText: "Filters" }).click();
  }
  await automatic.check();
  if (!js()) {
    await page.getByRole("button", { name: "Apply filters" }).click();
  }
  await expect(chips.getByRole("link", { name: "Remove filter: Automatic" })).toBeVisible();
  await expect(page).toHaveURL(/gearbox=automatic/);

  // every card is a diesel automatic BMW
  const results = page.getByRole("list", { name: "Results" });
  const first = results.getByRole("listitem").first();
  await expect(first).toContainText("Diesel");
  await expect(first).toContainText("Automatic");
  const title = (await first.getByRole("heading").textContent())!.trim();
  expect(title).toMatch(/^BMW /);

  await first.getByRole("link", { name: title, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Price history" })).toBeVisible();
  await ready(page);
  await page.getByRole("link", { name: "← Back to results" }).click();
  await expect(page).toHaveURL(/q=bmw\+diesel.*gearbox=automatic/);
  await expect(chips.getByRole("link", { name: "Remove filter: Automatic" })).toBeVisible();

  // removing a chip removes only that filter
  await chips.getByRole("link", { name: "Remove filter: Diesel" }).click();
  await expect(page).toHaveURL(/q=bmw&/);
  await expect(chips.getByRole("link", { name: "Remove filter: Diesel" })).toHaveCount(0);
  await expect(chips.getByRole("link", { name: "Remove filter: BMW" })).toBeVisible();
});

test("an impossible search says what to loosen", async ({ page }) => {
  await page.goto("/search");
  await ready(page);
  await search(page, "bmw <300");
  await expect(page.getByRole("heading", { name: "Nothing matches all of that." })).toBeVisible();
  const loosen = page.getByRole("link", { name: /without “up to 300 EUR”/ });
  await expect(loosen).toBeVisible();
  await loosen.click();
  await expect(page.getByRole("status").filter({ hasText: /listings?$/ })).toHaveText(/^[\d,]+ listings?$/);
  await expect(page.getByRole("list", { name: "Results" }).getByRole("listitem").first()).toContainText("BMW");
});

test("a typo still finds the car", async ({ page }) => {
  await page.goto("/search?q=volkswagn+golf");
  await ready(page);
  await expect(page.getByText("Also searching “volkswagn” as “volkswagen”.")).toBeVisible();
  await expect(page.getByRole("list", { name: "Results" }).getByRole("listitem").first()).toContainText("Golf");
});
