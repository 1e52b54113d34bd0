// The W3C Nu HTML checker (npm vnu-jar, run with Java) on the HTML the server sends: every
// page kind, signed out and signed in. No errors are allowed but those of Leptos's own
// hydration markers (listed in LEPTOS_MARKERS, each with why). Once, in the desktop-no-js
// project: the server's HTML is the same for every project.
import { test, expect } from "@playwright/test";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { signUp } from "./helpers";

const vnu = path.resolve(__dirname, "../../node_modules/vnu-jar/build/dist/vnu.jar");

/** Messages that come from Leptos's hydration markers, not from Scout's markup: `<!>`, the
 * empty comment Leptos puts where a view may later insert nodes (an "abrupt closing of empty
 * comment" in the HTML parser's terms; browsers read it as an empty comment). */
const LEPTOS_MARKERS: ((m: Message, html: string) => boolean)[] = [
  (m) => m.message === "Bogus comment." && (m.extract ?? "").includes("<!>"),
  // the resources a page resolved on the server, for hydration to pick up: Leptos writes
  // them as scripts after `</html>` (the parser moves them into the body); the checker stops
  // there, at the very end of the document, with everything before it checked
  (m, html) => m.message === "Stray start tag “script”." && afterHtml(m, html),
  (m, html) => m.subType === "fatal" && m.message.startsWith("Cannot recover after last error") && afterHtml(m, html),
];

/** Whether the message is about the part of the document after `</html>`. */
function afterHtml(m: Message, html: string): boolean {
  const lines = html.split("\n");
  const offset = lines.slice(0, (m.lastLine ?? 1) - 1).reduce((n, l) => n + l.length + 1, 0) + (m.lastColumn ?? 0);
  const end = html.indexOf("</html>");
  return end >= 0 && offset > end && /^(<!>|<script nonce="[^"]*">[^<]*<\/script>)*$/.test(html.slice(end + "</html>".length));
}

type Message = { type: string; subType?: string; url: string; lastLine?: number; lastColumn?: number; message: string; extract?: string };

function check(pages: Map<string, string>): Message[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scout-html-"));
  const files = new Map<string, string>();
  let n = 0;
  for (const [url, html] of pages) {
    const file = path.join(dir, `page-${n++}.html`);
    fs.writeFileSync(file, html);
    files.set(`file:${file}`, url);
    files.set(`file://${file}`, url);
  }
  const paths = [...files.keys()].filter((f) => !f.startsWith("file://")).map((f) => f.slice(5));
  const run = spawnSync("java", ["-jar", vnu, "--errors-only", "--format", "json", "--stdout", ...paths], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  fs.rmSync(dir, { recursive: true, force: true });
  if (run.error) throw run.error;
  const messages = (JSON.parse(run.stdout).messages as Message[]).map((m) => ({ ...m, url: files.get(m.url) ?? m.url }));
  return messages.filter((m) => m.type === "error" || m.subType === "fatal");
}

test("every page kind is valid HTML as the server sends it", async ({ page }, info) => {
  test.skip(info.project.name !== "desktop-no-js", "the server's HTML is the same for every project: checked once");
  test.setTimeout(120_000);
  const pages = new Map<string, string>();
  const fetchPage = async (url: string) => {
    const reply = await page.request.get(url, { maxRedirects: 0 });
    expect([200, 404], url).toContain(reply.status());
    expect(reply.headers()["content-type"], url).toContain("text/html");
    pages.set(url, await reply.text());
  };
  // signed out
  await page.goto("/search?q=golf");
  const listing = await page.getByRole("list", { name: "Results" }).getByRole("listitem").first().getByRole("link").first().getAttribute("href");
  for (const url of ["/", "/search", "/search?q=golf", listing!, "/sign-in", "/sign-up", "/forgot-password", "/pricing", "/compare", "/no-such-page"]) {
    await fetchPage(url);
  }
  // signed in
  await signUp(page, "html");
  for (const url of ["/settings", "/alerts", "/favorites", "/inbox", "/account", "/billing", "/my-listings", "/sell", "/compare", listing!]) {
    await fetchPage(`${url}${url.includes("?") ? "&" : "?"}signed-in`);
  }
  const errors = check(pages).filter((m) => !LEPTOS_MARKERS.some((leptos) => leptos(m, pages.get(m.url)!)));
  expect(
    errors.map((m) => `${m.url}:${m.lastLine}: ${m.message}${m.extract ? ` [${m.extract.trim()}]` : ""}`),
    "the Nu HTML checker's errors",
  ).toEqual([]);
});
