// What the journeys share: waiting for hydration, signing up a fresh account, reading its mail.
import { test, expect, Page } from "@playwright/test";

/** Whether this project runs with JavaScript on. */
export const js = () => test.info().project.use.javaScriptEnabled !== false;

/** Hydrated runs wait for the WASM to take over, so clicks are handled by it. */
export async function ready(page: Page) {
  if (js()) {
    await page.locator("body[data-hydrated]").waitFor({ state: "attached", timeout: 15_000 });
  }
}

/** Signs up a new account (unique per project and run), confirms its address through the
 * mailed link (which signs it in) and returns its email. */
export async function signUp(page: Page, who: string) {
  const email = `${who}-${test.info().project.name}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  await page.goto("/sign-up");
  await ready(page);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("violet tractor mango 42");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByText(`Check your email: we sent a message to ${email}.`)).toBeVisible();
  await confirmAddress(page, email);
  return email;
}

/** The path of the newest address-confirmation link mailed to `email`, once it arrives. */
export async function verificationLink(email: string): Promise<string> {
  let link: string | undefined;
  await expect
    .poll(
      async () => {
        const found = (await mailTo(email)).map((m) => m.data.match(/\/verify-email\/[A-Za-z0-9_-]{43}/)?.[0]);
        link = found.filter((l) => l !== undefined).pop();
        return link;
      },
      { timeout: 20_000 },
    )
    .toBeTruthy();
  return link!;
}

/** Opens the confirmation link mailed to `email` and confirms, which signs in. */
export async function confirmAddress(page: Page, email: string) {
  await page.goto(await verificationLink(email));
  await ready(page);
  await page.getByRole("button", { name: "Confirm and sign in" }).click();
  await expect(page.getByRole("banner").getByText(`Signed in as ${email}`)).toBeAttached();
}

// What the SMTP stand-in (end2end/smtp-sink.mjs) has received.
const mailboxURL = `http://127.0.0.1:${Number(process.env.SCOUT_E2E_SMTP_HTTP_PORT ?? 3139)}`;
export type Mail = { from: string; to: string[]; data: string };
export async function mailTo(address: string): Promise<Mail[]> {
  const res = await fetch(`${mailboxURL}/messages`);
  const all = (await res.json()) as Mail[];
  // quoted-printable soft line breaks joined, so text can be searched as written
  return all
    .filter((m) => m.to.includes(address))
    .map((m) => ({ ...m, data: m.data.replace(/=\r\n/g, "") }));
}

/** Publishes a Škoda Octavia listing titled `title` from the Sell page (signed in); ends on My listings. */
export async function publish(page: Page, title: string) {
  await page.goto("/sell");
  await ready(page);
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Price", { exact: true }).fill("14 500");
  await page.getByLabel("Where it can be seen").selectOption({ label: "Sofia" });
  await page.getByLabel("Make").selectOption({ label: "Škoda" });
  await page.getByLabel("Model").selectOption({ label: "Octavia" });
  await page.getByLabel("First registration").selectOption("2016");
  await page.getByLabel("Mileage (km)").fill("142000");
  await page.getByLabel("Fuel").selectOption({ label: "Diesel" });
  await page.getByLabel("Gearbox").selectOption({ label: "Manual" });
  await page.getByLabel("Description").fill("Garage kept, full service history.");
  await page.getByRole("button", { name: "Publish" }).click();
  await expect(page.getByRole("heading", { name: "My listings" })).toBeVisible();
}

// What the stand-in provider and marketplace's test controls say and do (end2end/oidc-provider.mjs).
const standIn = `http://127.0.0.1:${Number(process.env.SCOUT_E2E_OIDC_PORT ?? 3140)}`;
export async function control(what: string, email: string) {
  return (await fetch(`${standIn}/control/${what}?email=${encodeURIComponent(email)}`)).json();
}

/** The main navigation a person sees: the header's row on a desktop, the bottom bar on a
 * phone (the other one is not displayed, so not in the accessibility tree). */
export const mainNav = (page: Page) => page.getByRole("navigation", { name: "Main" });

/** Follows a place in the main navigation as a person does; on a phone a place that is not
 * in the bottom bar is in its Menu, opened first. */
export async function navigate(page: Page, name: string) {
  const link = mainNav(page).getByRole("link", { name, exact: true });
  if (!(await link.isVisible())) {
    await mainNav(page).getByText("Menu", { exact: true }).click();
  }
  await link.click();
}
