// Journey: someone who still thinks in leva chooses BGN in Settings. Search then filters and
// shows prices in leva (each card "≈ … BGN"), a listing puts leva first with the fixed rate it
// rests on, and choosing the euro in the search's own Currency control still wins. Runs
// hydrated and with JavaScript off, on a desktop and on a phone.
import { test, expect } from "@playwright/test";
import { js, ready, signUp } from "./helpers";

test("prices show in the currency chosen in Settings", async ({ page }) => {
  await signUp(page, "leva");
  await page.goto("/settings");
  await ready(page);
  const choice = page.getByRole("combobox", { name: "Show prices in" });
  await expect(choice).toHaveValue("EUR");
  // each rate with what it rests on
  await expect(page.getByText("1 EUR = 1.95583 BGN, fixed")).toBeVisible();
  await expect(page.getByText(/^1 EUR = [\d.]+ USD, rate of \d{1,2} \w+ \d{4}$/)).toBeVisible();
  await choice.selectOption("BGN");
  await page.getByRole("button", { name: "Save currency" }).click();
  if (js()) {
    await expect(page.getByRole("status").filter({ hasText: "Prices now show in BGN (Bulgarian lev)." })).toBeVisible();
  }
  // it sticks: the page read again shows the choice
  await page.goto("/settings");
  await ready(page);
  await expect(page.getByRole("combobox", { name: "Show prices in" })).toHaveValue("BGN");

  await page.goto("/search?make=bmw");
  await ready(page);
  await expect(page.getByRole("combobox", { name: "Currency" })).toHaveValue("BGN");
  await expect(page.getByRole("group", { name: "Price (BGN)", includeHidden: true })).toBeAttached();
  const results = page.getByRole("list", { name: "Results" });
  const first = results.getByRole("listitem").first();
  await expect(first).toContainText(/≈ [\d,]+ BGN/);
  const title = (await first.getByRole("heading").textContent())!.trim();

  await first.getByRole("link", { name: title, exact: true }).click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  const converted = page.getByRole("listitem").filter({ hasText: /^≈ [\d,]+ BGN · fixed rate 1\.95583$/ });
  await expect(converted).toBeVisible();

  // the search's own control names a currency, and that wins over the setting
  await page.goto("/search?make=bmw");
  await ready(page);
  await page.getByRole("combobox", { name: "Currency" }).selectOption("EUR");
  if (!js()) {
    // without JavaScript a form is sent with its button (on a phone, under "Filters")
    const apply = page.getByRole("button", { name: "Apply filters" });
    if (!(await apply.isVisible())) {
      await page.locator("summary", { hasText: "Filters" }).click();
    }
    await apply.click();
  }
  await expect(page).toHaveURL(/cur=EUR/);
  await expect(page.getByRole("group", { name: "Price (EUR)", includeHidden: true })).toBeAttached();
  await expect(results.getByRole("listitem").first()).not.toContainText("BGN");
});
