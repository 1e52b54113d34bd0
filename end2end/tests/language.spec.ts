// Journey: Scout in Bulgarian and English. A browser that prefers Bulgarian gets Bulgarian; the
// switch in the header changes the language and the choice sticks (across pages, after signing
// out, and into the account when signing in); a signed-in person's choice follows them to
// another browser. Runs hydrated and with JavaScript off, on a desktop and on a phone.
import { test, expect, Browser, Page } from "@playwright/test";
import { ready, signUp } from "./helpers";

const password = "violet tractor mango 42";

const bannerSwitch = (page: Page, to: "English" | "Български") =>
  page.getByRole("banner").getByRole("button", { name: to, exact: true });

async function expectBulgarian(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("lang", "bg");
  await expect(page.getByRole("navigation", { name: "Основна навигация" }).getByRole("link", { name: "Търсене" })).toBeVisible();
  await expect(bannerSwitch(page, "English")).toBeVisible();
}

async function expectEnglish(page: Page) {
  await expect(page.locator("html")).toHaveAttribute("lang", "en");
  await expect(page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Search" })).toBeVisible();
  await expect(bannerSwitch(page, "Български")).toBeVisible();
}

/** A new browser (no cookies) that prefers `locale`, with this project's settings. */
async function freshPage(browser: Browser, locale: string) {
  const use = test.info().project.use;
  const context = await browser.newContext({
    locale,
    viewport: use.viewport,
    isMobile: use.isMobile,
    hasTouch: use.hasTouch,
    deviceScaleFactor: use.deviceScaleFactor,
    javaScriptEnabled: use.javaScriptEnabled,
    baseURL: use.baseURL,
  });
  return context.newPage();
}

/** Signs in on the sign-in page, which is in `lang`. */
async function signIn(page: Page, email: string, lang: "en" | "bg" = "en") {
  const words = lang === "en" ? ["Sign in", "Email", "Password"] : ["Вход", "Имейл", "Парола"];
  await page.goto("/sign-in");
  await ready(page);
  await expect(page.getByRole("heading", { level: 1, name: words[0] })).toBeVisible();
  await page.getByLabel(words[1]).fill(email);
  await page.getByLabel(words[2]).fill(password);
  await page.getByRole("button", { name: words[0], exact: true }).click();
  await expect(page.getByRole("banner").getByText(email)).toBeAttached();
}

test.describe("a browser that prefers Bulgarian", () => {
  test.use({ locale: "bg-BG" });

  test("gets Bulgarian, and the switch changes it for good", async ({ page }) => {
    await page.goto("/");
    await ready(page);
    await expectBulgarian(page);
    await expect(page).toHaveTitle("Scout · употребявани коли и изгодни оферти");
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Намерете точната употребявана кола на точната цена.");
    await expect(page.getByRole("searchbox", { name: "Търсене на употребявани коли" })).toBeVisible();

    // the search page: its words, its sort menu and its count (a plural) in Bulgarian
    await page.goto("/search?q=golf");
    await ready(page);
    await expect(page.getByRole("heading", { level: 1, name: "Търсене на употребявани коли" })).toBeVisible();
    await expect(page.getByRole("combobox", { name: "Подреди по" })).toContainText("Цена: от най-ниската");
    await expect(page.getByRole("status").filter({ hasText: /^[\d ]+ обяв[аи]$/ })).toBeVisible();
    await expect(page.getByRole("list", { name: "Резултати" }).getByRole("listitem").first()).toBeVisible();

    // a listing: its headings and the price box's words
    const results = page.getByRole("list", { name: "Резултати" });
    const title = (await results.getByRole("heading").first().textContent())!.trim();
    await results.getByRole("link", { name: title, exact: true }).first().click();
    await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Характеристики" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "История на цената" })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Продавач" })).toBeVisible();
    await expect(page.getByRole("link", { name: "← Обратно към резултатите" })).toBeVisible();
    await page.goto("/search?q=golf");
    await ready(page);

    // the switch keeps the page (and its query) and renders it in English
    await bannerSwitch(page, "English").click();
    await expect(page).toHaveURL(/\/search\?q=golf$/);
    await ready(page);
    await expectEnglish(page);
    await expect(page.getByRole("heading", { level: 1, name: "Search used cars" })).toBeVisible();
    await expect(page.getByRole("status").filter({ hasText: /^[\d,]+ listings?$/ })).toBeVisible();
    // it sticks, on other pages too, though the browser still prefers Bulgarian
    await page.goto("/");
    await ready(page);
    await expectEnglish(page);
    await expect(page.getByRole("heading", { level: 1 })).toHaveText("Find the right used car at the right price.");
  });
});

test("the choice sticks after signing in, and follows the person to another browser", async ({ page, browser }) => {
  const email = await signUp(page, "language");
  // signed in, in English (the browser's): choosing Bulgarian saves it as the person's
  await expectEnglish(page);
  await bannerSwitch(page, "Български").click();
  await ready(page);
  await expectBulgarian(page);
  await expect(page.getByRole("banner").getByText("Влезли сте като")).toBeAttached();

  // another browser that prefers English: signing in brings the person's Bulgarian with it
  const other = await freshPage(browser, "en-US");
  await other.goto("/");
  await ready(other);
  await expectEnglish(other);
  await signIn(other, email);
  await other.goto("/");
  await ready(other);
  await expectBulgarian(other);

  // a third browser chooses English before signing in: the latest choice wins, and is saved
  const third = await freshPage(browser, "bg-BG");
  await third.goto("/");
  await ready(third);
  await expectBulgarian(third);
  await bannerSwitch(third, "English").click();
  await ready(third);
  await expectEnglish(third);
  await signIn(third, email);
  await third.goto("/");
  await ready(third);
  await expectEnglish(third);

  // ...so a fourth browser that prefers Bulgarian gets English once signed in
  const fourth = await freshPage(browser, "bg-BG");
  await signIn(fourth, email, "bg");
  await fourth.goto("/");
  await ready(fourth);
  await expectEnglish(fourth);
  for (const p of [other, third, fourth]) await p.context().close();
});
