// The short journey scripts/release-check.sh runs against the server that scripts/run.sh
// started (the release build, its own private Postgres and demo data): no web server of its
// own here, only the address the script passes in SCOUT_RELEASE_URL.
import { defineConfig, devices } from "@playwright/test";
import { chromiumLaunch } from "./chromium";

const baseURL = process.env.SCOUT_RELEASE_URL;
if (!baseURL) throw new Error("SCOUT_RELEASE_URL is not set: run scripts/release-check.sh");

export default defineConfig({
  testDir: "./release",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  use: { baseURL, trace: "retain-on-failure" },
  projects: [
    {
      name: "release",
      use: {
        ...devices["Desktop Chrome"],
        launchOptions: chromiumLaunch,
      },
    },
  ],
});
