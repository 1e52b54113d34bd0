// Browser journeys against the real server as scripts/run.sh builds it (target/release/scout
// and the release WASM, from scripts/build.sh) with its own private Postgres, in Debian's
// Chromium. Every spec runs four ways: hydrated and
// with JavaScript off, on a desktop and on a 360-px phone.
import { defineConfig, devices } from "@playwright/test";
import { chromiumLaunch } from "./chromium";

const port = Number(process.env.SCOUT_E2E_PORT ?? 3137);
const baseURL = `http://127.0.0.1:${port}`;
// the SMTP stand-in alert email goes to, and where journeys read what it received
const smtpPort = Number(process.env.SCOUT_E2E_SMTP_PORT ?? 3138);
const mailboxURL = `http://127.0.0.1:${Number(process.env.SCOUT_E2E_SMTP_HTTP_PORT ?? 3139)}`;

// the OpenID Connect stand-in people sign in with ("Continue with Stand-in ID")
const oidcPort = Number(process.env.SCOUT_E2E_OIDC_PORT ?? 3140);
const oidcClient = { id: "scout-journeys", secret: "journey-secret" };

// the Stripe stand-in: its API, its hosted Checkout and Portal pages, signed webhooks to Scout
// (each batch delivered again in reverse order: duplicates, out of order)
const stripePort = Number(process.env.SCOUT_E2E_STRIPE_PORT ?? 3141);
const stripe = {
  key: "sk_test_journeys",
  secret: "whsec_journeys",
  prices: {
    price_pro_month: { amount: 999, interval: "month", product: "Scout Pro" },
    price_pro_year: { amount: 9990, interval: "year", product: "Scout Pro" },
    price_dealer_month: { amount: 4900, interval: "month", product: "Scout Dealer" },
    price_dealer_year: { amount: 49000, interval: "year", product: "Scout Dealer" },
  },
};

const chromium = chromiumLaunch;

const desktop = { ...devices["Desktop Chrome"], launchOptions: chromium };
const phone = {
  viewport: { width: 360, height: 740 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  launchOptions: chromium,
};

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"]],
  // English unless a journey asks for Bulgarian (the server serves the browser's language)
  use: { baseURL, trace: "retain-on-failure", locale: "en-US" },
  projects: [
    { name: "desktop", use: { ...desktop } },
    { name: "desktop-no-js", use: { ...desktop, javaScriptEnabled: false } },
    { name: "phone", use: { ...phone } },
    { name: "phone-no-js", use: { ...phone, javaScriptEnabled: false } },
  ],
  webServer: [
  {
    command: "node smtp-sink.mjs",
    url: `${mailboxURL}/healthz`,
    timeout: 20_000,
    reuseExistingServer: false,
    env: { SMTP_PORT: String(smtpPort), SMTP_HTTP_PORT: new URL(mailboxURL).port },
  },
  {
    command: "node oidc-provider.mjs",
    url: `http://127.0.0.1:${oidcPort}/healthz`,
    timeout: 20_000,
    reuseExistingServer: false,
    env: { OIDC_PORT: String(oidcPort), OIDC_CLIENT_ID: oidcClient.id, OIDC_CLIENT_SECRET: oidcClient.secret },
  },
  {
    command: "node stripe-stand-in.mjs",
    url: `http://127.0.0.1:${stripePort}/healthz`,
    timeout: 20_000,
    reuseExistingServer: false,
    env: {
      STRIPE_PORT: String(stripePort),
      STRIPE_SECRET_KEY: stripe.key,
      STRIPE_WEBHOOK_URL: `${baseURL}/stripe/webhook`,
      STRIPE_WEBHOOK_SECRET: stripe.secret,
      STRIPE_REDELIVER: "reverse",
      STRIPE_PRICES: JSON.stringify(stripe.prices),
    },
  },
  {
    // The server as the README runs it: no DATABASE_URL, so it starts its own Postgres.
    command: "target/release/scout",
    cwd: "..",
    url: `${baseURL}/readyz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 20_000 },
    env: {
      // empty means unset to Scout: never the test database a calling script exported
      DATABASE_URL: "",
      SCOUT_PORT: String(port),
      SCOUT_DATA_DIR: ".scout/e2e",
      SCOUT_SITE_ROOT: "target/site",
      RUST_LOG: "info",
      // Every journey signs in from 127.0.0.1; the throttle itself is covered by the Rust
      // HTTP tests, so here it must not trip across specs and repeated runs.
      SCOUT_SIGN_IN_MAX_FAILURES: "1000",
      // likewise every journey signs up from 127.0.0.1 (throttle: the Rust accounts tests)
      SCOUT_SIGN_UP_MAX_PER_CLIENT: "1000",
      // and every signed-out page of every parallel journey comes from that one address: the
      // per-plan request rate is the Rust billing tests' (signed-in journeys keep their plan's)
      SCOUT_ANONYMOUS_REQUESTS_PER_MINUTE: "100000",
      // alert email goes to the SMTP stand-in above
      SCOUT_SMTP_URL: `smtp://127.0.0.1:${smtpPort}`,
      // sign-in with the OpenID Connect stand-in above
      SCOUT_SIGN_IN_PROVIDERS: "standin,facebook",
      SCOUT_STANDIN_ISSUER: `http://127.0.0.1:${oidcPort}`,
      SCOUT_STANDIN_NAME: "Stand-in ID",
      SCOUT_STANDIN_CLIENT_ID: oidcClient.id,
      SCOUT_STANDIN_CLIENT_SECRET: oidcClient.secret,
      // and the same stand-in as Facebook Login (OAuth 2 and Graph's /me, not OpenID Connect)
      SCOUT_FACEBOOK_AUTHORIZE_URL: `http://127.0.0.1:${oidcPort}/authorize`,
      SCOUT_FACEBOOK_TOKEN_URL: `http://127.0.0.1:${oidcPort}/token`,
      SCOUT_FACEBOOK_GRAPH_URL: `http://127.0.0.1:${oidcPort}`,
      SCOUT_FACEBOOK_CLIENT_ID: oidcClient.id,
      SCOUT_FACEBOOK_CLIENT_SECRET: oidcClient.secret,
      // the same stand-in as the marketplace sellers link (OLX's shape)
      SCOUT_MARKETPLACES: "market",
      SCOUT_MARKET_NAME: "Stand-in Market",
      SCOUT_MARKET_AUTHORIZE_URL: `http://127.0.0.1:${oidcPort}/authorize`,
      SCOUT_MARKET_TOKEN_URL: `http://127.0.0.1:${oidcPort}/token`,
      SCOUT_MARKET_REVOKE_URL: `http://127.0.0.1:${oidcPort}/revoke`,
      SCOUT_MARKET_API_URL: `http://127.0.0.1:${oidcPort}`,
      SCOUT_MARKET_CLIENT_ID: oidcClient.id,
      SCOUT_MARKET_CLIENT_SECRET: oidcClient.secret,
      SCOUT_MARKET_CATEGORY_ID: "84",
      // payments through the Stripe stand-in above
      SCOUT_STRIPE_SECRET_KEY: stripe.key,
      SCOUT_STRIPE_WEBHOOK_SECRET: stripe.secret,
      SCOUT_STRIPE_API_URL: `http://127.0.0.1:${stripePort}`,
      SCOUT_STRIPE_PRICES: "pro=price_pro_month:price_pro_year,dealer=price_dealer_month:price_dealer_year",
    },
  },
  ],
});
