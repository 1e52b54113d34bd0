// Journey: a buyer saves a listing from the results and finds it under Favorites; picks two
// listings to compare and reads them side by side with the differences marked.
import { test, expect } from "@playwright/test";
import { js, navigate, ready, signUp } from "./helpers";

test("save a listing, find it in Favorites, unsave it", async ({ page }) => {
  await signUp(page, "buyer");
  await page.goto("/search?q=audi&sort=price_asc");
  await ready(page);
  const first = page.getByRole("list", { name: "Results" }).getByRole("listitem").first();
  const title = (await first.getByRole("heading").textContent())!.trim();
  const save = first.getByRole("button", { name: `Save ${title}` });
  await expect(save).toHaveAttribute("aria-pressed", "false");
  await save.click();
  await expect(page.getByRole("list", { name: "Results" }).getByRole("button", { name: `Save ${title}` }).first()).toHaveAttribute("aria-pressed", "true");

  await navigate(page, "Favorites");
  await expect(page.getByRole("heading", { name: "Favorites" })).toBeVisible();
  const saved = page.getByRole("list", { name: "Saved listings" });
  await expect(saved.getByRole("link", { name: title, exact: true })).toBeVisible();
  await ready(page);
  await saved.getByRole("button", { name: `Save ${title}` }).click();
  if (!js()) {
    await expect(page.getByText("Nothing saved yet.", { exact: false })).toBeVisible();
  } else {
    await expect(saved.getByRole("button", { name: `Save ${title}` })).toHaveAttribute("aria-pressed", "false");
  }
});

test("visitors are asked to sign in to save", async ({ page }) => {
  await page.goto("/search?q=bmw");
  const first = page.getByRole("list", { name: "Results" }).getByRole("listitem").first();
  await expect(first.getByRole("link", { name: /^Sign in to save / })).toBeVisible();
});

test("compare two listings side by side", async ({ page }) => {
  await page.goto("/search?q=toyota&sort=price_desc");
  await ready(page);
  const results = page.getByRole("list", { name: "Results" });
  const titles: string[] = [];
  for (const n of [0, 1]) {
    const card = results.getByRole("listitem").nth(n);
    const title = (await card.getByRole("heading").textContent())!.trim();
    titles.push(title);
    await ready(page);
    await card.getByRole("button", { name: `Compare ${title}` }).click();
    await expect(results.getByRole("listitem").nth(n).getByRole("button", { name: `Compare ${title}` })).toHaveAttribute("aria-pressed", "true");
  }
  await navigate(page, "Compare");
  await expect(page.getByRole("heading", { name: "Compare listings" })).toBeVisible();
  const table = page.getByRole("table");
  for (const title of titles) {
    await expect(table.getByRole("columnheader", { name: title })).toBeVisible();
  }
  await expect(table.getByRole("rowheader", { name: /Price/ })).toBeVisible();
  await expect(page.getByText(/differences highlighted/)).toBeVisible();
  await expect(page.getByLabel("Share this comparison")).toHaveValue(/\/compare\?ids=\d+,\d+$/);
});
