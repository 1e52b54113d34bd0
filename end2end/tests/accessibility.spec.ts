// Every page that exists passes axe-core's WCAG 2.x A/AA rules, on desktop and phone.
import { test, expect } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

const pages = [
  "/",
  "/sign-in",
  "/sign-up",
  "/no-such-page",
  "/search",
  "/search?q=bmw+diesel+%3C30000&sort=price_asc",
  "/search?q=bmw+%3C300",
];

for (const path of pages) {
  test(`${path} has no WCAG A/AA violations`, async ({ page }) => {
    test.skip(test.info().project.use.javaScriptEnabled === false, "axe runs as a script in the page");
    await page.goto(path);
    await page.locator("body[data-hydrated]").waitFor({ state: "attached" });
    const results = await new AxeBuilder({ page })
      .withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"])
      .analyze();
    const summary = results.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target).join(" ")}`);
    expect(summary).toEqual([]);
  });
}

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
