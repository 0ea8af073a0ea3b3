#include "assemble/pack.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

#include "assemble/tokenizer.h"
#include "search/types.h"

namespace fs = std::filesystem;

namespace pampax {

namespace {

std::string where(const fs::path& file, const toml::source_region& src) {
  return file.string() + ":" + std::to_string(src.begin.line) + ": ";
}

// A string or an array of strings.
Status string_list(const toml::node& node, std::string_view key, const fs::path& file,
                   std::vector<std::string>* out) {
  if (auto s = node.as_string()) {
    out->push_back(s->get());
    return Status();
  }
  const toml::array* arr = node.as_array();
  if (!arr)
    return InvalidArgument(where(file, node.source()) + "'" + std::string(key) +
                           "' must be a string or an array of strings");
  for (const toml::node& el : *arr) {
    auto s = el.as_string();
    if (!s)
      return InvalidArgument(where(file, el.source()) + "'" + std::string(key) +
                             "' must hold strings only");
    out->push_back(s->get());
  }
  return Status();
}

Result<std::string> read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return IoError("cannot read " + p.string());
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

fs::path active_file(const fs::path& root) { return root / ".pampax" / "active_pack"; }

}  // namespace

fs::path packs_dir(const fs::path& root) { return root / ".pampax" / "packs"; }

bool valid_pack_name(std::string_view n) {
  if (n.empty() || n.size() > 64 || n[0] == '.') return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.';
  });
}

Result<Pack> parse_pack(std::string_view text, const std::string& name, const fs::path& file) {
  toml::table tbl;
  try {
    tbl = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    return InvalidArgument(file.string() + ":" + std::to_string(e.source().begin.line) + ":" +
                           std::to_string(e.source().begin.column) + ": " +
                           std::string(e.description()));
  }
  Pack p;
  p.name = name;
  p.file = file;
  for (const auto& [k, node] : tbl) {
    std::string key(k.str());
    Status st;
    if (key == "description") {
      auto s = node.as_string();
      if (!s) return InvalidArgument(where(file, node.source()) + "'description' must be a string");
      p.description = s->get();
    } else if (key == "paths" || key == "path_globs") {
      st = string_list(node, key, file, &p.scope.path_globs);
    } else if (key == "langs" || key == "languages") {
      st = string_list(node, key, file, &p.scope.langs);
    } else if (key == "kinds") {
      st = string_list(node, key, file, &p.scope.kinds);
    } else if (key == "budget") {
      auto i = node.as_integer();
      if (!i || i->get() < 1)
        return InvalidArgument(where(file, node.source()) + "'budget' must be a positive integer (tokens)");
      p.budget = i->get();
    } else if (key == "mode") {
      auto s = node.as_string();
      SearchMode m;
      if (!s || !parse_search_mode(s->get(), &m))
        return InvalidArgument(where(file, node.source()) +
                               "'mode' must be one of hybrid, bm25, vector, symbol");
      p.mode = s->get();
    } else if (key == "tokenizer") {
      auto s = node.as_string();
      std::string v = s ? s->get() : "";
      if (v == "cl100k" || v == "o200k") v += "_base";
      if (!s || !parse_tokenizer_kind(v).ok())
        return InvalidArgument(where(file, node.source()) +
                               "'tokenizer' must be one of cl100k, o200k, estimate");
      p.tokenizer = s->get();
    } else {
      return InvalidArgument(where(file, node.source()) + "unknown key '" + key +
                             "' (known: description, paths, langs, kinds, budget, mode, tokenizer)");
    }
    if (!st.ok()) return st;
    if (key == "langs" || key == "languages") {
      Status ns = normalise_scope(&p.scope);
      if (!ns.ok()) return InvalidArgument(where(file, node.source()) + ns.message());
    } else if (key == "paths" || key == "path_globs" || key == "kinds") {
      Status ns = normalise_scope(&p.scope);
      if (!ns.ok()) return InvalidArgument(where(file, node.source()) + ns.message());
    }
  }
  return p;
}

Result<Pack> load_pack(const fs::path& root, std::string_view name) {
  if (!valid_pack_name(name))
    return InvalidArgument("invalid pack name '" + std::string(name) +
                           "' (letters, digits, '-', '_' and '.'; it names a file)");
  fs::path file = packs_dir(root) / (std::string(name) + ".toml");
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    std::string known;
    auto l = list_packs(root);
    if (l.ok())
      for (const Pack& p : l->packs) known += (known.empty() ? "" : ", ") + p.name;
    return NotFound("no pack '" + std::string(name) + "': " + file.string() +
                    " does not exist (packs: " + (known.empty() ? "none" : known) + ")");
  }
  auto text = read_text(file);
  if (!text.ok()) return text.status();
  return parse_pack(*text, std::string(name), file);
}

Result<PackListing> list_packs(const fs::path& root) {
  PackListing out;
  fs::path dir = packs_dir(root);
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return out;
  std::vector<fs::path> files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".toml") files.push_back(it->path());
  if (ec) return IoError("cannot list " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());
  for (const fs::path& f : files) {
    std::string name = f.stem().string();
    if (!valid_pack_name(name)) {
      out.errors.push_back(f.string() + ": invalid pack name (letters, digits, '-', '_', '.')");
      continue;
    }
    auto text = read_text(f);
    if (!text.ok()) {
      out.errors.push_back(text.status().message());
      continue;
    }
    auto p = parse_pack(*text, name, f);
    if (p.ok()) out.packs.push_back(std::move(p).value());
    else out.errors.push_back(p.status().message());
  }
  return out;
}

Result<std::string> active_pack_name(const fs::path& root) {
  std::error_code ec;
  fs::path f = active_file(root);
  if (!fs::exists(f, ec)) return std::string();
  auto text = read_text(f);
  if (!text.ok()) return text.status();
  std::string name = *text;
  while (!name.empty() && (name.back() == '\n' || name.back() == '\r' || name.back() == ' '))
    name.pop_back();
  return name;
}

Result<std::optional<Pack>> active_pack(const fs::path& root) {
  auto name = active_pack_name(root);
  if (!name.ok()) return name.status();
  if (name->empty()) return std::optional<Pack>();
  auto p = load_pack(root, *name);
  if (!p.ok())
    return Status(p.status().code(),
                  "the active context pack '" + *name + "' cannot be used: " +
                      p.status().message() +
                      ". Fix it, or run `pampax context clear` (or pass --no-pack)");
  return std::optional<Pack>(std::move(p).value());
}

Status use_pack(const fs::path& root, std::string_view name) {
  auto p = load_pack(root, name);
  if (!p.ok()) return p.status();
  fs::path f = active_file(root);
  std::error_code ec;
  fs::create_directories(f.parent_path(), ec);
  fs::path tmp = f;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << name << "\n";
    if (!out) return IoError("cannot write " + tmp.string());
  }
  fs::rename(tmp, f, ec);
  if (ec) return IoError("cannot write " + f.string() + ": " + ec.message());
  return Status();
}

Status clear_active_pack(const fs::path& root) {
  std::error_code ec;
  fs::remove(active_file(root), ec);
  if (ec) return IoError("cannot remove " + active_file(root).string() + ": " + ec.message());
  return Status();
}

}  // namespace pampax
