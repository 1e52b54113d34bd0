// Journey: a new build of Scout reaches an installed app. This spec runs a Scout of its own
// (the release binary, its own private Postgres, a copy of the release site folder), so that
// it can be stopped and started again with a changed build while a page stays open: the
// page then offers "A new version of Scout is available", and Reload puts the new build in
// charge, with the old build's cached shell gone. Once, in the desktop project.
import { test, expect } from "@playwright/test";
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const root = path.resolve(__dirname, "../..");
const port = Number(process.env.SCOUT_E2E_UPDATE_PORT ?? 3142);
const origin = `http://127.0.0.1:${port}`;

async function start(site: string, data: string): Promise<ChildProcess> {
  const server = spawn(path.join(root, "target/release/scout"), [], {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: "",
      SCOUT_PORT: String(port),
      SCOUT_DATA_DIR: data,
      SCOUT_SITE_ROOT: site,
      SCOUT_DEMO_LISTINGS: "20",
      RUST_LOG: "warn",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  server.stderr!.on("data", (chunk) => (log += chunk));
  await expect
    .poll(
      async () => {
        if (server.exitCode !== null) throw new Error(`Scout exited: ${log}`);
        return fetch(`${origin}/readyz`).then((r) => r.status, () => 0);
      },
      { timeout: 90_000, intervals: [250] },
    )
    .toBe(200);
  return server;
}

async function stop(server: ChildProcess) {
  if (server.exitCode !== null) return;
  const exited = new Promise((resolve) => server.once("exit", resolve));
  server.kill("SIGTERM");
  await exited;
}

test("a new build offers 'Update available', and Reload switches to it", async ({ page }, info) => {
  test.skip(info.project.name !== "desktop", "one run is enough: it starts a Scout of its own");
  test.setTimeout(180_000);
  const work = fs.mkdtempSync(path.join(root, ".scout/e2e-update-"));
  const site = path.join(work, "site");
  fs.cpSync(path.join(root, "target/site"), site, { recursive: true });
  let server = await start(site, path.join(work, "data"));
  try {
    await page.goto(origin + "/");
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, undefined, { timeout: 30_000 });
    const shells = () => page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith("scout-shell-")));
    const [before] = await shells();
    expect(before).toBeTruthy();

    // a new build: the stylesheet changed (a release names it by its content hash; here the
    // content is enough)
    await stop(server);
    const pkg = path.join(site, "pkg");
    const css = fs.readdirSync(pkg).find((f) => f.endsWith(".css"))!;
    fs.appendFileSync(path.join(pkg, css), "\n/* the next build */\n");
    for (const compressed of [`${css}.br`, `${css}.gz`]) fs.rmSync(path.join(pkg, compressed), { force: true });
    server = await start(site, path.join(work, "data"));

    // the next page load finds the new worker; the old one still serves until asked
    await page.goto(origin + "/search");
    const toast = page.getByRole("status").filter({ hasText: "A new version of Scout is available." });
    await expect(toast).toBeVisible({ timeout: 30_000 });
    // Reload asks the new worker to take over, and the page reloads once it has: wait for that
    // load, or reading the caches could meet the page mid-navigation
    const reloaded = page.waitForEvent("load");
    await toast.getByRole("button", { name: "Reload" }).click();
    await reloaded;
    await expect(toast).toHaveCount(0);
    await expect.poll(async () => (await shells()).join(), { timeout: 20_000 }).not.toContain(before);
    expect(await shells()).toHaveLength(1);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  } finally {
    await stop(server);
    fs.rmSync(work, { recursive: true, force: true });
  }
});
