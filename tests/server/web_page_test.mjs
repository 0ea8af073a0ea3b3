// The web page of `pampax serve` in headless Chromium, driven over the DevTools protocol
// (--remote-debugging-pipe: NUL-separated JSON on file descriptors 3 and 4, no extra package).
// Indexes a small repository, starts the server on 127.0.0.1 (any free port), opens the page,
// types a query, opens a result, runs an assemble, draws the metrics page, and saves a
// screenshot of each view. Run by ctest (web_page):
//   node tests/server/web_page_test.mjs PAMPAX_BINARY OUTPUT_DIR
// Exits 77 (skipped) only when /usr/bin/chromium is missing (scripts/bootstrap installs it).
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [pampax, outDir] = process.argv.slice(2);
if (!pampax || !outDir) {
  console.error("usage: web_page_test.mjs PAMPAX_BINARY OUTPUT_DIR");
  process.exit(2);
}
const CHROMIUM = process.env.PAMPAX_CHROMIUM || "/usr/bin/chromium";
if (!fs.existsSync(CHROMIUM)) {
  console.log(`SKIP: ${CHROMIUM} is missing (Debian package chromium; scripts/bootstrap installs it)`);
  process.exit(77);
}

let checks = 0;
const cleanups = [];
function cleanup() {
  while (cleanups.length) {
    try { cleanups.pop()(); } catch { /* best effort */ }
  }
}
function fail(what, detail) {
  console.error(`FAIL: ${what}` + (detail === undefined ? "" : `\n  got: ${String(detail).slice(0, 3000)}`));
  cleanup();
  process.exit(1);
}
function check(cond, what, detail) {
  checks++;
  if (!cond) fail(what, detail);
}
process.on("exit", cleanup);
setTimeout(() => fail("the test did not finish within 5 minutes"), 300000).unref();

// ---- a repository and its index ----
const repo = fs.mkdtempSync(path.join(os.tmpdir(), "pampax-web-"));
cleanups.push(() => fs.rmSync(repo, { recursive: true, force: true }));
fs.mkdirSync(path.join(repo, "src"));
fs.writeFileSync(path.join(repo, "src/billing.py"),
  "def compute_invoice_total(items, tax_rate):\n" +
  '    """Sum the line items of an invoice and apply the tax rate."""\n' +
  "    subtotal = sum(item.price * item.quantity for item in items)\n" +
  "    return round(subtotal * (1 + tax_rate), 2)\n\n\n" +
  "class InvoicePrinter:\n" +
  "    def render(self, invoice):\n" +
  '        return "Invoice total: %.2f" % compute_invoice_total(invoice.items, invoice.tax)\n');
fs.writeFileSync(path.join(repo, "src/config.js"),
  "function parseConfigFile(text) {\n  const data = JSON.parse(text);\n  return { port: data.port || 8080 };\n}\n\n" +
  "module.exports = { parseConfigFile };\n");
fs.writeFileSync(path.join(repo, "src/queue.go"),
  "package queue\n\n// Queue is a FIFO of jobs.\ntype Queue struct {\n\titems []string\n}\n\n" +
  "// Push appends a job.\nfunc (q *Queue) Push(job string) {\n\tq.items = append(q.items, job)\n}\n");
const idx = spawnSync(pampax, ["index", repo], { encoding: "utf8" });
check(idx.status === 0, "pampax index", idx.stderr);

// ---- the server ----
const server = spawn(pampax, ["serve", "--path", repo, "--host", "127.0.0.1", "--port", "0"],
  { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, PAMPAX_TOKEN: "" } });
cleanups.push(() => server.kill("SIGTERM"));
let serverErr = "";
const port = await new Promise((resolve, reject) => {
  server.stderr.on("data", (d) => {
    serverErr += d;
    const m = serverErr.match(/web page http:\/\/127\.0\.0\.1:(\d+)\//);
    if (m) resolve(Number(m[1]));
  });
  server.on("exit", (code) => reject(new Error(`pampax serve exited (${code}): ${serverErr}`)));
}).catch((e) => fail("pampax serve starts", e.message));
const base = `http://127.0.0.1:${port}`;

// ---- Chromium over the DevTools pipe ----
const profile = fs.mkdtempSync(path.join(os.tmpdir(), "pampax-chromium-"));
cleanups.push(() => fs.rmSync(profile, { recursive: true, force: true }));
const args = ["--headless=new", "--remote-debugging-pipe", `--user-data-dir=${profile}`, "--no-first-run",
  "--no-default-browser-check", "--disable-gpu", "--disable-extensions", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--metrics-recording-only", "--mute-audio",
  "--hide-scrollbars", "--font-render-hinting=none", "--window-size=1280,900", "about:blank"];
if (process.getuid && process.getuid() === 0) args.unshift("--no-sandbox");  // root (containers)
const browser = spawn(CHROMIUM, args, { stdio: ["ignore", "ignore", "pipe", "pipe", "pipe"] });
cleanups.push(() => browser.kill("SIGKILL"));
let browserErr = "";
browser.stderr.on("data", (d) => { browserErr += d; });
browser.on("exit", (code) => { if (checks >= 0 && !done) fail(`chromium exited (${code})`, browserErr); });
let done = false;
const toBrowser = browser.stdio[3], fromBrowser = browser.stdio[4];
let nextId = 1;
const pending = new Map();
const events = [];
let buf = Buffer.alloc(0);
fromBrowser.on("data", (chunk) => {
  buf = Buffer.concat([buf, chunk]);
  let nul;
  while ((nul = buf.indexOf(0)) >= 0) {
    const msg = JSON.parse(buf.subarray(0, nul).toString("utf8"));
    buf = buf.subarray(nul + 1);
    if (msg.id && pending.has(msg.id)) {
      const { resolve, reject, method } = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.error) reject(new Error(`${method}: ${msg.error.message}`));
      else resolve(msg.result);
    } else if (msg.method) {
      events.push(msg);
    }
  }
});
function send(method, params = {}, sessionId) {
  const id = nextId++;
  const msg = { id, method, params };
  if (sessionId) msg.sessionId = sessionId;
  toBrowser.write(JSON.stringify(msg) + "\0");
  return new Promise((resolve, reject) => pending.set(id, { resolve, reject, method }));
}

const { targetId } = await send("Target.createTarget", { url: "about:blank" });
const { sessionId } = await send("Target.attachToTarget", { targetId, flatten: true });
const page = (method, params) => send(method, params, sessionId);
await page("Page.enable");
await page("Runtime.enable");
await page("Log.enable");
await page("Emulation.setDeviceMetricsOverride", { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });

async function evaluate(expression) {
  const r = await page("Runtime.evaluate", { expression, returnByValue: true, awaitPromise: true });
  if (r.exceptionDetails) fail(`evaluate ${expression}`, JSON.stringify(r.exceptionDetails));
  return r.result.value;
}
// Polls `expression` until it is truthy; fails (with `what`) after 30 s. The deadline only
// bounds a broken page: nothing is asserted about speed.
async function waitFor(expression, what) {
  for (let i = 0; i < 300; i++) {
    const v = await evaluate(expression);
    if (v) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
  fail(`waiting for ${what}`, await evaluate("document.body ? document.body.innerText.slice(0, 2000) : ''"));
}
async function typeInto(selector, text) {
  await evaluate(`(() => { const e = document.querySelector(${JSON.stringify(selector)}); e.focus(); e.select && e.select(); return true; })()`);
  await page("Input.insertText", { text });
}
async function pressEnter() {
  const key = { key: "Enter", code: "Enter", windowsVirtualKeyCode: 13, nativeVirtualKeyCode: 13 };
  await page("Input.dispatchKeyEvent", { type: "keyDown", ...key, text: "\r" });
  await page("Input.dispatchKeyEvent", { type: "keyUp", ...key });
}
async function click(selector) {
  const box = await evaluate(`(() => { const e = document.querySelector(${JSON.stringify(selector)});
    if (!e) return null; e.scrollIntoView({block: "center"}); const r = e.getBoundingClientRect();
    return { x: r.x + Math.min(40, r.width / 2), y: r.y + Math.min(12, r.height / 2) }; })()`);
  check(box, `${selector} is on the page`);
  for (const type of ["mouseMoved", "mousePressed", "mouseReleased"])
    await page("Input.dispatchMouseEvent", { type, x: box.x, y: box.y, button: "left", clickCount: 1 });
}
fs.mkdirSync(outDir, { recursive: true });
async function screenshot(name) {
  const { data } = await page("Page.captureScreenshot", { format: "png" });
  const file = path.resolve(outDir, name);
  fs.writeFileSync(file, Buffer.from(data, "base64"));
  console.log(`screenshot: ${file}`);
  return file;
}

// ---- the page ----
await page("Page.navigate", { url: `${base}/` });
await waitFor(`document.readyState === "complete" && !!document.getElementById("q")`, "the page to load");
check(await evaluate("document.title") === "pampax", "the page's title");
await waitFor(`/3 files/.test(document.getElementById("repo").textContent)`, "the header's index stats");
await waitFor(`document.getElementById("health").textContent === "healthy"`, "the health badge");
check(await evaluate(`getComputedStyle(document.getElementById("token-form")).display === "none"`),
  "no token form without PAMPAX_TOKEN");

// Search: type a query, submit with Enter, wait for the results.
await typeInto("#q", "invoice total tax");
await pressEnter();
await waitFor(`document.querySelectorAll("#results li").length > 0`, "search results");
const paths = await evaluate(`[...document.querySelectorAll("#results li")].map((li) => li.dataset.path)`);
check(paths[0] === "src/billing.py", "src/billing.py is the first result", JSON.stringify(paths));
const marks = await evaluate(`[...document.querySelectorAll("#results li mark")].map((m) => m.textContent.toLowerCase())`);
check(marks.includes("invoice") && marks.includes("total"), "the snippet highlights the query's terms", JSON.stringify(marks));
check(/result/.test(await evaluate(`document.getElementById("search-status").textContent`)), "the result count is shown");
await screenshot("web_page_search.png");

// A filter: only Go files.
await evaluate(`document.getElementById("lang").value = "go"; true`);
await typeInto("#q", "push job");
await pressEnter();
await waitFor(`[...document.querySelectorAll("#results li")].length > 0 &&
  [...document.querySelectorAll("#results li")].every((li) => li.dataset.path === "src/queue.go")`, "Go-only results");
await evaluate(`document.getElementById("lang").value = ""; true`);
await typeInto("#q", "invoice total tax");
await pressEnter();
await waitFor(`document.querySelector("#results li") && document.querySelector("#results li").dataset.path === "src/billing.py"`,
  "the billing results again");

// Open the first result: the code view shows the chunk's code with line numbers.
await click(`#results li[data-path="src/billing.py"]`);
await waitFor(`!document.getElementById("view-chunk").hidden &&
  document.getElementById("chunk-code").textContent.includes("def compute_invoice_total")`, "the code view");
check((await evaluate(`document.getElementById("chunk-title").textContent`)).startsWith("src/billing.py:1-"),
  "the code view names the file and lines", await evaluate(`document.getElementById("chunk-title").textContent`));
check(await evaluate(`document.querySelector("#chunk-code .ln").textContent`) === "1", "line numbers start at the chunk's first line");
check(await evaluate(`document.getElementById("view-search").hidden`), "the search view is hidden meanwhile");
await screenshot("web_page_code.png");

// Assemble: bundle, items and token use.
await page("Page.navigate", { url: `${base}/#/assemble` });
await waitFor(`!document.getElementById("view-assemble").hidden`, "the assemble view");
await typeInto("#aq", "how is the invoice total computed");
await pressEnter();
await waitFor(`!document.getElementById("assemble-out").hidden`, "the bundle");
const usage = await evaluate(`document.getElementById("usage-text").textContent`);
const m = usage.match(/^(\d+) \/ 4000 tokens/);
check(m && Number(m[1]) > 0 && Number(m[1]) <= 4000, "token use against the budget", usage);
check((await evaluate(`document.getElementById("bundle").textContent`)).includes("compute_invoice_total"),
  "the bundle holds the function", await evaluate(`document.getElementById("bundle").textContent`));
check(await evaluate(`document.querySelectorAll("#items tr").length`) >= 1, "the bundle's items are listed");
await screenshot("web_page_assemble.png");

// Metrics: latency histograms of the requests made above, as inline SVG.
await page("Page.navigate", { url: `${base}/#/metrics` });
await waitFor(`[...document.querySelectorAll("#charts .chart h4")].some((h) => h.textContent === "http_api_search")`,
  "the http_api_search histogram");
check(await evaluate(`document.querySelectorAll("#charts svg rect.bar").length`) >= 12, "histogram bars are drawn");
check(await evaluate(`[...document.querySelectorAll("#charts .chart h4")].some((h) => h.textContent.startsWith("search"))`),
  "the Engine's search operation has a histogram too");
await screenshot("web_page_metrics.png");

// With PAMPAX_TOKEN the page asks for the token, then works with it.
const tokenServer = spawn(pampax, ["serve", "--path", repo, "--host", "127.0.0.1", "--port", "0"],
  { stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, PAMPAX_TOKEN: "page-test-token" } });
cleanups.push(() => tokenServer.kill("SIGTERM"));
let tokenErr = "";
const tokenPort = await new Promise((resolve, reject) => {
  tokenServer.stderr.on("data", (d) => {
    tokenErr += d;
    const m = tokenErr.match(/web page http:\/\/127\.0\.0\.1:(\d+)\//);
    if (m) resolve(Number(m[1]));
  });
  tokenServer.on("exit", (code) => reject(new Error(`pampax serve exited (${code}): ${tokenErr}`)));
}).catch((e) => fail("pampax serve with a token starts", e.message));
await page("Page.navigate", { url: `http://127.0.0.1:${tokenPort}/#/search` });
await waitFor(`document.readyState === "complete" && !document.getElementById("token-form").hidden`,
  "the token form (the API answered 401)");
await typeInto("#token", "page-test-token");
await pressEnter();
await waitFor(`document.getElementById("token-form").hidden && /3 files/.test(document.getElementById("repo").textContent)`,
  "the header's stats with the token");
await typeInto("#q", "parse config file");
await pressEnter();
await waitFor(`[...document.querySelectorAll("#results li")].some((li) => li.dataset.path === "src/config.js")`,
  "results with the token");
// The 401s before the token was given are the only expected console errors: drop them.
for (let i = events.length - 1; i >= 0; i--) {
  const e = events[i];
  if (e.method === "Log.entryAdded" && /401/.test(e.params.entry.text) &&
      e.params.entry.url && e.params.entry.url.startsWith(`http://127.0.0.1:${tokenPort}/api/`)) events.splice(i, 1);
}

// No script errors and no Content-Security-Policy violations on any view.
const problems = events.filter((e) => e.method === "Runtime.exceptionThrown" ||
  (e.method === "Log.entryAdded" && e.params.entry.level === "error"));
check(problems.length === 0, "no errors in the page", JSON.stringify(problems));

done = true;
await send("Browser.close").catch(() => {});
console.log(`web_page: ${checks} checks passed`);
cleanup();
process.exit(0);
