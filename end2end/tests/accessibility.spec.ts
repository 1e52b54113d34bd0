// Every page that exists passes axe-core's WCAG 2.x A/AA rules, on desktop and phone.
import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { signUp } from "./helpers";

const pages = [
  "/",
  "/sign-in",
  "/sign-up",
  "/no-such-page",
  "/search",
  "/search?q=bmw+diesel+%3C30000&sort=price_asc",
  "/search?q=bmw+%3C300",
  "/confirm-email/not-a-link-scout-sent",
  "/unsubscribe/00000000-0000-0000-0000-000000000000",
];

async function noViolations(page: Page, path: string) {
  test.skip(test.info().project.use.javaScriptEnabled === false, "axe runs as a script in the page");
  await page.goto(path);
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  const summary = results.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target).join(" ")}`);
  expect(summary).toEqual([]);
}

for (const path of pages) {
  test(`${path} has no WCAG A/AA violations`, async ({ page }) => noViolations(page, path));
}

// the same pages as a browser that prefers Bulgarian gets them
test.describe("in Bulgarian", () => {
  test.use({ locale: "bg-BG" });
  for (const path of pages) {
    test(`${path} in Bulgarian has no WCAG A/AA violations`, async ({ page }) => {
      await noViolations(page, path);
      await expect(page.locator("html")).toHaveAttribute("lang", "bg");
    });
  }
});

test("errors on the sign-in form have no WCAG A/AA violations", async ({ page }) => {
  test.skip(test.info().project.use.javaScriptEnabled === false, "axe runs as a script in the page");
  await page.goto("/sign-in");
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await page.getByLabel("Email").fill("nobody@example.com");
  await page.getByLabel("Password").fill("not a real password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toBeVisible();
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa"]).analyze();
  expect(results.violations.map((v) => v.id)).toEqual([]);
});

test("a listing page has no WCAG A/AA violations", async ({ page }) => {
  test.skip(test.info().project.use.javaScriptEnabled === false, "axe runs as a script in the page");
  await page.goto("/search?sort=newest");
  await page.getByRole("list", { name: "Results" }).getByRole("link").first().click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  const results = await new AxeBuilder({ page })
    .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
    .analyze();
  expect(results.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
});

test("the listing form with errors, My listings, Settings and the Account page have no WCAG A/AA violations", async ({ page }) => {
  test.skip(test.info().project.use.javaScriptEnabled === false, "axe runs as a script in the page");
  await signUp(page, "axe");
  await page.goto("/sell");
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByLabel("Title")).toHaveAttribute("aria-invalid", "true");
  const form = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(form.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
  await page.goto("/my-listings");
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  const list = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(list.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
  await page.goto("/settings");
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await expect(page.getByRole("heading", { name: "Notifications", exact: true })).toBeVisible();
  const settings = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(settings.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
  await page.goto("/account");
  await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
  await expect(page.getByRole("region", { name: "Security log" }).getByText("Confirmed the sign-in address")).toBeVisible();
  const account = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  expect(account.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
});
