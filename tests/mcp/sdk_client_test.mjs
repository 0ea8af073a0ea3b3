// Drives `pampax mcp` with the official MCP TypeScript SDK client over stdio (and with raw
// lines for malformed input). Run by ctest (mcp_sdk_stdio):
//   node tests/mcp/sdk_client_test.mjs PAMPAX_BINARY SOURCE_DIR
// Exits non-zero on the first failed check, printing what was expected and what came back.
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import assert from "node:assert/strict";

const [pampax, sourceDir] = process.argv.slice(2);
if (!pampax || !sourceDir) {
  console.error("usage: sdk_client_test.mjs PAMPAX_BINARY SOURCE_DIR");
  process.exit(2);
}
const sdk = path.join(sourceDir, "third_party/npm/@modelcontextprotocol/sdk");
if (!fs.existsSync(path.join(sdk, "node_modules"))) {
  console.error(`the MCP SDK is not installed at ${sdk}: run scripts/bootstrap`);
  process.exit(1);
}
const { Client } = await import(path.join(sdk, "dist/esm/client/index.js"));
const { StdioClientTransport } = await import(path.join(sdk, "dist/esm/client/stdio.js"));
const AjvModule = await import(path.join(sdk, "node_modules/ajv/dist/ajv.js"));
const Ajv = AjvModule.default.default ?? AjvModule.default;
const ajv = new Ajv({ strict: false, allErrors: true });

let checks = 0;
function check(cond, what, detail) {
  checks++;
  if (!cond) {
    console.error(`FAIL: ${what}` + (detail === undefined ? "" : `\n  got: ${JSON.stringify(detail).slice(0, 2000)}`));
    process.exit(1);
  }
}

// ---- a repository: a few real files plus many small ones so that indexing takes a while ----
const repo = fs.mkdtempSync(path.join(os.tmpdir(), "pampax-mcp-sdk-"));
process.on("exit", () => fs.rmSync(repo, { recursive: true, force: true }));
fs.mkdirSync(path.join(repo, "src"));
fs.writeFileSync(path.join(repo, "src/config.py"),
  'class ConfigParser:\n    """Reads settings from an INI file."""\n\n' +
  '    def parse_config(self, path):\n        with open(path) as f:\n            return f.read()\n\n\n' +
  'def load_settings(path):\n    parser = ConfigParser()\n    return parser.parse_config(path)\n');
fs.writeFileSync(path.join(repo, "src/total.js"),
  "function computeTotal(items) {\n  return items.reduce((a, b) => a + b, 0);\n}\n\n" +
  "function computeAverage(items) {\n  return computeTotal(items) / items.length;\n}\n\nmodule.exports = { computeTotal, computeAverage };\n");
let big = "";
for (let i = 1; i <= 3000; i++) big += `def long_function_${i}(x):\n    return x + ${i}  # widget handler line\n\n`;
fs.writeFileSync(path.join(repo, "src/big.py"), big);
const N = 3000;
fs.mkdirSync(path.join(repo, "gen"));
for (let d = 0; d < 30; d++) {
  fs.mkdirSync(path.join(repo, `gen/d${d}`));
  for (let i = 0; i < N / 30; i++)
    fs.writeFileSync(path.join(repo, `gen/d${d}/widget_${i}.js`),
      `// widget ${d}/${i}\nfunction widget_${d}_${i}(input) {\n  const value = input * ${i};\n  return computeTotal([value, ${d}]);\n}\nmodule.exports = widget_${d}_${i};\n`);
}
fs.symlinkSync("/etc", path.join(repo, "escape"));

// ---- the SDK client over stdio ----
const transport = new StdioClientTransport({ command: pampax, args: ["mcp", "--path", repo], stderr: "pipe" });
let stderrText = "";
transport.stderr?.on("data", (d) => { stderrText += d.toString(); });
const client = new Client({ name: "pampax-sdk-test", version: "1.0.0" });
const logs = [];
const { LoggingMessageNotificationSchema } = await import(path.join(sdk, "dist/esm/types.js"));
client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
await client.connect(transport);

check(client.getServerVersion()?.name === "pampax", "serverInfo.name is pampax", client.getServerVersion());
const caps = client.getServerCapabilities();
check(caps.tools && caps.resources && caps.logging, "tools, resources and logging capabilities", caps);

// tools/list: every tool has both schemas, and the schemas compile.
const { tools } = await client.listTools();
const names = tools.map((t) => t.name).sort();
const expected = ["assemble_context", "find_references", "find_symbol", "get_code_chunk", "get_project_stats",
  "health", "index_project", "search_code", "update_project"];
for (const n of expected) check(names.includes(n), `tools/list has ${n}`, names);
const validators = {};
for (const t of tools) {
  check(t.inputSchema?.type === "object", `${t.name} has an object inputSchema`, t.inputSchema);
  check(t.outputSchema?.type === "object", `${t.name} has an object outputSchema`, t.outputSchema);
  check(typeof t.description === "string" && t.description.length > 20, `${t.name} is described`);
  validators[t.name] = ajv.compile(t.outputSchema);
}

// Every successful call: the SDK already validated structuredContent against the outputSchema
// (it throws otherwise); validate again with ajv and check the text content is there.
async function call(name, args, options) {
  const r = await client.callTool({ name, arguments: args }, undefined, options);
  if (!r.isError) {
    const ok = validators[name](r.structuredContent);
    check(ok, `${name} structuredContent matches its outputSchema`, validators[name].errors);
    check(r.content?.[0]?.type === "text" && r.content[0].text.length > 0, `${name} has text content`, r);
  }
  return r;
}

// Before indexing: a clear error result, not a protocol error.
let r = await call("search_code", { query: "config" });
check(r.isError === true && /index_project/.test(r.content[0].text), "search without index says to call index_project", r);

// index_project with progress notifications.
const progress = [];
r = await call("index_project", {}, { onprogress: (p) => progress.push(p), timeout: 600000 });
check(!r.isError, "index_project succeeds", r);
check(r.structuredContent.files_indexed >= N, "index_project indexed every file", r.structuredContent);
check(progress.length >= 2, "index_project sent progress notifications", progress);
for (let i = 1; i < progress.length; i++)
  check(progress[i].progress >= progress[i - 1].progress, "progress is monotonic", progress);

// search_code, with pagination by cursor.
r = await call("search_code", { query: "parse config file", limit: 3 });
check(!r.isError && r.structuredContent.results.length > 0, "search_code finds results", r);
check(r.structuredContent.results[0].path === "src/config.py", "the config parser ranks first", r.structuredContent.results);
const firstId = r.structuredContent.results[0].id;
// A rewritten question: its language hint and correction pass the outputSchema (call() checks).
r = await call("search_code", { query: "python parse confg file", limit: 3 });
check(!r.isError && JSON.stringify(r.structuredContent.language_hint) === '["python"]', "search_code reports the language hint", r.structuredContent);
check(r.structuredContent.corrections?.[0]?.typed === "confg" && r.structuredContent.corrections[0].searched === "config",
      "search_code reports the spelling correction", r.structuredContent);
let page1 = await call("search_code", { query: "widget", limit: 5 });
check(page1.structuredContent.results.length === 5 && page1.structuredContent.next_cursor, "page 1 has a cursor", page1.structuredContent);
let page2 = await call("search_code", { query: "widget", limit: 5, cursor: page1.structuredContent.next_cursor });
check(page2.structuredContent.offset === 5 && page2.structuredContent.results.length === 5, "page 2 starts at 5", page2.structuredContent);
const ids1 = new Set(page1.structuredContent.results.map((h) => h.id));
check(page2.structuredContent.results.every((h) => !ids1.has(h.id)), "pages do not overlap", page2.structuredContent);
r = await call("search_code", { query: "something else", cursor: page1.structuredContent.next_cursor });
check(r.isError && /another query/.test(r.content[0].text), "a cursor of another query is refused", r);
r = await call("search_code", { query: "widget", cursor: "%%%" });
check(r.isError && /invalid cursor/.test(r.content[0].text), "a malformed cursor is refused", r);
// The token cap cuts a page and the cursor continues after the last result shown.
r = await call("search_code", { query: "widget", limit: 50, max_tokens: 400 });
check(r.structuredContent.truncated === true && r.structuredContent.results.length < 50 &&
      r.structuredContent.next_cursor, "a small max_tokens truncates search results", r.structuredContent);
check(/cursor=/.test(r.content[0].text), "the text says how to get more", r.content[0].text);
// Filters.
r = await call("search_code", { query: "computeTotal", lang: "javascript", path_glob: "src/*", mode: "bm25" });
check(r.structuredContent.results.every((h) => h.path.startsWith("src/") && h.lang === "javascript"), "lang and path_glob filter", r.structuredContent);
r = await call("search_code", { query: "x", lang: "klingon" });
check(r.isError && /unknown language/.test(r.content[0].text), "unknown language is a tool error", r);
r = await call("search_code", { query: "x", bogus: 1 });
check(r.isError && /unknown argument 'bogus'/.test(r.content[0].text), "unknown argument is a tool error", r);
r = await call("search_code", { limit: 5 });
check(r.isError && /missing required argument 'query'/.test(r.content[0].text), "missing query is a tool error", r);

// get_code_chunk by id and by path, refusals, truncation.
r = await call("get_code_chunk", { id: firstId });
check(!r.isError && /parse_config/.test(r.structuredContent.text), "get_code_chunk by id", r);
r = await call("get_code_chunk", { path: "src/total.js", start_line: 5, end_line: 7 });
check(r.structuredContent.text.startsWith("function computeAverage") && r.structuredContent.end_line === 7, "get_code_chunk by lines", r.structuredContent);
for (const bad of ["../outside.txt", "/etc/passwd", "escape/passwd"]) {
  r = await call("get_code_chunk", { path: bad });
  check(r.isError && /outside|leaves|root/i.test(r.content[0].text), `get_code_chunk refuses ${bad}`, r);
}
r = await call("get_code_chunk", { path: "src/big.py", max_tokens: 300 });
check(r.structuredContent.truncated === true && r.structuredContent.next_start_line > 1, "get_code_chunk truncates at the cap", r.structuredContent);
const next = r.structuredContent.next_start_line;
r = await call("get_code_chunk", { path: "src/big.py", start_line: next, max_tokens: 300 });
check(r.structuredContent.start_line === next, "get_code_chunk continues at next_start_line", r.structuredContent);
r = await call("get_code_chunk", { id: 99999999 });
check(r.isError && /no chunk with id/.test(r.content[0].text), "unknown chunk id", r);
r = await call("get_code_chunk", {});
check(r.isError && /either id/.test(r.content[0].text), "get_code_chunk needs id or path", r);

// find_symbol, find_references.
r = await call("find_symbol", { name: "ConfigParser" });
check(r.structuredContent.match === "exact" && r.structuredContent.results[0]?.path === "src/config.py", "find_symbol exact", r.structuredContent);
r = await call("find_symbol", { name: "computeAv" });
check(r.structuredContent.match === "prefix" && r.structuredContent.results[0]?.name === "computeAverage", "find_symbol falls back to prefix", r.structuredContent);
r = await call("find_symbol", { name: "onfigpars" });
check(r.structuredContent.match === "contains" && r.structuredContent.results.length > 0, "find_symbol falls back to contains", r.structuredContent);
r = await call("find_references", { symbol: "computeTotal", limit: 10 });
check(r.structuredContent.file_count === 10 && r.structuredContent.truncated === true, "find_references caps files", r.structuredContent);
check(r.structuredContent.definitions.some((d) => d.path === "src/total.js"), "find_references lists the definition", r.structuredContent);

// assemble_context: the bundle is the text content, within the budget; items say why.
r = await call("assemble_context", { query: "parse config file", budget: 1500 });
check(!r.isError && r.structuredContent.tokens > 0 && r.structuredContent.tokens <= 1500, "assemble_context stays within its budget", r.structuredContent);
check(r.structuredContent.items.some((it) => it.path === "src/config.py" && it.reason === "hit"), "assemble_context selects the config parser", r.structuredContent.items);
check(/src\/config\.py/.test(r.content[0].text) && /```/.test(r.content[0].text), "assemble_context returns a markdown bundle", r.content[0].text);
r = await call("assemble_context", { query: "parse config file", budget: 8000, max_tokens: 400 });
check(!r.isError && r.structuredContent.budget === 300 && r.structuredContent.tokens <= 300 &&
      r.structuredContent.warnings.some((w) => /budget lowered/.test(w)), "assemble_context honours max_tokens", r.structuredContent);
r = await call("assemble_context", { query: "parse config file", format: "json", budget: 2000 });
check(!r.isError && JSON.parse(r.content[0].text).items.length > 0, "assemble_context renders JSON", r.content[0].text);
r = await call("assemble_context", { query: "" });
check(r.isError, "assemble_context refuses an empty query", r);

// Stats and health.
r = await call("get_project_stats", {});
check(r.structuredContent.files >= N + 3, "get_project_stats counts files", r.structuredContent);
r = await call("health", {});
check(r.structuredContent.status === "healthy" && r.structuredContent.quick_check === "ok" &&
  r.structuredContent.checks.some((c) => c.name === "integrity" && c.status === "ok"), "health: healthy", r.structuredContent);

// Resources.
const res = await client.listResources();
check(res.resources.some((x) => x.uri === "pampax://overview"), "resources/list has the overview", res);
const tpl = await client.listResourceTemplates();
check(tpl.resourceTemplates.some((x) => x.uriTemplate === "pampax://file/{path}"), "the file template", tpl);
let rr = await client.readResource({ uri: "pampax://overview" });
check(/Languages/.test(rr.contents[0].text) && /gen\//.test(rr.contents[0].text) && /computeTotal/.test(rr.contents[0].text),
  "overview has languages, top directories and main symbols", rr.contents[0].text);
rr = await client.readResource({ uri: "pampax://file/src/total.js" });
check(rr.contents[0].text === fs.readFileSync(path.join(repo, "src/total.js"), "utf8"), "file resource is the file's text", rr);
try {
  await client.readResource({ uri: "pampax://file/..%2F..%2Fetc%2Fpasswd" });
  check(false, "a file resource outside the root is refused");
} catch (e) {
  check(/-32602/.test(String(e.message)) || e.code === -32602, "outside-root resource: invalid params", String(e));
}
try {
  await client.readResource({ uri: "pampax://nothing" });
  check(false, "an unknown resource is an error");
} catch (e) {
  check(e.code === -32002, "unknown resource: -32002", String(e));
}

// Logging: setLevel info, then an update logs its summary.
await client.setLoggingLevel("info");
fs.writeFileSync(path.join(repo, "src/new_file.py"), "def freshly_added():\n    return 1\n");
r = await call("update_project", {});
check(r.structuredContent.files_indexed === 1, "update_project parses only the new file", r.structuredContent);
check(logs.some((l) => l.level === "info" && /updated/.test(String(l.data))), "notifications/message at info", logs);
r = await call("find_symbol", { name: "freshly_added" });
check(r.structuredContent.results.length === 1, "searches see the update", r.structuredContent);

// Concurrency and cancellation: a forced re-index runs on a worker; a search answers while it
// runs; then the index call is cancelled and the server keeps serving.
const ctl = new AbortController();
let indexSettled = false;
let firstProgress;
const sawProgress = new Promise((resolve) => { firstProgress = resolve; });
const longCall = client.callTool({ name: "index_project", arguments: { force: true } }, undefined,
  { signal: ctl.signal, onprogress: () => firstProgress(), timeout: 600000 })
  .then((v) => { indexSettled = true; return v; }, (e) => { indexSettled = true; throw e; });
await sawProgress;
r = await call("search_code", { query: "parse config", limit: 1 });
check(!r.isError && r.structuredContent.results.length === 1, "a search answers during index_project", r);
check(!indexSettled, "the search answered before the index run finished (not blocked by it)");
ctl.abort("test cancels");
let cancelled = false;
try { await longCall; } catch (e) { cancelled = true; }
check(cancelled, "the cancelled index_project call rejects on the client");
await client.ping();
// The server stops the run: the next update resumes and the index is whole.
r = await call("update_project", {}, { timeout: 600000 });
check(!r.isError, "update_project after a cancelled run", r);
r = await call("health", {});
check(r.structuredContent.status === "healthy", "healthy after cancel + update", r.structuredContent);
await client.close();

// ---- raw lines: malformed input never kills the server ----
async function raw(lines) {
  const child = spawn(pampax, ["mcp", "--path", repo], { stdio: ["pipe", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (d) => { out += d.toString(); });
  for (const l of lines) child.stdin.write(l + "\n");
  child.stdin.end();
  const code = await new Promise((resolve) => child.on("exit", resolve));
  return { code, messages: out.split("\n").filter((x) => x).map((x) => JSON.parse(x)) };
}
const init = (v) => JSON.stringify({ jsonrpc: "2.0", id: "i", method: "initialize",
  params: { protocolVersion: v, capabilities: {}, clientInfo: { name: "raw", version: "0" } } });
const rawOut = await raw([
  init("2025-11-25"),
  "this is not json",
  "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"",  // truncated
  "[{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"ping\"}]",
  "{\"jsonrpc\":\"1.0\",\"id\":3,\"method\":\"ping\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"no/such/method\"}",
  "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"tools/call\",\"params\":[1,2]}",
  "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"tools/call\",\"params\":{\"name\":\"no_such_tool\"}}",
  "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"logging/setLevel\",\"params\":{\"level\":\"loud\"}}",
  "{\"jsonrpc\":\"2.0\",\"id\":{\"x\":1},\"method\":\"ping\"}",
  "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/unknown\"}",
  "42",
  "",
  "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"ping\"}",
]);
check(rawOut.code === 0, "the server exits 0 at end of input", rawOut.code);
const byId = (id) => rawOut.messages.find((m) => m.id === id);
const nulls = rawOut.messages.filter((m) => m.id === null).map((m) => m.error.code);
check(byId("i")?.result?.protocolVersion === "2025-11-25", "initialize keeps a supported version", byId("i"));
check(nulls.filter((c) => c === -32700).length === 2, "two parse errors (-32700) with id null", rawOut.messages);
check(nulls.filter((c) => c === -32600).length === 3, "batch, object id and non-object are invalid requests (-32600)", rawOut.messages);
check(byId(3)?.error?.code === -32600, "jsonrpc 1.0 is an invalid request", byId(3));
check(byId(4)?.error?.code === -32601, "unknown method: -32601", byId(4));
check(byId(5)?.error?.code === -32602, "array params: -32602", byId(5));
check(byId(6)?.error?.code === -32602 && /unknown tool/.test(byId(6).error.message), "unknown tool: -32602", byId(6));
check(byId(7)?.error?.code === -32602, "bad log level: -32602", byId(7));
check(byId(8)?.result && Object.keys(byId(8).result).length === 0, "ping still answers after all that", byId(8));
check(rawOut.messages.length === 12, "one answer per request, none for notifications or blank lines", rawOut.messages);

// Version negotiation.
for (const [asked, want] of [["2026-07-28", "2026-07-28"], ["2025-06-18", "2025-06-18"], ["1999-01-01", "2026-07-28"]]) {
  const o = await raw([init(asked)]);
  check(o.messages[0]?.result?.protocolVersion === want, `initialize ${asked} -> ${want}`, o.messages);
}
// 2026-07-28 style: no handshake, the revision in _meta; server/discover.
const st = await raw([
  JSON.stringify({ jsonrpc: "2.0", id: 1, method: "server/discover", params: {} }),
  JSON.stringify({ jsonrpc: "2.0", id: 2, method: "tools/list", params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2026-07-28" } } }),
  JSON.stringify({ jsonrpc: "2.0", id: 3, method: "tools/list", params: { _meta: { "io.modelcontextprotocol/protocolVersion": "2099-01-01" } } }),
]);
check(st.messages.find((m) => m.id === 1)?.result?.supportedVersions?.includes("2026-07-28"), "server/discover lists versions", st.messages);
check(st.messages.find((m) => m.id === 2)?.result?.tools?.length >= 8, "stateless tools/list", st.messages);
check(st.messages.find((m) => m.id === 3)?.error?.code === -32602, "unsupported _meta version: -32602", st.messages);

// ---- the SDK's Streamable HTTP client against `pampax serve` ----
const { StreamableHTTPClientTransport } = await import(path.join(sdk, "dist/esm/client/streamableHttp.js"));
const server = spawn(pampax, ["serve", "--path", repo, "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
let serveErr = "";
const port = await new Promise((resolve, reject) => {
  server.stderr.on("data", (d) => {
    serveErr += d.toString();
    const m = serveErr.match(/http:\/\/127\.0\.0\.1:(\d+)\/mcp/);
    if (m) resolve(m[1]);
  });
  server.on("exit", (c) => reject(new Error(`pampax serve exited (${c}): ${serveErr}`)));
});
const httpTransport = new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`));
const httpClient = new Client({ name: "pampax-sdk-http-test", version: "1.0.0" });
await httpClient.connect(httpTransport);
check(typeof httpTransport.sessionId === "string" && httpTransport.sessionId.length === 32, "HTTP: a session id", httpTransport.sessionId);
const httpTools = await httpClient.listTools();
check(httpTools.tools.length === tools.length, "HTTP: the same tools", httpTools.tools.map((t) => t.name));
r = await httpClient.callTool({ name: "search_code", arguments: { query: "parse config", limit: 2 } });
check(!r.isError && r.structuredContent.results[0].path === "src/config.py", "HTTP: search_code", r);
const httpProgress = [];
fs.writeFileSync(path.join(repo, "src/http_added.py"), "def added_over_http():\n    return 2\n");
r = await httpClient.callTool({ name: "update_project", arguments: {} }, undefined,
  { onprogress: (p) => httpProgress.push(p), timeout: 600000 });
check(!r.isError && r.structuredContent.files_indexed === 1, "HTTP: update_project", r);
check(httpProgress.length >= 2, "HTTP: progress notifications on the SSE stream", httpProgress);
await httpTransport.terminateSession();
check(httpTransport.sessionId === undefined, "HTTP: session terminated", httpTransport.sessionId);
await httpClient.close();
server.kill("SIGTERM");
const serveCode = await new Promise((resolve) => server.on("exit", resolve));
check(serveCode === 0, "pampax serve exits 0 on SIGTERM", serveCode);

console.log(`ok: ${checks} checks passed`);
process.exit(0);
