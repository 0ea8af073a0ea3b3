// Runs the official MCP conformance suite (@modelcontextprotocol/conformance, pinned in
// scripts/npm.lock) against `pampax serve`'s /mcp. Run by ctest (mcp_conformance):
//   node tests/mcp/conformance_test.mjs PAMPAX_BINARY SOURCE_DIR
// Every scenario that applies to pampax must pass; docs/mcp.md lists the others and why.
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const [pampax, sourceDir] = process.argv.slice(2);
const suite = path.join(sourceDir, "third_party/npm/@modelcontextprotocol/conformance");
if (!fs.existsSync(path.join(suite, "node_modules"))) {
  console.error(`the conformance suite is not installed at ${suite}: run scripts/bootstrap`);
  process.exit(1);
}
// The scenarios that apply to a server with pampax's capabilities (tools, resources, logging;
// no prompts, completions, subscriptions, sampling or elicitation; no fixed test tools).
const APPLY = ["server-initialize", "ping", "logging-set-level", "tools-list", "resources-list",
  "server-sse-multiple-streams", "dns-rebinding-protection"];

const repo = fs.mkdtempSync(path.join(os.tmpdir(), "pampax-mcp-conf-"));
fs.writeFileSync(path.join(repo, "main.py"), "def main():\n    return 0\n");
const idx = spawnSync(pampax, ["index", "--quiet", repo], { encoding: "utf8" });
if (idx.status !== 0) { console.error(idx.stderr); process.exit(1); }

const server = spawn(pampax, ["serve", "--path", repo, "--port", "0"], { stdio: ["ignore", "ignore", "pipe"] });
let err = "";
const port = await new Promise((resolve, reject) => {
  server.stderr.on("data", (d) => {
    err += d.toString();
    const m = err.match(/http:\/\/127\.0\.0\.1:(\d+)\/mcp/);
    if (m) resolve(m[1]);
  });
  server.on("exit", (c) => reject(new Error(`pampax serve exited (${c}): ${err}`)));
});
const url = `http://127.0.0.1:${port}/mcp`;
let failed = 0;
for (const scenario of APPLY) {
  const r = spawnSync("node", [path.join(suite, "dist/index.js"), "server", "--url", url, "--scenario", scenario],
    { encoding: "utf8", timeout: 120000 });
  const out = (r.stdout || "") + (r.stderr || "");
  const m = out.match(/Passed:\s*(\d+)\/(\d+),\s*(\d+) failed/);
  const ok = r.status === 0 && m && m[1] === m[2] && m[3] === "0";
  console.log(`${ok ? "pass" : "FAIL"} ${scenario}${m ? ` (${m[1]}/${m[2]})` : ""}`);
  if (!ok) { failed++; console.log(out); }
}
server.kill("SIGTERM");
await new Promise((resolve) => server.on("exit", resolve));
fs.rmSync(repo, { recursive: true, force: true });
if (failed) { console.error(`${failed} conformance scenario(s) failed`); process.exit(1); }
console.log(`ok: ${APPLY.length} conformance scenarios passed`);
