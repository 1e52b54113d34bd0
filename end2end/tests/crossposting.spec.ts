// Journey: a seller links a marketplace account (the stand-in, "Stand-in Market"), publishes a
// listing there too from its edit page, sees where it stands, changes the price (the advert
// follows), stops publishing there (the advert goes), and finds a banner on its pages once
// the marketplace withdraws Scout's access. Hydrated and without JavaScript, desktop and
// phone.
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

  // marked sold here: the advert is closed there, and the listing's page says so
  await ready(page);
  await page.getByRole("button", { name: `Mark sold: ${title}` }).click();
  await expect.poll(async () => (await control("adverts", email))[0]?.status, { timeout: 15_000 }).toBe("inactive");
  await page.getByRole("list", { name: "Your listings" }).getByRole("link", { name: `Edit ${title}` }).click();
  await expect(page.getByRole("heading", { name: "Edit listing" })).toBeVisible();
  await expect(market.getByText(/^On Stand-in Market, not shown there \(sold, archived or a draft here\)/)).toBeVisible();
  // relisted, it is shown there again
  await page.goto("/my-listings");
  await ready(page);
  await page.getByRole("link", { name: "Sold (1)" }).click();
  await ready(page);
  await page.getByRole("button", { name: `Relist: ${title}` }).click();
  await expect.poll(async () => (await control("adverts", email))[0]?.status, { timeout: 15_000 }).toBe("active");
  await page.goto("/my-listings");

  // stopping removes the advert there
  await page.getByRole("list", { name: "Your listings" }).getByRole("link", { name: `Edit ${title}` }).click();
  await expect(page.getByRole("heading", { name: "Edit listing" })).toBeVisible();
  await ready(page);
  await market.getByRole("button", { name: "Stop publishing on Stand-in Market" }).click();
  await expect(market.getByRole("button", { name: "Publish on Stand-in Market too" })).toBeVisible();
  await expect.poll(async () => (await control("adverts", email)).length, { timeout: 15_000 }).toBe(0);

  // published there again, then Scout's access is withdrawn at the marketplace: the next
  // change can't go out, and the seller's pages say what to do
  await ready(page);
  await market.getByRole("button", { name: "Publish on Stand-in Market too" }).click();
  await expect.poll(async () => (await control("adverts", email)).length, { timeout: 15_000 }).toBe(1);
  await control("withdraw", email);
  await ready(page);
  await page.getByLabel("Price", { exact: true }).fill("12 900");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("heading", { name: "My listings" })).toBeVisible();
  const banner = page.getByRole("status").filter({ hasText: "Your Stand-in Market link needs attention" });
  await expect(async () => {
    await page.goto("/my-listings");
    await expect(banner).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(banner.getByRole("link", { name: "Manage linked marketplaces" })).toHaveAttribute("href", "/account#marketplaces-heading");
});
