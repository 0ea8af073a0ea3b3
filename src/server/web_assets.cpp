// The web page's files (see web_assets.h). Edit them here: each is one raw string literal.
#include "server/web_assets.h"

namespace pampax::server {

namespace {
// ---- index.html ----
constexpr std::string_view kIndexHtml = R"WEB(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>pampax</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header class="top">
  <a class="brand" href="#/search">pampax</a>
  <nav>
    <a href="#/search" data-view="search">Search</a>
    <a href="#/assemble" data-view="assemble">Assemble</a>
    <a href="#/metrics" data-view="metrics">Metrics</a>
  </nav>
  <span id="repo" class="repo"></span>
  <span id="health" class="badge" title="index health">…</span>
</header>

<form id="token-form" class="token" hidden>
  <label>This server needs its token (PAMPAX_TOKEN):
    <input id="token" type="password" autocomplete="off" required></label>
  <button type="submit">Use token</button>
</form>

<main>
  <section id="view-search" class="view">
    <form id="search-form" class="bar">
      <input id="q" type="search" placeholder="Search code: words, identifiers, a question" autofocus required>
      <select id="mode" title="search mode">
        <option value="hybrid">hybrid</option>
        <option value="bm25">bm25</option>
        <option value="vector">vector</option>
        <option value="symbol">symbol</option>
      </select>
      <input id="lang" class="small" placeholder="language" title="only this language (python, cpp, ...)">
      <input id="path" class="small" placeholder="path glob" title="only paths matching this glob (src/*, *.py)">
      <button type="submit">Search</button>
    </form>
    <p id="search-status" class="status"></p>
    <ol id="results" class="results"></ol>
  </section>

  <section id="view-chunk" class="view" hidden>
    <p><a id="back" href="#/search">&larr; results</a></p>
    <h2 id="chunk-title"></h2>
    <p id="chunk-meta" class="meta"></p>
    <pre id="chunk-code" class="code"></pre>
  </section>

  <section id="view-assemble" class="view" hidden>
    <form id="assemble-form" class="bar">
      <input id="aq" type="search" placeholder="Task or question to build a context bundle for" required>
      <input id="budget" class="small" type="number" min="100" max="200000" value="4000" title="token budget">
      <label class="check"><input id="evidence" type="checkbox"> evidence</label>
      <button type="submit">Assemble</button>
    </form>
    <p id="assemble-status" class="status"></p>
    <div id="assemble-out" hidden>
      <div class="usage">
        <svg id="usage-bar" width="100%" height="18" role="img" aria-label="token use"></svg>
        <span id="usage-text"></span>
      </div>
      <table class="items">
        <thead><tr><th>file</th><th>lines</th><th>symbol</th><th>detail</th><th>tokens</th><th>why</th></tr></thead>
        <tbody id="items"></tbody>
      </table>
      <h3>Bundle</h3>
      <pre id="bundle" class="code"></pre>
    </div>
  </section>

  <section id="view-metrics" class="view" hidden>
    <div class="bar">
      <button id="refresh" type="button">Refresh</button>
      <span id="metrics-status" class="status"></span>
    </div>
    <div id="charts" class="charts"></div>
    <h3>Counters</h3>
    <table class="items"><tbody id="counters"></tbody></table>
  </section>
</main>
</body>
</html>
)WEB";

// ---- app.js ----
constexpr std::string_view kAppJs = R"WEB("use strict";
// pampax web page: talks to the JSON API of the server that served it (same origin).
(function () {
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const SVG = "http://www.w3.org/2000/svg";
  const svg = (tag, attrs, text) => {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  let lastQuery = "";

  // ---- API ----
  async function api(path, body) {
    const headers = {};
    const token = sessionStorage.getItem("pampax_token");
    if (token) headers["Authorization"] = "Bearer " + token;
    const init = { headers };
    if (body) {
      init.method = "POST";
      headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    if (res.status === 401) {
      $("token-form").hidden = false;
      throw new Error("this server needs its token: enter it above");
    }
    const data = await res.json().catch(() => ({}));
    if (!res.ok && !(path.startsWith("/api/health") && data.status))
      throw new Error((data.error && data.error.message) || res.status + " " + res.statusText);
    return data;
  }

  // ---- highlighting ----
  function terms(query) {
    const words = (query.match(/[A-Za-z0-9_]{2,}/g) || []).map((w) => w.toLowerCase());
    const out = new Set();
    for (const w of words) {
      out.add(w);
      // camelCase and snake_case parts, as the index splits identifiers
      for (const p of w.split("_")) if (p.length >= 2) out.add(p);
    }
    for (const w of query.match(/[A-Za-z][a-z0-9]+|[A-Z]+(?![a-z])/g) || [])
      if (w.length >= 3) out.add(w.toLowerCase());
    return [...out].sort((a, b) => b.length - a.length);
  }
  function highlighted(text, query) {
    const frag = document.createDocumentFragment();
    const t = terms(query);
    if (!t.length) {
      frag.append(text);
      return frag;
    }
    const re = new RegExp("(" + t.map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|") + ")", "gi");
    text.split(re).forEach((part, i) => {
      if (i % 2 === 1) frag.append(el("mark", "", part));
      else if (part) frag.append(part);
    });
    return frag;
  }
  function codeWithLines(pre, text, first, query) {
    pre.textContent = "";
    const lines = text.replace(/\n$/, "").split("\n");
    lines.forEach((line, i) => {
      pre.append(el("span", "ln", String(first + i)));
      pre.append(highlighted(line, query));
      pre.append("\n");
    });
  }
  function status(id, text, error) {
    const s = $(id);
    s.textContent = text;
    s.classList.toggle("error", !!error);
  }

  // ---- search ----
  async function runSearch(ev) {
    if (ev) ev.preventDefault();
    const q = $("q").value.trim();
    if (!q) return;
    lastQuery = q;
    const body = { query: q, mode: $("mode").value, limit: 20 };
    if ($("lang").value.trim()) body.lang = $("lang").value.trim();
    if ($("path").value.trim()) body.path = $("path").value.trim();
    status("search-status", "searching…");
    const list = $("results");
    try {
      const r = await api("/api/search", body);
      list.textContent = "";
      for (const h of r.results) {
        const li = el("li", "result");
        li.tabIndex = 0;
        li.dataset.id = h.id;
        li.dataset.path = h.path;
        const head = el("div", "head");
        head.append(el("span", "path", h.path + ":" + h.start_line + "-" + h.end_line));
        head.append(el("span", "sym", h.kind + (h.symbol ? " " + h.symbol : "")));
        head.append(el("span", "score", "score " + h.score.toPrecision(3)));
        li.append(head);
        const pre = el("pre", "code");
        pre.append(highlighted(h.snippet, q));
        li.append(pre);
        const open = () => { location.hash = "#/chunk/" + h.id; };
        li.addEventListener("click", open);
        li.addEventListener("keydown", (e) => { if (e.key === "Enter") open(); });
        list.append(li);
      }
      let msg = r.results.length + " result" + (r.results.length === 1 ? "" : "s") + " (" + r.mode + ", " +
        r.took_ms.toFixed(1) + " ms)";
      if (r.warnings.length) msg += " — " + r.warnings.join("; ");
      status("search-status", msg);
    } catch (e) {
      list.textContent = "";
      status("search-status", e.message, true);
    }
  }

  // ---- chunk ----
  async function showChunk(id) {
    $("chunk-title").textContent = "loading…";
    $("chunk-meta").textContent = "";
    $("chunk-code").textContent = "";
    try {
      const c = await api("/api/chunk?id=" + encodeURIComponent(id));
      $("chunk-title").textContent = c.path + ":" + c.start_line + "-" + c.end_line;
      $("chunk-meta").textContent = [c.lang, c.kind, c.symbol, c.tokens + " tokens", c.total_lines + " lines in file"]
        .filter(Boolean).join(" · ");
      codeWithLines($("chunk-code"), c.text, c.start_line, lastQuery);
    } catch (e) {
      $("chunk-title").textContent = "";
      $("chunk-meta").textContent = e.message;
    }
  }

  // ---- assemble ----
  async function runAssemble(ev) {
    ev.preventDefault();
    const q = $("aq").value.trim();
    if (!q) return;
    status("assemble-status", "assembling…");
    try {
      const b = await api("/api/assemble", { query: q, budget: Number($("budget").value) || 4000,
        evidence: $("evidence").checked });
      $("assemble-out").hidden = false;
      const bar = $("usage-bar");
      bar.textContent = "";
      const frac = Math.min(1, b.tokens / b.budget);
      bar.append(svg("rect", { x: 0, y: 0, width: "100%", height: 18, rx: 4, fill: "#e3e6ea" }));
      bar.append(svg("rect", { x: 0, y: 0, width: (frac * 100).toFixed(2) + "%", height: 18, rx: 4, fill: "#2456a6" }));
      $("usage-text").textContent = b.tokens + " / " + b.budget + " tokens · " + b.items.length + (b.items.length === 1 ? " item" : " items") +
        (b.omitted_items ? " · " + b.omitted_items + " left out" : "") + " · " + (b.search_ms + b.assemble_ms).toFixed(0) + " ms";
      const tbody = $("items");
      tbody.textContent = "";
      for (const it of b.items) {
        const tr = el("tr");
        tr.append(el("td", "", it.path), el("td", "", it.start_line + "-" + it.end_line), el("td", "", it.symbol),
          el("td", "", it.detail), el("td", "num", String(it.tokens)),
          el("td", "", it.reason + (it.relations.length ? ": " + it.relations.join("; ") : "")));
        tbody.append(tr);
      }
      $("bundle").textContent = b.text;
      status("assemble-status", b.warnings.join("; "));
    } catch (e) {
      $("assemble-out").hidden = true;
      status("assemble-status", e.message, true);
    }
  }

  // ---- metrics ----
  function histogramChart(h, bounds) {
    const box = el("div", "chart");
    const op = h.labels.operation || h.name;
    box.append(el("h4", "", op + (h.labels.cache_hit === "true" ? " (cache hit)" : "")));
    box.append(el("div", "sub", h.count + " calls · p50 " + h.p50.toFixed(1) + " ms · p95 " + h.p95.toFixed(1) +
      " ms · p99 " + h.p99.toFixed(1) + " ms · max " + h.max.toFixed(1) + " ms"));
    const counts = h.buckets.map((b, i) => b.count - (i ? h.buckets[i - 1].count : 0));
    const W = 320, H = 120, left = 28, bottom = 18, n = counts.length, bw = (W - left) / n;
    const top = Math.max(1, ...counts);
    const s = svg("svg", { width: W, height: H + 4, viewBox: "0 0 " + W + " " + (H + 4), role: "img",
      "aria-label": "latency histogram of " + op });
    s.append(svg("line", { x1: left, y1: H - bottom, x2: W, y2: H - bottom, stroke: "#ccc" }));
    s.append(svg("text", { x: 0, y: 10 }, String(top)));
    counts.forEach((c, i) => {
      const bh = ((H - bottom - 12) * c) / top;
      const r = svg("rect", { class: "bar", x: (left + i * bw + 1).toFixed(1), y: (H - bottom - bh).toFixed(1),
        width: (bw - 2).toFixed(1), height: bh.toFixed(1) });
      r.append(svg("title", {}, (i < bounds.length ? "≤ " + bounds[i] : "> " + bounds[bounds.length - 1]) + " ms: " + c));
      s.append(r);
      const label = i < bounds.length ? (bounds[i] >= 1000 ? bounds[i] / 1000 + "k" : String(bounds[i])) : "+∞";
      s.append(svg("text", { x: (left + i * bw + bw / 2).toFixed(1), y: H - 4, "text-anchor": "middle" }, label));
    });
    // p95 marker: position within its bucket
    let k = bounds.findIndex((b) => h.p95 <= b);
    if (k < 0) k = bounds.length;
    const lo = k ? bounds[k - 1] : 0, hi = k < bounds.length ? bounds[k] : Math.max(h.max, lo);
    const x = left + (k + (hi > lo ? (h.p95 - lo) / (hi - lo) : 0.5)) * bw;
    s.append(svg("line", { class: "p95", x1: x.toFixed(1), y1: 8, x2: x.toFixed(1), y2: H - bottom }));
    s.append(svg("text", { x: (x + 3).toFixed(1), y: 16 }, "p95"));
    box.append(s);
    return box;
  }
  async function loadMetrics() {
    status("metrics-status", "loading…");
    try {
      const m = await api("/api/metrics");
      const charts = $("charts");
      charts.textContent = "";
      const hs = m.histograms.filter((h) => h.name === "pampax_operation_duration_ms" && h.count > 0);
      for (const h of hs) charts.append(histogramChart(h, m.bucket_bounds_ms));
      const tbody = $("counters");
      tbody.textContent = "";
      for (const c of m.counters.concat(m.gauges)) {
        const tr = el("tr");
        const labels = Object.entries(c.labels).map(([k, v]) => k + "=" + v).join(", ");
        tr.append(el("td", "", c.name + (labels ? " {" + labels + "}" : "")), el("td", "num", String(c.value)));
        tbody.append(tr);
      }
      status("metrics-status", hs.length + " operations with timings · RSS " +
        (m.process.rss_bytes / 1048576).toFixed(0) + " MiB" + (m.index ? "" : " · no index yet"));
    } catch (e) {
      status("metrics-status", e.message, true);
    }
  }

  // ---- header ----
  async function loadHeader() {
    try {
      const s = await api("/api/stats");
      $("repo").textContent = s.root + " · " + s.files + " files · " + s.chunks + " chunks";
    } catch (e) {
      $("repo").textContent = e.message;
    }
    try {
      const h = await api("/api/health?quick_check=false");
      const b = $("health");
      b.textContent = h.status;
      b.className = "badge " + h.status;
      b.title = h.checks.filter((c) => c.status !== "ok").map((c) => c.name + ": " + c.detail).join("\n") || "all checks ok";
    } catch (e) {
      $("health").textContent = "?";
    }
  }

  // ---- routing ----
  function route() {
    const h = location.hash || "#/search";
    let view = "search";
    const m = h.match(/^#\/chunk\/(\d+)$/);
    if (m) view = "chunk";
    else if (h === "#/assemble") view = "assemble";
    else if (h === "#/metrics") view = "metrics";
    for (const v of ["search", "chunk", "assemble", "metrics"]) $("view-" + v).hidden = v !== view;
    document.querySelectorAll(".top nav a").forEach((a) =>
      a.classList.toggle("active", a.dataset.view === (view === "chunk" ? "search" : view)));
    if (view === "chunk") showChunk(m[1]);
    if (view === "metrics") loadMetrics();
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("search-form").addEventListener("submit", runSearch);
    $("assemble-form").addEventListener("submit", runAssemble);
    $("refresh").addEventListener("click", loadMetrics);
    $("back").addEventListener("click", (e) => { e.preventDefault(); history.back(); });
    $("token-form").addEventListener("submit", (e) => {
      e.preventDefault();
      sessionStorage.setItem("pampax_token", $("token").value);
      $("token-form").hidden = true;
      loadHeader();
      route();
    });
    window.addEventListener("hashchange", route);
    route();
    loadHeader();
  });
})();
)WEB";

// ---- app.css ----
constexpr std::string_view kAppCss = R"WEB(:root {
  --bg: #f7f7f5; --fg: #1d1f21; --muted: #666a70; --line: #dcdcd6; --accent: #2456a6;
  --mark: #ffe58a; --panel: #ffffff; --code: #fbfbf9; --ok: #2e7d32; --warn: #b26a00; --bad: #b3261e;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.top { display: flex; align-items: center; gap: 18px; padding: 10px 20px; background: #1f2a37; color: #e8edf3; }
.top .brand { color: #fff; font-weight: 700; font-size: 18px; letter-spacing: .5px; }
.top nav a { color: #c9d4e1; margin-right: 14px; padding: 4px 2px; }
.top nav a.active { color: #fff; border-bottom: 2px solid #7fb0ff; }
.repo { color: #9fb0c4; font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; margin-left: auto; }
.badge { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #55606d; color: #fff; }
.badge.healthy { background: var(--ok); } .badge.degraded { background: var(--warn); } .badge.unhealthy { background: var(--bad); }
main { max-width: 1100px; margin: 0 auto; padding: 18px 20px 40px; }
.bar { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.bar input, .bar select, .bar button, .token input, .token button {
  font: inherit; padding: 7px 10px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); }
.bar input[type=search] { flex: 1 1 380px; }
.bar .small { width: 130px; }
.bar button, .token button { background: var(--accent); color: #fff; border-color: var(--accent); cursor: pointer; }
.check { display: flex; gap: 4px; align-items: center; color: var(--muted); }
.token { display: flex; gap: 8px; align-items: center; padding: 10px 20px; background: #fff4d6; border-bottom: 1px solid var(--line); }
.status { color: var(--muted); min-height: 1.4em; margin: 10px 0; }
.status.error { color: var(--bad); }
.results { list-style: none; padding: 0; margin: 0; }
.result { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; margin: 0 0 10px; padding: 10px 14px; cursor: pointer; }
.result:hover, .result:focus { border-color: var(--accent); outline: none; }
.result .head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.result .path { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-weight: 600; }
.result .sym { color: var(--muted); }
.result .score { margin-left: auto; color: var(--muted); font-size: 12px; }
.result pre { margin: 8px 0 0; }
.code { background: var(--code); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow: auto;
  font: 13px/1.5 ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre; }
.code .ln { display: inline-block; width: 3.5em; color: #a0a4a8; user-select: none; text-align: right; padding-right: 1em; }
mark { background: var(--mark); color: inherit; border-radius: 2px; }
.meta { color: var(--muted); }
h2 { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 18px; margin: 6px 0; }
.usage { display: flex; gap: 12px; align-items: center; margin: 8px 0 14px; }
.usage svg { flex: 1; }
.items { border-collapse: collapse; width: 100%; background: var(--panel); font-size: 13px; }
.items th, .items td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; }
.items td.num { text-align: right; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(330px, 1fr)); gap: 14px; margin-top: 12px; }
.chart { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.chart h4 { margin: 0 0 4px; font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.chart .sub { color: var(--muted); font-size: 12px; margin-bottom: 6px; }
.chart svg text { font-size: 10px; fill: var(--muted); }
.chart svg .bar { fill: #4f7fd1; } .chart svg .p95 { stroke: var(--bad); stroke-dasharray: 3 2; }
)WEB";

// ---- favicon.svg ----
constexpr std::string_view kFaviconSvg = R"WEB(<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#1f2a37"/><circle cx="7" cy="7" r="3.5" fill="none" stroke="#7fb0ff" stroke-width="1.8"/><path d="M9.6 9.6 13 13" stroke="#7fb0ff" stroke-width="1.8" stroke-linecap="round"/></svg>
)WEB";

}  // namespace

const std::vector<WebAsset>& web_assets() {
  static const std::vector<WebAsset> assets = {
      {"/", "text/html; charset=utf-8", kIndexHtml},
      {"/app.js", "text/javascript; charset=utf-8", kAppJs},
      {"/app.css", "text/css; charset=utf-8", kAppCss},
      {"/favicon.svg", "image/svg+xml", kFaviconSvg},
      {"/index.html", "text/html; charset=utf-8", kIndexHtml},
  };
  return assets;
}

const WebAsset* find_web_asset(std::string_view path) {
  for (const WebAsset& a : web_assets())
    if (a.path == path) return &a;
  return nullptr;
}

}  // namespace pampax::server
