// Journey: a Free buyer saves alerts up to the plan's quota; the next one is refused with the
// plan's sentence and an upgrade link beside the button; the link opens the pricing page with
// the Free plan marked as theirs and a monthly/yearly switch; the billing page shows what
// they use of each quota and says payments are not set up (this server runs without Stripe
// keys). Hydrated and without JavaScript, desktop and phone; axe on both pages.
import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { js, ready, signUp } from "./helpers";

async function saveAlert(page: Page, q: string) {
  await page.goto(`/search?q=${q}`);
  await ready(page);
  await page.getByLabel("Alert name").fill(`Alert ${q}`);
  const saved = page.waitForResponse((r) => r.url().includes("/api/alerts/create"));
  await page.getByRole("button", { name: "Save as alert" }).click();
  return (await saved).status();
}

async function axe(page: Page) {
  if (!js()) return;
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
}

test("a Free buyer at the alert quota is shown the plans and their usage", async ({ page }) => {
  test.setTimeout(90_000);
  await signUp(page, "plans");
  for (const q of ["golf", "passat", "octavia"]) {
    expect(await saveAlert(page, q)).toBeLessThan(400);
  }
  // the fourth is over the Free plan's 3: the refusal names the plan and what allows more
  await saveAlert(page, "corolla");
  const refusal = page.getByRole("alert").filter({ hasText: "the most the Free plan allows" });
  await expect(refusal).toContainText("You have 3 active alerts");
  await expect(refusal).toContainText("Pro allows 25");
  await refusal.getByRole("link", { name: "See plans and upgrade" }).click();

  await expect(page.getByRole("heading", { name: "Plans and pricing", level: 1 })).toBeVisible();
  const plans = page.getByRole("list", { name: "Plans" });
  const free = plans.getByRole("region", { name: /^Free/ });
  await expect(free.getByText("Your current plan")).toBeVisible();
  const pro = plans.getByRole("region", { name: /^Pro/ });
  await expect(pro.getByText("€9.99 / month")).toBeVisible();
  await expect(pro.getByText("Active alerts: 25")).toBeVisible();
  await expect(page.getByText("Payments are not set up on this Scout yet")).toBeVisible();
  await axe(page);
  // the yearly prices
  await ready(page);
  await page.getByRole("navigation", { name: "Billing period" }).getByRole("link", { name: /Yearly/ }).click();
  await expect(pro.getByText("€99.90 / year")).toBeVisible();
  await expect(page.getByRole("link", { name: /Yearly/ })).toHaveAttribute("aria-current", "page");

  // the billing page, from Settings
  await page.goto("/settings");
  await ready(page);
  await page.getByRole("main").getByRole("link", { name: "Billing" }).click();
  await expect(page.getByRole("heading", { name: "Billing", level: 1 })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Your plan: Free" })).toBeVisible();
  await expect(page.getByText("Payments are not set up on this Scout, so plans can't be bought")).toBeVisible();
  const usage = page.getByRole("region", { name: "Usage" });
  const active = usage.getByRole("listitem").filter({ hasText: "Active alerts" });
  await expect(active).toContainText("3 of 3");
  await expect(usage.getByRole("listitem").filter({ hasText: "Published listings" })).toContainText("0 of 5");
  await expect(page.getByRole("region", { name: "Invoices" })).toContainText("No invoices yet.");
  await axe(page);
});
