// The web page that `pampax serve` offers at /: static HTML, CSS and JavaScript compiled into
// the binary (server/web_assets.cpp), so it works offline: no fonts, scripts or styles from
// elsewhere. It talks to the JSON API (server/api.h) only.
//
// Views (hash routes): #/search (query, mode, language and path filters; results with the
// query's terms highlighted), #/chunk/ID (the chunk's code), #/assemble (bundle, items and
// token use against the budget), #/metrics (latency histograms per operation drawn as inline
// SVG from /api/metrics). With PAMPAX_TOKEN set the page asks for the token once and keeps it
// in the tab's sessionStorage.
#pragma once
#include <string_view>
#include <vector>

namespace pampax::server {

struct WebAsset {
  std::string_view path;          // "/", "/app.js", ...
  std::string_view content_type;  // with charset for text
  std::string_view body;
};

// Every asset, in a fixed order. Thread-safe (constant data).
const std::vector<WebAsset>& web_assets();
// The asset served at `path`, or null.
const WebAsset* find_web_asset(std::string_view path);

}  // namespace pampax::server
