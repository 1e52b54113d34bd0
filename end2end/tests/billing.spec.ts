// Journey: a Free buyer saves alerts up to the plan's quota; the next one is refused with the
// plan's sentence and an upgrade link beside the button; the pricing page marks Free as theirs;
// they start Pro's trial through Checkout (the Stripe stand-in's hosted page), come back on Pro
// with the quota raised, see the usage and the invoice on the billing page, cancel in the
// Customer Portal and read until when Pro stays; then a payment fails and every page shows the
// banner. Stripe's events reach Scout signed, twice, the second time in reverse order.
// Hydrated and without JavaScript, desktop and phone; axe on the pricing and billing pages.
import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { js, ready, signUp } from "./helpers";

const stripeURL = `http://127.0.0.1:${Number(process.env.SCOUT_E2E_STRIPE_PORT ?? 3141)}`;

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

test("a Free buyer at the alert quota buys Pro, sees usage and invoices, cancels, and hears of a failed payment", async ({ page, request }) => {
  test.setTimeout(120_000);
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

  // the plans, Free marked as theirs, monthly and yearly prices
  await expect(page.getByRole("heading", { name: "Plans and pricing", level: 1 })).toBeVisible();
  const plans = page.getByRole("list", { name: "Plans" });
  await expect(plans.getByRole("region", { name: /^Free/ }).getByText("Your current plan")).toBeVisible();
  const pro = plans.getByRole("region", { name: /^Pro/ });
  await expect(pro.getByText("€9.99 / month")).toBeVisible();
  await expect(pro.getByText("Active alerts: 25")).toBeVisible();
  await axe(page);
  await ready(page);
  await page.getByRole("navigation", { name: "Billing period" }).getByRole("link", { name: /Yearly/ }).click();
  await expect(pro.getByText("€99.90 / year")).toBeVisible();
  await page.getByRole("navigation", { name: "Billing period" }).getByRole("link", { name: "Monthly" }).click();
  await expect(pro.getByText("€9.99 / month")).toBeVisible();
  await ready(page);

  // Checkout, on Stripe's page
  await pro.getByRole("button", { name: "Start a 14-day free trial of Pro" }).click();
  await expect(page.getByRole("heading", { name: "Subscribe to Scout Pro" })).toBeVisible();
  await expect(page.getByLabel("Card number")).toHaveValue("4242 4242 4242 4242");
  await page.getByRole("button", { name: "Start trial" }).click();

  // back on Scout: Pro, the quota raised, the usage and the first invoice
  await expect(page).toHaveURL(/\/billing\?checkout=cs_/);
  const session = new URL(page.url()).searchParams.get("checkout")!;
  await expect(page.getByRole("status").filter({ hasText: "Thank you: you're on Pro now." })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Your plan: Pro" })).toBeVisible();
  await expect(page.getByText(/Trial of Pro: free until .*, then billed every month\./)).toBeVisible();
  const usage = page.getByRole("region", { name: "Usage" });
  await expect(usage.getByRole("listitem").filter({ hasText: "Active alerts" })).toContainText("3 of 25");
  const invoices = page.getByRole("region", { name: "Invoices" });
  await expect(invoices.getByRole("row").nth(1)).toContainText("€0");
  await expect(invoices.getByRole("row").nth(1)).toContainText("Paid");
  await expect(invoices.getByRole("link", { name: /^Invoice of .*, PDF$/ })).toHaveAttribute("href", /\/invoices\/in_.*\.pdf$/);
  await axe(page);
  expect(await saveAlert(page, "corolla")).toBeLessThan(400);
  if (js()) {
    await expect(page.getByRole("status").filter({ hasText: "Alert saved" })).toBeVisible();
  }

  // the Customer Portal: cancel at the period's end, then back on Scout it says until when
  await page.goto("/billing");
  await ready(page);
  await page.getByRole("button", { name: "Manage payment methods or cancel" }).click();
  await expect(page.getByRole("heading", { name: "Manage your Scout subscription" })).toBeVisible();
  await page.getByRole("button", { name: "Cancel plan" }).click();
  await expect(page.getByText(/Cancels on/)).toBeVisible();
  await page.getByRole("link", { name: "Return to Scout" }).click();
  await expect(page).toHaveURL(/\/billing\?portal=true/);
  await expect(page.getByText(/Trial of Pro until .*; it ends then and nothing is charged\./)).toBeVisible();

  // a payment fails (at Stripe): the banner on every page, the billing page says what to do
  const checkout = await request.get(`${stripeURL}/v1/checkout/sessions/${session}`, {
    headers: { authorization: "Bearer sk_test_journeys" },
  });
  const customer = (await checkout.json()).customer;
  const failed = await request.post(`${stripeURL}/_test/fail-payment`, { data: { customer } });
  expect(failed.ok()).toBeTruthy();
  const banner = page.getByRole("complementary", { name: "Payment problem" });
  await expect(async () => {
    await page.goto("/alerts");
    await expect(banner).toContainText("The payment for Pro failed.", { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await banner.getByRole("link", { name: "Go to Billing" }).click();
  await expect(page.getByRole("heading", { name: "Billing", level: 1 })).toBeVisible();
  await expect(page.getByRole("main").getByRole("alert").filter({ hasText: "Payment failed: update your payment method." })).toBeVisible();
  await axe(page);
});
