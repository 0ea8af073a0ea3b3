#include "assemble/render.h"

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

namespace pampax {

namespace {

using ojson = nlohmann::ordered_json;

std::string one_line(const std::string& s, size_t cap) {
  std::string out;
  bool space = false;
  for (char c : s) {
    if (c == '\n' || c == '\r' || c == '\t' || c == ' ') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
    if (out.size() >= cap) {
      out += "...";
      break;
    }
  }
  return out;
}

std::string fmt_score(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// Scores rounded to 4 significant digits: enough to compare, cheap in tokens.
double round4(double v) {
  if (v == 0 || !std::isfinite(v)) return 0;
  return std::stod(fmt_score(v));
}

std::string range_label(const BundleItem& it) {
  std::string s = it.path + ":" + std::to_string(it.start_line);
  if (it.end_line != it.start_line && it.detail == Detail::kFull)
    s += "-" + std::to_string(it.end_line);
  return s;
}

std::string evidence_line(const BundleItem& it) {
  const ItemEvidence& e = it.evidence;
  std::string s;
  auto add = [&](const std::string& part) {
    if (part.empty()) return;
    s += s.empty() ? "" : " · ";
    s += part;
  };
  if (e.search_rank) add("hit #" + std::to_string(e.search_rank));
  else add(e.reason);
  if (e.lexical.rank)
    add("lexical #" + std::to_string(e.lexical.rank) + " (" + fmt_score(e.lexical.score) + ")");
  if (e.vector.rank)
    add("semantic #" + std::to_string(e.vector.rank) + " (" + fmt_score(e.vector.score) + ")");
  if (!e.matched_terms.empty()) {
    std::string t = "terms:";
    for (size_t i = 0; i < e.matched_terms.size(); ++i) t += (i ? ", " : " ") + e.matched_terms[i];
    add(t);
  }
  if (e.symbol_match) add("symbol match");
  for (const std::string& r : e.relations) add(r);
  add(std::to_string(it.tokens) + " tokens");
  add("hash " + it.hash);
  return s;
}

std::string item_name(const BundleItem& it) {
  if (!it.symbol.empty()) return it.symbol;
  return it.kind;
}

int count_files(const Bundle& b) {
  std::set<std::string> files;
  for (const BundleItem& it : b.items) files.insert(it.path);
  return static_cast<int>(files.size());
}

}  // namespace

const char* detail_name(Detail d) {
  switch (d) {
    case Detail::kReference: return "reference";
    case Detail::kSignature: return "signature";
    case Detail::kFull: return "full";
  }
  return "full";
}

std::string markdown_lang_tag(const std::string& lang) {
  if (lang == "text" || lang.empty()) return "";
  if (lang == "csharp") return "csharp";
  return lang;  // the index's names (cpp, python, javascript, tsx, go, rust, ...) are the
                // tags common markdown highlighters know
}

std::string code_fence(const std::string& text) {
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

std::string markdown_contents_line(const BundleItem& it, int number) {
  std::string s = std::to_string(number) + ". `" + range_label(it) + "`";
  if (!it.symbol.empty()) s += " " + it.symbol;
  if (it.detail == Detail::kSignature) s += " (signature)";
  return s + "\n";
}

std::string markdown_item_block(const Bundle& b, const BundleItem& it, bool with_text) {
  if (it.detail == Detail::kReference) {
    std::string s = "- `" + range_label(it) + "` " + item_name(it);
    if (b.evidence) s += " — " + evidence_line(it);
    return s + "\n";
  }
  std::string s = "## " + range_label(it);
  if (!it.symbol.empty()) s += " · " + it.symbol;
  if (it.detail == Detail::kSignature) s += " (signature)";
  s += "\n\n";
  if (b.evidence) s += "> " + evidence_line(it) + "\n\n";
  std::string fence = code_fence(it.text);
  s += fence + markdown_lang_tag(it.lang) + "\n";
  if (with_text) {
    s += it.text;
    if (!it.text.empty() && it.text.back() != '\n') s += "\n";
  }
  s += fence + "\n\n";
  return s;
}

std::string render_markdown(const Bundle& b) {
  std::string out;
  int numbered = 0;
  for (const BundleItem& it : b.items)
    if (it.detail != Detail::kReference) ++numbered;
  if (b.chrome >= 1) {
    out += "# Context: " + one_line(b.query, 200) + "\n\n";
    out += std::to_string(b.tokens) + "/" + std::to_string(b.budget) + " tokens (" +
           std::string(tokenizer_name(b.tokenizer)) + ") · " + std::to_string(b.items.size()) +
           " items from " + std::to_string(count_files(b)) + " files";
    if (b.omitted.items) out += " · " + std::to_string(b.omitted.items) + " left out for budget";
    out += "\n\n";
    if (b.items.empty())
      out += b.omitted.items ? "Nothing fits this budget.\n\n" : "No matching code.\n\n";
  }
  if (b.chrome >= 2 && numbered > 0) {
    out += "Contents:\n";
    int n = 0;
    for (const BundleItem& it : b.items)
      if (it.detail != Detail::kReference) out += markdown_contents_line(it, ++n);
    out += "\n";
  }
  bool refs_heading = false;
  for (const BundleItem& it : b.items) {
    if (it.detail == Detail::kReference && !refs_heading && b.chrome >= 1) {
      out += "## References\n\n";
      refs_heading = true;
    }
    out += markdown_item_block(b, it, true);
  }
  if (refs_heading) out += "\n";
  if (b.evidence && b.chrome >= 1 && (b.omitted.items || b.omitted.degraded)) {
    out += "Left out for budget: " + std::to_string(b.omitted.items) + " items (~" +
           std::to_string(b.omitted.full_tokens) + " tokens at full detail); " +
           std::to_string(b.omitted.degraded) + " shown with less detail.\n";
  }
  // No trailing blank lines: the text ends with exactly one newline (or is empty).
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n')
    out.pop_back();
  return out;
}

namespace {

ojson item_json(const BundleItem& it) {
  auto arm = [](const ArmEvidence& a) -> ojson {
    if (!a.rank) return nullptr;
    return ojson{{"rank", a.rank}, {"score", round4(a.score)}};
  };
  const ItemEvidence& e = it.evidence;
  ojson ev = {{"reason", e.reason},
              {"search_rank", e.search_rank},
              {"lexical", arm(e.lexical)},
              {"semantic", arm(e.vector)},
              {"score", round4(e.score)},
              {"symbol_match", e.symbol_match},
              {"matched_terms", e.matched_terms},
              {"relations", e.relations}};
  return ojson{{"path", it.path},
               {"start_line", it.start_line},
               {"end_line", it.end_line},
               {"symbol", it.symbol},
               {"kind", it.kind},
               {"lang", it.lang},
               {"detail", detail_name(it.detail)},
               {"tokens", it.tokens},
               {"hash", it.hash},
               {"text", it.text},
               {"evidence", ev}};
}

// Compact: whitespace would cost tokens that the budget is better spent on.
std::string dump(const ojson& j) {
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace

std::string json_item(const BundleItem& it) { return dump(item_json(it)); }

std::string render_json(const Bundle& b) {
  ojson items = ojson::array();
  for (const BundleItem& it : b.items) items.push_back(item_json(it));
  ojson j = {{"query", b.query.size() > 200 ? b.query.substr(0, 200) + "..." : b.query},
             {"tokenizer", std::string(tokenizer_name(b.tokenizer))},
             {"budget", b.budget},
             {"tokens", b.tokens},
             {"mode", search_mode_name(b.mode)},
             {"candidates", b.candidates},
             {"items", items},
             {"omitted", {{"items", b.omitted.items},
                          {"full_tokens", b.omitted.full_tokens},
                          {"degraded", b.omitted.degraded}}},
             {"warnings", b.warnings}};
  return dump(j) + "\n";
}

std::string render_bundle(const Bundle& b) {
  return b.format == BundleFormat::kJson ? render_json(b) : render_markdown(b);
}

}  // namespace pampax
