// Journey: a new buyer signs up, sees their account in the header, signs out, signs in again;
// a wrong password is answered next to the form. Elements are found by role and label.
import { test, expect, Page } from "@playwright/test";
import { confirmAddress, js, mailTo, publish, signUp } from "./helpers";

const password = "violet tractor mango 42";

function uniqueEmail(testInfo: { project: { name: string } }) {
  const stamp = `${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  return `buyer-${testInfo.project.name}-${stamp}@example.com`;
}

async function ready(page: Page) {
  // Hydrated runs wait for the WASM to take over the forms, so clicks are handled by it.
  if (test.info().project.use.javaScriptEnabled !== false) {
    await page.locator("body[data-hydrated]").waitFor({ state: "attached", timeout: 15_000 });
  }
}

// Fills the form on the current sign-in or sign-up page and submits it with `button`.
async function submitCredentials(page: Page, email: string, secret: string, button: string) {
  await ready(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(secret);
  await page.getByRole("button", { name: button }).click();
}

test("sign up, confirm the address from the mail, sign out, sign in again", async ({ page }, testInfo) => {
  const email = uniqueEmail(testInfo);

  await page.goto("/");
  await page.getByRole("link", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: "Create an account" })).toBeVisible();
  await submitCredentials(page, email, password, "Create account");
  const sent = `Check your email: we sent a message to ${email}.`;
  await expect(page.getByText(sent)).toBeVisible();
  const banner = page.getByRole("banner");
  await expect(banner.getByRole("link", { name: "Sign in" })).toBeVisible();

  // the password alone doesn't sign in before the address is confirmed
  await page.goto("/sign-in");
  await submitCredentials(page, email, password, "Sign in");
  await expect(page.getByRole("alert")).toContainText(`Confirm your address first: we sent a link to ${email}.`);

  await confirmAddress(page, email);
  await expect(page).toHaveURL(/\/$/);

  await banner.getByRole("button", { name: "Sign out" }).click();
  await expect(banner.getByRole("link", { name: "Sign in" })).toBeVisible();
  await expect(banner.getByText(`Signed in as`)).toHaveCount(0);

  await banner.getByRole("link", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await submitCredentials(page, email, password, "Sign in");
  await expect(banner.getByText(`Signed in as ${email}`)).toBeAttached();
  await expect(banner.getByRole("button", { name: "Sign out" })).toBeVisible();

  // signing up again with the address answers as for a new one; the owner is mailed instead
  await banner.getByRole("button", { name: "Sign out" }).click();
  await expect(banner.getByRole("link", { name: "Sign in" })).toBeVisible();
  await page.goto("/sign-up");
  await submitCredentials(page, email, "another long passphrase", "Create account");
  await expect(page.getByText(sent)).toBeVisible();
  await expect
    .poll(async () => (await mailTo(email)).some((m) => m.data.includes("Subject: You already have a Scout account")), {
      timeout: 20_000,
    })
    .toBe(true);
});

test("a wrong password is answered next to the form", async ({ page }) => {
  const email = await signUp(page, "buyer");
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();

  await page.goto("/sign-in");
  await submitCredentials(page, email, "not the right one", "Sign in");

  const alert = page.getByRole("alert");
  await expect(alert).toHaveText("The email or password is incorrect.");
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();
  // what was typed stays (without JavaScript the page comes back with it), the password not
  await expect(page.getByLabel("Email")).toHaveValue(email);
  if (test.info().project.use.javaScriptEnabled === false) {
    await expect(page.getByLabel("Password")).toHaveValue("");
  }
});

test("a common password is refused with a message on the password field", async ({ page }, testInfo) => {
  await page.goto("/sign-up");
  const email = uniqueEmail(testInfo);
  await submitCredentials(page, email, "password1", "Create account");
  const field = page.getByLabel("Password");
  await expect(field).toHaveAttribute("aria-invalid", "true");
  await expect(field).toHaveAccessibleDescription(/most common passwords/);
  await expect(page.getByLabel("Email")).toHaveValue(email);
});

test("unknown pages say so and lead home", async ({ page }) => {
  const res = await page.goto("/no-such-page");
  expect(res?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "We couldn't find that page" })).toBeVisible();
  await page.getByRole("link", { name: "Go to the home page" }).click();
  await expect(page).toHaveURL(/\/$/);
});

test("a forgotten password is replaced through the emailed link", async ({ page }) => {
  const email = await signUp(page, "forgetful");
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();

  await page.goto("/sign-in");
  await ready(page);
  await page.getByRole("link", { name: "Forgot password?" }).click();
  await expect(page.getByRole("heading", { name: "Choose a new password" })).toBeVisible();
  await ready(page);
  await page.getByLabel("Email").fill(email);
  await page.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByRole("status")).toContainText(`If a Scout account uses ${email}, we sent it a link`);

  await expect.poll(async () => (await mailTo(email)).length, { timeout: 20_000 }).toBe(2);
  const mail = (await mailTo(email))[1];
  expect(mail.data).toContain("Subject: Choose a new Scout password");
  const link = mail.data.match(/\/reset-password\/[A-Za-z0-9_-]{43}/);
  expect(link).not.toBeNull();
  await page.goto(link![0]);
  await ready(page);
  const newPassword = "a new and rather long passphrase";
  await page.getByLabel("New password").fill(newPassword);
  await page.getByRole("button", { name: "Save the new password and sign in" }).click();
  const banner = page.getByRole("banner");
  await expect(banner.getByText(`Signed in as ${email}`)).toBeAttached();

  // the link worked once
  await page.goto(link![0]);
  await expect(page.getByRole("alert")).toContainText("This link has expired or was already used");
  // and the new password is the one that signs in
  await banner.getByRole("button", { name: "Sign out" }).click();
  await expect(banner.getByRole("link", { name: "Sign in" })).toBeVisible();
  await page.goto("/sign-in");
  await submitCredentials(page, email, newPassword, "Sign in");
  await expect(banner.getByText(`Signed in as ${email}`)).toBeAttached();
});

test("the password is changed on the Account page and the new one signs in", async ({ page }) => {
  const email = await signUp(page, "changer");
  await page.goto("/settings");
  await page.getByRole("link", { name: "Your account" }).click();
  await expect(page.getByRole("heading", { name: "Your account", exact: true })).toBeVisible();
  await ready(page);
  const next = "a brand new passphrase";
  await page.getByLabel("Current password").fill("not it at all");
  await page.getByLabel("New password").fill(next);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByLabel("Current password")).toHaveAccessibleDescription(/That is not your current password/);

  await ready(page);
  await page.getByLabel("Current password").fill(password);
  await page.getByLabel("New password").fill(next);
  await page.getByRole("button", { name: "Change password" }).click();
  await expect(page.getByText("Your password is changed.")).toBeVisible();
  const banner = page.getByRole("banner");
  await expect(banner.getByText(`Signed in as ${email}`)).toBeAttached();

  await banner.getByRole("button", { name: "Sign out" }).click();
  await expect(banner.getByRole("link", { name: "Sign in" })).toBeVisible();
  await page.goto("/sign-in");
  await submitCredentials(page, email, next, "Sign in");
  await expect(banner.getByText(`Signed in as ${email}`)).toBeAttached();
});

test("a second device is listed on the Account page and signed out from the first", async ({ page, browser }) => {
  const email = await signUp(page, "devices");
  // the same person signs in on another device (a browser context of its own)
  const other = await browser.newContext({ javaScriptEnabled: js(), userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1" });
  const phone = await other.newPage();
  await phone.goto("/sign-in");
  await submitCredentials(phone, email, password, "Sign in");
  await expect(phone.getByRole("banner").getByText(`Signed in as ${email}`)).toBeAttached();

  await page.goto("/account");
  await ready(page);
  const sessions = page.getByRole("region", { name: "Where you're signed in" });
  await expect(sessions.getByText("This device")).toBeVisible();
  await expect(sessions.getByText("Safari on iPhone")).toBeVisible();
  await sessions.getByRole("button", { name: /^Sign out Safari on iPhone/ }).click();
  await expect(sessions.getByText("Safari on iPhone")).toHaveCount(0);
  const log = page.getByRole("region", { name: "Security log" });
  await expect(log.getByText("Signed out another device")).toBeVisible();

  // the phone's next page finds itself signed out; this browser is still in
  await phone.goto("/settings");
  // (should this fail, the banner's text is in the report)
  await expect(phone.getByRole("banner")).not.toContainText("Signed in as");
  await expect(phone.getByRole("main")).toContainText("Sign in");
  await expect(phone.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();
  await other.close();
  await page.goto("/account");
  await expect(page.getByRole("banner").getByText(`Signed in as ${email}`)).toBeAttached();
});

test("deleting the account signs out, and the address can sign up again", async ({ page }) => {
  const email = await signUp(page, "leaver");
  await page.goto("/account");
  await ready(page);
  const section = page.getByRole("region", { name: "Delete your account" });
  await section.getByLabel("Your password").fill(password);
  await section.getByRole("button", { name: "Delete my account" }).click();
  // the box must be ticked: nothing is deleted yet
  const box = page.getByRole("checkbox", { name: /my account and everything in it are deleted for good/ });
  await expect(box).toHaveAccessibleDescription(/Tick this to confirm/);
  await ready(page);
  await page.getByRole("region", { name: "Delete your account" }).getByLabel("Your password").fill(password);
  await box.check();
  await page.getByRole("button", { name: "Delete my account" }).click();
  await expect(page.getByText("Your account is deleted, with everything in it.")).toBeVisible();
  const banner = page.getByRole("banner");
  await expect(banner.getByRole("link", { name: "Sign in" })).toBeVisible();
  await expect.poll(async () => (await mailTo(email)).some((m) => m.data.includes("Your Scout account is deleted"))).toBe(true);

  // the old password signs in no more; the address signs up anew
  await page.goto("/sign-in");
  await submitCredentials(page, email, password, "Sign in");
  await expect(page.getByRole("alert")).toBeVisible();
  await page.goto("/sign-up");
  await submitCredentials(page, email, password, "Create account");
  await expect(page.getByText(`Check your email: we sent a message to ${email}.`)).toBeVisible();
  // a second confirmation link (the first one was used before the account was deleted)
  const links = async () => (await mailTo(email)).flatMap((m) => m.data.match(/\/verify-email\/[A-Za-z0-9_-]{43}/) ?? []);
  await expect.poll(async () => (await links()).length, { timeout: 20_000 }).toBe(2);
  await page.goto((await links())[1]);
  await ready(page);
  await page.getByRole("button", { name: "Confirm and sign in" }).click();
  await expect(banner.getByText(`Signed in as ${email}`)).toBeAttached();
});

test("a seller's name and phone, saved on the Account page, show on their listing", async ({ page }) => {
  test.setTimeout(90_000);
  await signUp(page, "phoner");
  const title = `Škoda Octavia of ${Date.now()}`;
  await publish(page, title);
  await page.goto("/account");
  await ready(page);
  const profile = page.getByRole("region", { name: "Profile" });
  await profile.getByLabel("Display name").fill("Иван Петров");
  await profile.getByRole("textbox", { name: "Phone number" }).fill("0888 12");
  await profile.getByRole("checkbox", { name: "Show my phone number on my listings" }).check();
  await profile.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByRole("textbox", { name: "Phone number" })).toHaveAccessibleDescription(/as you dial it in Bulgaria/);

  await ready(page);
  const again = page.getByRole("region", { name: "Profile" });
  await again.getByLabel("Display name").fill("Иван Петров");
  await again.getByRole("textbox", { name: "Phone number" }).fill("0888 123 456");
  await again.getByRole("checkbox", { name: "Show my phone number on my listings" }).check();
  await again.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByText("Your profile is saved.")).toBeVisible();
  // kept as the number in full (hydrated, the box keeps what was typed until the page is
  // loaded again)
  await page.reload();
  await expect(page.getByRole("textbox", { name: "Phone number" })).toHaveValue("+359 88 812 3456");

  await page.goto("/my-listings");
  await page.getByRole("list", { name: "Your listings" }).getByRole("link", { name: title, exact: true }).click();
  const seller = page.getByRole("region", { name: "Seller" });
  await expect(seller.getByText("Иван Петров")).toBeVisible();
  await expect(seller.getByRole("link", { name: "Call +359 88 812 3456" })).toHaveAttribute("href", "tel:+359888123456");
});

test("the sign-in address changes by the link mailed to the new one", async ({ page }) => {
  const email = await signUp(page, "mover");
  const moved = email.replace("mover-", "moved-");
  await page.goto("/account");
  await ready(page);
  const section = page.getByRole("region", { name: "Sign-in address" });
  await section.getByLabel("New email address").fill(moved);
  await section.getByLabel("Your password").fill(password);
  await section.getByRole("button", { name: "Send the link" }).click();
  await expect(page.getByText(`We sent a link to ${moved}.`)).toBeVisible();
  // nothing changes until the link is opened
  await expect(page.getByRole("banner").getByText(`Signed in as ${email}`)).toBeAttached();

  let link: string | undefined;
  await expect
    .poll(async () => (link = (await mailTo(moved)).map((m) => m.data.match(/\/change-email\/[A-Za-z0-9_-]{43}/)?.[0]).find(Boolean)), { timeout: 20_000 })
    .toBeTruthy();
  await page.goto(link!);
  await ready(page);
  await expect(page.getByText(`instead of ${email}`)).toBeVisible();
  await page.getByRole("button", { name: "Use this address" }).click();
  await expect(page.getByText(`Done: you sign in to Scout with ${moved} from now on.`)).toBeVisible();
  await expect(page.getByRole("banner").getByText(`Signed in as ${moved}`)).toBeAttached();
  await expect.poll(async () => (await mailTo(email)).some((m) => m.data.includes("Your Scout sign-in address was changed"))).toBe(true);
  await expect(page.getByRole("region", { name: "Security log" }).getByText("Changed the sign-in address")).toBeVisible();
});

test("the account's data downloads as a ZIP from the Account page", async ({ page }) => {
  await signUp(page, "downloader");
  await page.goto("/account");
  const section = page.getByRole("region", { name: "Your data" });
  const downloading = page.waitForEvent("download");
  await section.getByRole("link", { name: "Download my data" }).click();
  const download = await downloading;
  expect(download.suggestedFilename()).toMatch(/^scout-data-.*\.zip$/);
  // the page stays where it was
  await expect(page.getByRole("heading", { name: "Your account", exact: true })).toBeVisible();
});
