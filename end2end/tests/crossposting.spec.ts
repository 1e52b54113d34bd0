// Journey: a seller links a marketplace account (the stand-in, "Stand-in Market"), publishes a
// listing there too from its edit page, sees where it stands, changes the price (the advert
// follows) and stops publishing there (the advert goes). Hydrated and without JavaScript,
// desktop and phone.
import { test, expect } from "@playwright/test";
import { control, publish, ready, signUp } from "./helpers";

test("a seller publishes a listing on a linked marketplace too, and the advert follows it", async ({ page }) => {
  const email = await signUp(page, "crossposter");
  await page.goto("/account");
  await ready(page);
  await page.getByRole("region", { name: "Linked marketplaces" }).getByRole("button", { name: "Link Stand-in Market" }).click();
  await expect(page.getByRole("heading", { name: "Stand-in Market" })).toBeVisible();
  await page.getByLabel("Sign in as").fill(email);
  await page.getByRole("button", { name: "Continue to Scout" }).click();
  await expect(page.getByText("Stand-in Market is linked: Scout can publish your listings there.")).toBeVisible();

  const title = `Škoda Octavia for the market ${Date.now()}`;
  await publish(page, title);
  const mine = page.getByRole("list", { name: "Your listings" });
  await mine.getByRole("link", { name: `Edit ${title}` }).click();
  await expect(page.getByRole("heading", { name: "Edit listing" })).toBeVisible();
  const market = page.getByRole("region", { name: "Also on marketplaces" });
  await expect(market.getByText("Not on Stand-in Market.")).toBeVisible();
  await ready(page);
  await market.getByRole("button", { name: "Publish on Stand-in Market too" }).click();
  await expect(market.getByRole("button", { name: "Stop publishing on Stand-in Market" })).toBeVisible();
  // the sync job sends it within seconds; the page says where it stands
  await expect.poll(async () => (await control("adverts", email)).length, { timeout: 15_000 }).toBe(1);
  const advert = (await control("adverts", email))[0];
  expect(advert.title).toBe(title);
  expect(advert.status).toBe("active");
  await page.reload();
  await expect(market.getByText(new RegExp(`^On Stand-in Market since \\d{4}-\\d{2}-\\d{2} · advert ${advert.id} · last synced`))).toBeVisible();

  // a new price follows the listing there
  await ready(page);
  await page.getByLabel("Price", { exact: true }).fill("13 900");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("heading", { name: "My listings" })).toBeVisible();
  await expect.poll(async () => (await control("adverts", email))[0]?.price?.value, { timeout: 15_000 }).toBe(13900);

  // stopping removes the advert there
  await page.getByRole("list", { name: "Your listings" }).getByRole("link", { name: `Edit ${title}` }).click();
  await expect(page.getByRole("heading", { name: "Edit listing" })).toBeVisible();
  await ready(page);
  await market.getByRole("button", { name: "Stop publishing on Stand-in Market" }).click();
  await expect(market.getByRole("button", { name: "Publish on Stand-in Market too" })).toBeVisible();
  await expect.poll(async () => (await control("adverts", email)).length, { timeout: 15_000 }).toBe(0);
});
