// Journeys: signing up and in with an OpenID Connect provider (the stand-in started by the
// Playwright config, end2end/oidc-provider.mjs, whose own page asks "Sign in as"), connecting
// one to an account that has a password, connecting Facebook (the same stand-in speaking
// Facebook's OAuth 2 and Graph API) as a second and signing in with it, a provider's email that belongs to an account not
// signing into it, renewing and disconnecting a provider, and linking a marketplace account
// (the same stand-in plays the marketplace). Hydrated and without JavaScript, desktop and
// phone.
import { test, expect, Page } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { control, ready, signUp } from "./helpers";

const unique = (who: string) =>
  `${who}-${test.info().project.name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

/** At the stand-in's own sign-in page: sign in as `email` and go back to Scout. */
async function atProvider(page: Page, email: string) {
  await expect(page.getByRole("heading", { name: "Stand-in ID" })).toBeVisible();
  await page.getByLabel("Sign in as").fill(email);
  await page.getByRole("button", { name: "Continue to Scout" }).click();
}

/** Signs `email` up with Stand-in ID from the sign-up page, until the banner says so. */
async function signUpAtProvider(page: Page, email: string) {
  await page.goto("/sign-up");
  await ready(page);
  await page.getByRole("button", { name: "Continue with Stand-in ID" }).click();
  await atProvider(page, email);
  await expect(page.getByRole("banner").getByText(`Signed in as ${email}`)).toBeAttached();
}

test("sign up with a provider, and find it connected on the Account page", async ({ page }) => {
  const email = unique("provider");
  await signUpAtProvider(page, email);
  const banner = page.getByRole("banner");

  await page.goto("/account");
  const providers = page.getByRole("region", { name: "Sign-in providers" });
  await expect(providers.getByText(`Connected as ${email}`)).toBeVisible();
  await expect(page.getByRole("region", { name: "Security log" }).getByText("Signed up with a sign-in provider")).toBeVisible();

  // signed out, the provider signs the same account in again
  await ready(page);
  await banner.getByRole("button", { name: "Sign out" }).click();
  await expect(banner.getByRole("link", { name: "Sign in" })).toBeVisible();
  await page.goto("/sign-in");
  await ready(page);
  await page.getByRole("button", { name: "Continue with Stand-in ID" }).click();
  await atProvider(page, email);
  await expect(banner.getByText(`Signed in as ${email}`)).toBeAttached();
});

test("an account connects a provider, whose email then can't sign in elsewhere", async ({ page }) => {
  const email = await signUp(page, "connecter");
  // the provider's address of an account is not a way into it before the account connects it
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await page.goto("/sign-in");
  await ready(page);
  await page.getByRole("button", { name: "Continue with Stand-in ID" }).click();
  await atProvider(page, email);
  await expect(page.getByRole("alert")).toContainText("A Scout account already uses the email address Stand-in ID gave us.");
  await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();

  // signed in with the password, the account connects it from the Account page
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("violet tractor mango 42");
  await page.getByRole("button", { name: "Sign in", exact: true }).click();
  await expect(page.getByRole("banner").getByText(`Signed in as ${email}`)).toBeAttached();
  await page.goto("/account");
  await ready(page);
  const providers = page.getByRole("region", { name: "Sign-in providers" });
  await expect(providers.getByRole("listitem").filter({ hasText: "Stand-in ID" }).getByText("Not connected")).toBeVisible();
  await providers.getByRole("button", { name: "Connect Stand-in ID" }).click();
  await atProvider(page, email);
  await expect(page.getByText("Stand-in ID is connected: you can sign in with it now.")).toBeVisible();
  await expect(page.getByRole("region", { name: "Sign-in providers" }).getByText(`Connected as ${email}`)).toBeVisible();

  // and from now on it signs this account in
  await ready(page);
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await page.goto("/sign-in");
  await ready(page);
  await page.getByRole("button", { name: "Continue with Stand-in ID" }).click();
  await atProvider(page, email);
  await expect(page.getByRole("banner").getByText(`Signed in as ${email}`)).toBeAttached();
});

test("cancelling at the provider says so on the sign-in page", async ({ page }) => {
  await page.goto("/sign-in");
  await ready(page);
  await page.getByRole("button", { name: "Continue with Stand-in ID" }).click();
  await expect(page.getByRole("heading", { name: "Stand-in ID" })).toBeVisible();
  await page.getByRole("button", { name: "Cancel" }).click();
  await expect(page.getByRole("alert")).toContainText("Signing in with Stand-in ID was cancelled.");
});


test("a connected provider is renewed, shows when its access was withdrawn, and is disconnected after confirming", async ({ page }) => {
  const email = await signUp(page, "renewer");
  await page.goto("/account");
  await ready(page);
  await page.getByRole("region", { name: "Sign-in providers" }).getByRole("button", { name: "Connect Stand-in ID" }).click();
  await atProvider(page, email);
  const providers = page.getByRole("region", { name: "Sign-in providers" });
  await expect(providers.getByText(`Connected as ${email}`)).toBeVisible();
  await expect(providers.getByText("Shares who you are there, your email address and your name and picture.")).toBeVisible();
  await expect(providers.getByText(/^Access until .* UTC, renewed before it ends\.$/)).toBeVisible();

  await ready(page);
  await providers.getByRole("button", { name: "Refresh Stand-in ID now" }).click();
  await expect(providers.getByText("Scout's access at Stand-in ID is renewed.")).toBeVisible();

  // the person withdraws Scout's access in the provider's own settings: the next renewal is
  // refused, and the page says so and offers to reconnect
  await control("withdraw", email);
  await ready(page);
  await providers.getByRole("button", { name: "Refresh Stand-in ID now" }).click();
  await expect(providers.getByRole("alert")).toContainText("Stand-in ID no longer accepts Scout's access");
  await page.goto("/account");
  await expect(providers.getByText("Expired", { exact: true })).toBeVisible();
  await expect(providers.getByRole("button", { name: "Refresh Stand-in ID now" })).toHaveCount(0);
  await expect(providers.getByRole("button", { name: "Reconnect Stand-in ID" })).toBeVisible();
  // and the person was told once, in the inbox, with the way back here
  await page.goto("/inbox");
  await expect(page.getByRole("link", { name: "Scout's access at Stand-in ID has ended" })).toHaveAttribute("href", "/account#providers-heading");
  await page.goto("/account");
  // reconnecting signs in there again and gives fresh access
  await ready(page);
  await providers.getByRole("button", { name: "Reconnect Stand-in ID" }).click();
  await atProvider(page, email);
  await expect(providers.getByText("Connected", { exact: true })).toBeVisible();
  await expect(providers.getByRole("button", { name: "Reconnect Stand-in ID" })).toHaveCount(0);

  // disconnecting asks first, and says what stops working
  await ready(page);
  await providers.getByRole("link", { name: "Disconnect Stand-in ID…" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Disconnect Stand-in ID?" });
  await expect(dialog).toHaveAccessibleDescription(/You will no longer be able to sign in with Stand-in ID\./);
  await dialog.getByRole("button", { name: "Disconnect Stand-in ID" }).click();
  await expect(providers.getByText("Stand-in ID is disconnected: you no longer sign in with it.")).toBeVisible();
  await expect(providers.getByRole("listitem").filter({ hasText: "Stand-in ID" }).getByText("Not connected")).toBeVisible();
  await expect(page.getByRole("alertdialog")).toHaveCount(0);
  await expect(page.getByRole("region", { name: "Security log" }).getByText("Disconnected a sign-in provider")).toBeVisible();
  // Scout asked the provider to end the tokens it held
  await expect.poll(async () => (await control("revoked", email)).revoked, { timeout: 10_000 }).toBeGreaterThan(0);
});

test("sign up with one provider, connect Facebook as a second, sign in with it, see both, and disconnect it after confirming", async ({ page }) => {
  const email = unique("two-providers");
  await signUpAtProvider(page, email);
  const banner = page.getByRole("banner");
  await page.goto("/account");
  await ready(page);
  const providers = page.getByRole("region", { name: "Sign-in providers" });
  const facebook = providers.getByRole("listitem").filter({ hasText: "Facebook" });
  const standin = providers.getByRole("listitem").filter({ hasText: "Stand-in ID" });
  await expect(facebook.getByText("Not connected")).toBeVisible();
  await expect(standin.getByText(/Stand-in ID is your only way to sign in/)).toBeVisible();
  await facebook.getByRole("button", { name: "Connect Facebook" }).click();
  // Facebook's own login dialog (the stand-in's, speaking Facebook's OAuth 2 and Graph API)
  await expect(page.getByRole("heading", { name: "Stand-in Facebook" })).toBeVisible();
  await page.getByLabel("Sign in as").fill(email);
  await page.getByRole("button", { name: "Continue to Scout" }).click();
  await expect(page.getByText("Facebook is connected: you can sign in with it now.")).toBeVisible();
  // both, each as whom; Facebook's access can't be renewed, so it says until when
  await expect(standin.getByText(`Connected as ${email}`)).toBeVisible();
  await expect(facebook.getByText(`Connected as ${email}`)).toBeVisible();
  await expect(facebook.getByText("Shares your email address and your name and picture.")).toBeVisible();
  await expect(facebook.getByText(/^Access until .* UTC\.$/)).toBeVisible();
  await expect(facebook.getByRole("button", { name: "Refresh Facebook now" })).toHaveCount(0);
  // with two ways in, either may go
  await expect(standin.getByRole("link", { name: "Disconnect Stand-in ID…" })).toBeVisible();

  // Facebook signs this account in
  await ready(page);
  await banner.getByRole("button", { name: "Sign out" }).click();
  await expect(banner.getByRole("link", { name: "Sign in" })).toBeVisible();
  await page.goto("/sign-in");
  await ready(page);
  await page.getByRole("button", { name: "Continue with Facebook" }).click();
  await expect(page.getByRole("heading", { name: "Stand-in Facebook" })).toBeVisible();
  await page.getByLabel("Sign in as").fill(email);
  await page.getByRole("button", { name: "Continue to Scout" }).click();
  await expect(banner.getByText(`Signed in as ${email}`)).toBeAttached();

  // disconnecting asks first; the grant ends at Facebook
  await page.goto("/account");
  await ready(page);
  await facebook.getByRole("link", { name: "Disconnect Facebook…" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Disconnect Facebook?" });
  await expect(dialog).toHaveAccessibleDescription(/You will no longer be able to sign in with Facebook\./);
  await dialog.getByRole("button", { name: "Disconnect Facebook" }).click();
  await expect(providers.getByText("Facebook is disconnected: you no longer sign in with it.")).toBeVisible();
  await expect(facebook.getByText("Not connected")).toBeVisible();
  await expect(standin.getByText(/Stand-in ID is your only way to sign in/)).toBeVisible();
  await expect.poll(async () => (await control("revoked", email)).revoked, { timeout: 10_000 }).toBeGreaterThan(0);
});

test("an account that signs in only with a provider can't disconnect it", async ({ page }) => {
  const email = unique("only-provider");
  await signUpAtProvider(page, email);
  await page.goto("/account");
  const providers = page.getByRole("region", { name: "Sign-in providers" });
  await expect(providers.getByText(/Stand-in ID is your only way to sign in, so it can't be disconnected/)).toBeVisible();
  await expect(providers.getByRole("link", { name: /^Disconnect/ })).toHaveCount(0);
  // nor is its confirmation shown when asked for by address (the server refuses it too)
  await page.goto("/account?disconnect=standin");
  await expect(page.getByRole("alertdialog")).toHaveCount(0);
});

test("an account that signs in only with a provider confirms it's them there, deletes itself, and can sign up again", async ({ page }) => {
  const email = unique("confirm-delete");
  await signUpAtProvider(page, email);
  const banner = page.getByRole("banner");
  await page.goto("/account");
  await ready(page);
  // no password to ask for: the provider is asked to sign the person in again instead
  const danger = page.getByRole("region", { name: "Delete your account" });
  await expect(danger.getByLabel("Your password")).toHaveCount(0);
  if (test.info().project.use.javaScriptEnabled !== false) {
    // the Account page of an account without a password (its confirmation buttons) meets WCAG A/AA
    const axe = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
    expect(axe.violations.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target).join(" ")}`)).toEqual([]);
  }
  await danger.getByRole("button", { name: "Confirm with Stand-in ID" }).click();
  await atProvider(page, email);
  await expect(danger.getByText("Stand-in ID confirmed it's you. Go ahead within 5 minutes.")).toBeVisible();
  await ready(page);
  await danger.getByLabel("I understand").check();
  await danger.getByRole("button", { name: "Delete my account" }).click();
  await expect(banner.getByRole("link", { name: "Sign in" })).toBeVisible();
  // the address is free again: the provider signs up a new account with it
  await signUpAtProvider(page, email);
  await page.goto("/account");
  await expect(page.getByRole("region", { name: "Security log" }).getByText("Signed up with a sign-in provider")).toBeVisible();
});

test("a seller links a marketplace account on the Account page, and unlinks it after confirming", async ({ page }) => {
  const email = await signUp(page, "marketer");
  await page.goto("/account");
  await ready(page);
  const market = page.getByRole("region", { name: "Linked marketplaces" });
  await expect(market.getByText("Not connected")).toBeVisible();
  await market.getByRole("button", { name: "Link Stand-in Market" }).click();
  // the marketplace's own page
  await expect(page.getByRole("heading", { name: "Stand-in Market" })).toBeVisible();
  await page.getByLabel("Sign in as").fill(email);
  await page.getByRole("button", { name: "Continue to Scout" }).click();
  await expect(market.getByText("Stand-in Market is linked: Scout can publish your listings there.")).toBeVisible();
  await expect(market.getByText(`Connected as ${email}`)).toBeVisible();
  await expect(market.getByText("Shares your adverts there and publishing and changing adverts for you.")).toBeVisible();
  await expect(page.getByRole("region", { name: "Security log" }).getByText("Linked a marketplace account")).toBeVisible();

  await ready(page);
  await market.getByRole("link", { name: "Unlink Stand-in Market…" }).click();
  const dialog = page.getByRole("alertdialog", { name: "Unlink Stand-in Market?" });
  await expect(dialog).toHaveAccessibleDescription(/Scout will no longer publish or update your listings on Stand-in Market\./);
  await dialog.getByRole("button", { name: "Unlink Stand-in Market" }).click();
  await expect(market.getByText("Stand-in Market is unlinked: Scout no longer publishes there.")).toBeVisible();
  await expect(market.getByText("Not connected")).toBeVisible();
  await expect(page.getByRole("region", { name: "Security log" }).getByText("Unlinked a marketplace account")).toBeVisible();
  await expect.poll(async () => (await control("revoked", email)).revoked, { timeout: 10_000 }).toBeGreaterThan(0);
});
