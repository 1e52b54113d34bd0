// Page speed of a running Scout, for comparing builds (not a test): loads each page RUNS times
// in a fresh browser context (empty cache) with the CPU slowed 4x as on a mid-range phone, and
// prints the median time from navigation to first contentful paint, to the WASM taking over
// (body[data-hydrated]), and the bytes of WASM transferred. With SLOW_4G=1 the network is
// also throttled as Lighthouse's mobile profile does (1.6 Mbit/s down, 750 kbit/s up, 150 ms
// round trip), so bytes on the wire count as they would on a phone.
//   [SLOW_4G=1] node end2end/measure-hydration.mjs http://127.0.0.1:3000 [runs]
import { chromium } from "@playwright/test";

const base = process.argv[2] ?? "http://127.0.0.1:3000";
const runs = Number(process.argv[3] ?? 9);
const pages = ["/", "/search?q=bmw", "/listings/1"];

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run"],
});
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

for (const path of pages) {
  const fcp = [], hydrated = [], wasmBytes = [];
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    await cdp.send("Network.enable");
    if (process.env.SLOW_4G) {
      await cdp.send("Network.emulateNetworkConditions", {
        offline: false, latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 750_000 / 8,
      });
    }
    let wasm = 0;
    cdp.on("Network.loadingFinished", (e) => { wasm += wasmRequests.has(e.requestId) ? e.encodedDataLength : 0; });
    const wasmRequests = new Set();
    cdp.on("Network.responseReceived", (e) => { if (e.response.url.endsWith(".wasm")) wasmRequests.add(e.requestId); });
    await page.addInitScript(() => {
      new MutationObserver((_, o) => {
        if (document.body?.hasAttribute("data-hydrated")) {
          window.__hydratedAt = performance.now();
          o.disconnect();
        }
      }).observe(document, { attributes: true, subtree: true, attributeFilter: ["data-hydrated"] });
    });
    await page.goto(base + path);
    await page.waitForFunction(() => window.__hydratedAt !== undefined, null, { timeout: 60_000 });
    const t = await page.evaluate(() => ({
      hydrated: window.__hydratedAt,
      fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? NaN,
    }));
    fcp.push(t.fcp);
    hydrated.push(t.hydrated);
    wasmBytes.push(wasm);
    await context.close();
  }
  console.log(
    `${path.padEnd(16)} FCP median ${median(fcp).toFixed(0)} ms, hydrated median ${median(hydrated).toFixed(0)} ms` +
      ` (min ${Math.min(...hydrated).toFixed(0)}, max ${Math.max(...hydrated).toFixed(0)}), WASM transferred ${median(wasmBytes)} B, ${runs} runs, CPU 4x slower${process.env.SLOW_4G ? ", slow 4G" : ""}`,
  );
}
await browser.close();
