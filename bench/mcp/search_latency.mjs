// search_code round trip through a real MCP client (the official TypeScript SDK's Client +
// StdioClientTransport) against `pampax mcp`: what an agent waits for per search, including
// JSON-RPC framing, the pipe, the SDK's outputSchema validation and the search itself.
// Prints p50/p95/max per query and overall; asserts nothing.
//   node bench/mcp/search_latency.mjs PAMPAX_BINARY ROOT [ROUNDS=50]
// ROOT must be indexed (pampax index ROOT).
import path from "node:path";
import { fileURLToPath } from "node:url";

const [bin, root, roundsArg] = process.argv.slice(2);
if (!bin || !root) {
  console.error("usage: node bench/mcp/search_latency.mjs PAMPAX_BINARY ROOT [ROUNDS]");
  process.exit(2);
}
const rounds = Number(roundsArg || 50);
const here = path.dirname(fileURLToPath(import.meta.url));
const sdk = path.join(here, "../../third_party/npm/@modelcontextprotocol/sdk/dist/esm");
const { Client } = await import(path.join(sdk, "client/index.js"));
const { StdioClientTransport } = await import(path.join(sdk, "client/stdio.js"));

const QUERIES = ["function", "class", "variable", "method", "property", "return", "this",
  "compute user score", "find order by session", "how is the cache invalidated"];

const client = new Client({ name: "pampax-bench", version: "1.0.0" });
await client.connect(new StdioClientTransport({ command: bin, args: ["mcp", "--path", root], stderr: "ignore" }));
await client.listTools();  // the SDK caches output schemas from here

const pct = (a, p) => {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.round(p * (s.length - 1)))];
};
// Warm-up: open the index, load statements and pages.
for (const q of QUERIES) await client.callTool({ name: "search_code", arguments: { query: q } });

const all = [];
const per = Object.fromEntries(QUERIES.map((q) => [q, []]));
for (let r = 0; r < rounds; r++)
  for (const q of QUERIES) {
    const t0 = performance.now();
    const res = await client.callTool({ name: "search_code", arguments: { query: q, limit: 10 } });
    const ms = performance.now() - t0;
    if (res.isError) throw new Error(`${q}: ${res.content[0].text}`);
    per[q].push(ms);
    all.push(ms);
  }
await client.close();
console.log(`search_code over stdio, ${rounds} rounds x ${QUERIES.length} queries, limit 10`);
console.log("query".padEnd(34) + "p50 ms".padStart(9) + "p95 ms".padStart(9) + "max ms".padStart(9));
for (const q of QUERIES)
  console.log(q.padEnd(34) + pct(per[q], 0.5).toFixed(2).padStart(9) + pct(per[q], 0.95).toFixed(2).padStart(9) +
    Math.max(...per[q]).toFixed(2).padStart(9));
console.log("all".padEnd(34) + pct(all, 0.5).toFixed(2).padStart(9) + pct(all, 0.95).toFixed(2).padStart(9) +
  Math.max(...all).toFixed(2).padStart(9));
