// Journey: a buyer chooses where alert email goes and saves a search as an alert; a seller
// publishes a matching car; the buyer sees the inbox badge and the notification saying why it
// matched, and the email arrives at the SMTP stand-in; the buyer pauses the alert and the next
// matching car sends nothing. Hydrated and without JavaScript, desktop and phone.
import { test, expect, Page } from "@playwright/test";
import { js, mailTo, mainNav, navigate, publish, ready, signUp } from "./helpers";

const password = "violet tractor mango 42";

async function signOut(page: Page) {
  await ready(page);
  await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("banner").getByRole("link", { name: "Sign in" })).toBeVisible();
}

async function signIn(page: Page, email: string) {
  await page.goto("/sign-in");
  await ready(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("banner").getByText(`Signed in as ${email}`)).toBeAttached();
}

test("save a search as an alert, hear of a match in the inbox, pause it", async ({ page }) => {
  test.setTimeout(90_000);
  // a made-up word only this run's listings carry, so parallel runs and the demo data stay
  // out (random letters: search's typo tolerance would take a near-copy for it)
  const token = Array.from({ length: 12 }, () => "bcdfghjklmnpqrstvwxz"[Math.floor(Math.random() * 20)]).join("");
  const buyer = await signUp(page, "buyer");

  // alert email to another address of the buyer's
  const alertAddress = `alerts-${token}@example.com`;
  await navigate(page, "Settings");
  await expect(page.getByRole("heading", { name: "Notifications", exact: true })).toBeVisible();
  await ready(page);
  await expect(page.getByRole("checkbox", { name: "Email" })).toBeChecked();
  await page.getByLabel("Email address for alerts").fill(alertAddress);
  await page.getByLabel("Time zone").selectOption("Europe/Sofia");
  const settingsSaved = page.waitForResponse((r) => r.url().includes("/api/settings/notifications/save"));
  await page.getByRole("button", { name: "Save settings" }).click();
  expect((await settingsSaved).status()).toBeLessThan(400);
  if (js()) {
    await expect(page.getByRole("status").filter({ hasText: "Settings saved." })).toBeVisible();
  }
  await page.goto("/settings");
  await expect(page.getByLabel("Email address for alerts")).toHaveValue(alertAddress);
  await expect(page.getByLabel("Time zone")).toHaveValue("Europe/Sofia");
  // the new address is used once its owner opens the link Scout sent to it
  await expect(page.getByText(`Waiting for you to confirm ${alertAddress}`)).toBeVisible();
  await expect.poll(async () => (await mailTo(alertAddress)).length, { timeout: 20_000 }).toBe(1);
  const [confirmation] = await mailTo(alertAddress);
  expect(confirmation.data).toContain("Subject: Confirm your address for Scout alerts");
  const link = confirmation.data.match(/\/confirm-email\/[A-Za-z0-9_-]{43}/);
  expect(link).not.toBeNull();
  await page.goto(link![0]);
  await expect(page.getByText(`Send Scout alert email to ${alertAddress}?`)).toBeVisible();
  await ready(page);
  const confirmed = page.waitForResponse((r) => r.url().includes("/api/settings/alert-email/confirm"));
  await page.getByRole("button", { name: "Use this address for alerts" }).click();
  expect((await confirmed).status()).toBeLessThan(400);
  await expect(page).toHaveURL(/\/settings\?confirmed=alert-email$/);
  await expect(page.getByRole("status").filter({ hasText: "Your alert address is confirmed" })).toBeVisible();
  await expect(page.getByLabel("Email address for alerts")).toHaveValue(alertAddress);
  await expect(page.getByText("Waiting for you to confirm")).toHaveCount(0);
  const alertMail = async () => (await mailTo(alertAddress)).filter((m) => !m.data.includes("Confirm your address"));

  await page.goto(`/search?q=${token}&fuel=diesel`);
  await ready(page);
  await expect(page.getByRole("status").filter({ hasText: "No listings match" })).toBeVisible();
  await page.getByLabel("Alert name").fill(`Octavia ${token}`);
  // (hydrated, the save is a fetch; without JavaScript, a form post: wait for either to land)
  const saved = page.waitForResponse((r) => r.url().includes("/api/alerts/create"));
  await page.getByRole("button", { name: "Save as alert" }).click();
  await saved;
  if (js()) {
    await expect(page.getByRole("status").filter({ hasText: "Alert saved" })).toBeVisible();
  }

  // the Alerts page shows it with its criteria
  await page.goto("/alerts");
  await ready(page);
  const alert = page.getByRole("article", { name: `Octavia ${token}` });
  await expect(alert).toBeVisible();
  const criteria = alert.getByRole("list", { name: "Criteria" });
  await expect(criteria).toContainText(`“${token}”`);
  await expect(criteria).toContainText("Diesel");
  await expect(alert).toContainText("None yet");
  await expect(page.getByText("1 of 3 active alerts")).toBeVisible();
  // favorites count as implicit rules unless switched off
  await page.getByRole("button", { name: "Turn off favorite alerts" }).click();
  await expect(page.getByRole("button", { name: "Turn on favorite alerts" })).toBeVisible();
  await ready(page);
  await page.getByRole("button", { name: "Turn on favorite alerts" }).click();
  await expect(page.getByRole("button", { name: "Turn off favorite alerts" })).toBeVisible();

  // a seller publishes a matching car
  await signOut(page);
  const seller = await signUp(page, "seller");
  await publish(page, `Škoda Octavia ${token}`);
  await signOut(page);

  // the buyer's header counts it and the inbox says why it matched
  await signIn(page, buyer);
  const inbox = mainNav(page).getByRole("link", { name: "Inbox 1 unread" });
  await expect(async () => {
    await page.goto("/");
    await expect(inbox).toBeVisible({ timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await inbox.click();
  await expect(page.getByRole("heading", { name: "Inbox" })).toBeVisible();
  await expect(page.getByRole("status").filter({ hasText: "1 unread." })).toBeVisible();
  const notice = page.getByRole("listitem").filter({ hasText: token });
  await expect(notice.getByRole("link", { name: new RegExp(`Škoda Octavia ${token}`) })).toBeVisible();
  await expect(notice).toContainText("Diesel");
  await expect(notice).toContainText("just listed");
  // ... and the email arrived, with its one-click unsubscribe headers
  await expect.poll(async () => (await alertMail()).length, { timeout: 20_000 }).toBe(1);
  const [mail] = await alertMail();
  expect(mail.data).toContain(`Octavia ${token}`);
  expect(mail.data).toContain("List-Unsubscribe-Post: List-Unsubscribe=One-Click");
  expect(mail.data).toMatch(/List-Unsubscribe: <http:\/\/127\.0\.0\.1:\d+\/api\/unsubscribe\/[0-9a-f-]{36}>/);
  expect(mail.data).toContain("14,500");
  await ready(page);
  await notice.getByRole("button", { name: /^Mark read/ }).click();
  await expect(page.getByRole("status").filter({ hasText: "All read." })).toBeVisible();
  await expect(mainNav(page).getByRole("link", { name: "Inbox", exact: true })).toBeVisible();

  // pause the alert: the next matching car says nothing
  await page.goto("/alerts");
  await ready(page);
  await page.getByRole("button", { name: `Pause Octavia ${token}` }).click();
  await expect(page.getByRole("button", { name: `Resume Octavia ${token}` })).toBeVisible();
  await expect(page.getByRole("article", { name: `Octavia ${token}` })).toContainText("Paused");
  await expect(page.getByRole("article", { name: `Octavia ${token}` })).toContainText("Matches this week1");
  await signOut(page);
  await signIn(page, seller);
  await publish(page, `Škoda Octavia ${token} second`);
  await signOut(page);
  await signIn(page, buyer);
  // the worker looks twice a second; give it several rounds, then check nothing came
  await page.waitForTimeout(3_000);
  await page.goto("/inbox");
  await ready(page);
  await expect(page.getByRole("status").filter({ hasText: "All read." })).toBeVisible();
  await expect(page.getByRole("listitem").filter({ hasText: "second" })).toHaveCount(0);
  expect(await alertMail()).toHaveLength(1);
});

test.describe("settings", () => {
  // the browser says it is in Sofia
  test.use({ timezoneId: "Europe/Sofia" });

test("settings ask visitors to sign in and explain mistakes", async ({ page }) => {
  await page.goto("/settings");
  await expect(page.getByText("to change your settings.")).toBeVisible();
  await signUp(page, "settings");
  await page.goto("/settings");
  await ready(page);
  // a new account's time zone is offered from the browser's
  if (js()) {
    await expect(page.getByText("Detected from your browser: Europe/Sofia. Save to keep it.")).toBeVisible();
    await expect(page.getByLabel("Time zone")).toHaveValue("Europe/Sofia");
  } else {
    await expect(page.getByLabel("Time zone")).toHaveValue("UTC");
  }
  await page.getByLabel("Email address for alerts").fill("ana@localhost");
  await page.getByLabel("From").fill("22:00");
  const saved = page.waitForResponse((r) => r.url().includes("/api/settings/notifications/save"));
  await page.getByRole("button", { name: "Save settings" }).click();
  await saved;
  if (js()) {
    await expect(page.getByText("Enter an email address like name@example.com.")).toBeVisible();
    await expect(page.getByText("Enter when quiet hours end, like 07:00.")).toBeVisible();
    await expect(page.getByLabel("Email address for alerts")).toHaveAttribute("aria-invalid", "true");
  }

  // a signed JSON webhook: added, its secret shown to its owner, removed
  await page.goto("/settings");
  await ready(page);
  await page.getByText("Add a webhook").click();
  await page.getByLabel("Webhook name").fill("My server");
  await page.getByLabel("Endpoint URL (JSON and Discord)").fill("https://hooks.example.com/scout");
  const added = page.waitForResponse((r) => r.url().includes("/api/settings/webhooks/add"));
  await page.getByRole("button", { name: "Add webhook" }).click();
  await added;
  const hooks = page.getByRole("list", { name: "Your webhooks" });
  await expect(hooks).toContainText("My server");
  await expect(hooks).toContainText("JSON (signed) · hooks.example.com/scout");
  await hooks.getByText("Show signing secret").click();
  await expect(hooks.getByText(/^whsec_[0-9a-f]{48}$/)).toBeVisible();
  await ready(page);
  const removed = page.waitForResponse((r) => r.url().includes("/api/settings/webhooks/remove"));
  await hooks.getByRole("button", { name: "Remove My server" }).click();
  await removed;
  await expect(page.getByText("No webhooks yet.")).toBeVisible();

  // push: turned on from a browser with JavaScript
  if (js()) {
    await expect(page.getByRole("button", { name: "Turn on push on this device" })).toBeEnabled();
  } else {
    await expect(page.getByText("Turning push on needs JavaScript.")).toBeVisible();
  }
});
});

test("the Alerts page and the inbox ask visitors to sign in", async ({ page }) => {
  await page.goto("/alerts");
  await expect(page.getByRole("link", { name: "Sign in" }).last()).toBeVisible();
  await expect(page.getByText("to save searches as alerts.")).toBeVisible();
  await page.goto("/inbox");
  await expect(page.getByText("to see your notifications.")).toBeVisible();
});
