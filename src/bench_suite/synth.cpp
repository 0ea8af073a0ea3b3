#include "bench_suite/synth.h"

#include <array>
#include <cctype>
#include <fstream>
#include <map>
#include <system_error>

namespace pampax::bench {
namespace {

// splitmix64: small, fast and the same on every platform.
struct Rng {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
};

const std::array<const char*, 24> kNouns = {
    "user",   "order",   "invoice", "cart",   "payment", "session", "token",  "cache",
    "queue",  "report",  "metric",  "account", "profile", "search", "index",  "config",
    "logger", "router",  "parser",  "stream", "buffer",  "socket", "event",  "schedule"};
// verb, third person.
const std::array<std::pair<const char*, const char*>, 16> kVerbs = {{
    {"validate", "validates"}, {"refresh", "refreshes"}, {"load", "loads"},
    {"save", "saves"},         {"parse", "parses"},     {"compute", "computes"},
    {"find", "finds"},         {"merge", "merges"},     {"encode", "encodes"},
    {"decode", "decodes"},     {"flush", "flushes"},    {"render", "renders"},
    {"update", "updates"},     {"remove", "removes"},   {"fetch", "fetches"},
    {"register", "registers"}}};
const std::array<const char*, 8> kSuffixes = {"Service", "Manager", "Store",  "Handler",
                                              "Client",  "Builder", "Registry", "Tracker"};
const std::array<const char*, 6> kPropWords = {"count", "limit", "name", "total", "timeout", "state"};

enum class L { kPy, kJs, kTs, kGo, kJava, kRust, kC, kCpp };
struct LangInfo {
  L lang;
  const char* name;
  const char* ext;
  int weight;  // of 100
};
const std::array<LangInfo, 8> kLangs = {{{L::kPy, "python", "py", 24},
                                         {L::kJs, "javascript", "js", 14},
                                         {L::kTs, "typescript", "ts", 14},
                                         {L::kGo, "go", "go", 10},
                                         {L::kJava, "java", "java", 12},
                                         {L::kRust, "rust", "rs", 8},
                                         {L::kC, "c", "c", 7},
                                         {L::kCpp, "cpp", "cpp", 11}}};

using Words = std::vector<std::string>;

std::string cap(std::string w) {
  if (!w.empty()) w[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])));
  return w;
}
std::string snake(const Words& w) {
  std::string s;
  for (const auto& x : w) s += (s.empty() ? "" : "_") + x;
  return s;
}
std::string camel(const Words& w) {
  std::string s;
  for (const auto& x : w) s += s.empty() ? x : cap(x);
  return s;
}
std::string pascal(const Words& w) {
  std::string s;
  for (const auto& x : w) s += cap(x);
  return s;
}
std::string upper(const Words& w) {
  std::string s = snake(w);
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

using Vars = std::map<std::string, std::string>;

// Replaces every @name@ whose name is in `v`; anything else is copied as is.
std::string fill(const std::string& t, const Vars& v) {
  std::string out;
  out.reserve(t.size() + 256);
  for (size_t i = 0; i < t.size(); ++i) {
    if (t[i] == '@') {
      size_t j = i + 1;
      while (j < t.size() && (std::isalnum(static_cast<unsigned char>(t[j])) || t[j] == '_')) ++j;
      if (j < t.size() && t[j] == '@' && j > i + 1) {
        auto it = v.find(t.substr(i + 1, j - i - 1));
        if (it != v.end()) {
          out += it->second;
          i = j;
          continue;
        }
      }
    }
    out += t[i];
  }
  return out;
}

void add_name(Vars& v, const std::string& key, const Words& w) {
  v[key + "_snake"] = snake(w);
  v[key + "_camel"] = camel(w);
  v[key + "_pascal"] = pascal(w);
  v[key + "_upper"] = upper(w);
}

Vars make_vars(Rng& rng, int index) {
  Vars v;
  size_t i1 = rng.below(kNouns.size());
  std::string n1 = kNouns[i1];
  std::string n2 = kNouns[(i1 + 1 + rng.below(kNouns.size() - 1)) % kNouns.size()];
  std::string n3 = kNouns[rng.below(kNouns.size())];
  std::string suffix = kSuffixes[rng.below(kSuffixes.size())];
  std::string pa = kPropWords[rng.below(kPropWords.size())];
  std::string pb = kPropWords[rng.below(kPropWords.size())];
  if (pb == pa) pb = pa == "name" ? "state" : "name";
  v["n1"] = n1;
  v["n2"] = n2;
  v["n3"] = n3;
  v["N1"] = cap(n1);
  v["suffix"] = suffix;
  v["suffix_lc"] = std::string(1, static_cast<char>(std::tolower(suffix[0]))) + suffix.substr(1);
  v["idx"] = std::to_string(index);
  v["val"] = std::to_string(10 + rng.below(990));
  add_name(v, "cls", {n1, n2, suffix});
  for (char& c : v["suffix_lc"]) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  v["cls_doc"] = cap(suffix) + " class for " + n1 + " " + n2 + " records: keeps each " + n1 +
                 "'s " + n2 + " entries and the " + n3 + " they belong to.";
  add_name(v, "const", {"default", n2, "limit"});
  v["const_doc"] = "Module variable: the default " + n2 + " limit for a " + n1 + ".";
  add_name(v, "pa", {n2, pa});
  v["pa_doc"] = "Property: the " + pa + " of " + n2 + " entries held for the " + n1 + ".";
  add_name(v, "pb", {n3, pb});
  v["pb_doc"] = "Property: the " + n3 + " " + pb + " this " + n1 + " " + n2 + " belongs to.";
  for (int m = 0; m < 3; ++m) {
    auto [verb, verbs] = kVerbs[rng.below(kVerbs.size())];
    std::string obj = m == 0 ? n2 : (m == 1 ? n3 : n1);
    std::string k = "m" + std::to_string(m);
    add_name(v, k, m == 2 ? Words{verb, n1, n3} : Words{verb, obj});
    v[k + "_doc"] = "Method that " + std::string(verbs) + " the " + obj + " of a " + n1 +
                    " and returns its " + (m == 1 ? n2 : n3) + ".";
  }
  for (int f = 0; f < 2; ++f) {
    auto [verb, verbs] = kVerbs[rng.below(kVerbs.size())];
    std::string k = "f" + std::to_string(f);
    add_name(v, k, {verb, n1, f == 0 ? n3 : n2});
    v[k + "_doc"] = "Helper function that " + std::string(verbs) + " a " + n1 + " " +
                    (f == 0 ? n3 : n2) + " using the " + n2 + " " + v["suffix_lc"] + ".";
  }
  return v;
}

const char* kPython = R"(""" @N1@ @n2@ module: @cls_doc@ """

# @const_doc@
@const_upper@ = @val@


def @f0_snake@(@n1@, @n3@, limit=@const_upper@):
    """@f0_doc@"""
    total = 0
    for item in @n1@:
        total += len(str(item)) + len(str(@n3@))
    return min(total, limit)


def @f1_snake@(records, @n2@_filter=None):
    """@f1_doc@"""
    if @n2@_filter is None:
        return list(records)
    return [r for r in records if @n2@_filter(r)]


class @cls_pascal@:
    """@cls_doc@"""

    def __init__(self, store):
        self.store = store
        self._@pa_snake@ = 0
        self._@pb_snake@ = "@n3@-@idx@"

    @property
    def @pa_snake@(self):
        """@pa_doc@"""
        return self._@pa_snake@

    @property
    def @pb_snake@(self):
        """@pb_doc@"""
        return self._@pb_snake@

    def @m0_snake@(self, @n3@):
        """@m0_doc@"""
        record = self.store.get(@n3@)
        if record is None:
            return None
        self._@pa_snake@ += 1
        return @f0_snake@(record, @n3@)

    def @m1_snake@(self, key, value):
        """@m1_doc@"""
        self.store[key] = value
        return @f1_snake@(self.store.values())

    def @m2_snake@(self):
        """@m2_doc@"""
        return {"@n2@": self._@pa_snake@, "@n3@": self._@pb_snake@}
)";

const char* kJs = R"(// @N1@ @n2@ module: @cls_doc@
'use strict';

/** @const_doc@ */
const @const_upper@ = @val@;

/**
 * @f0_doc@
 * @param {Array} @n1@ the records
 * @param {string} @n3@ the key
 */
function @f0_camel@(@n1@, @n3@, limit = @const_upper@) {
  let total = 0;
  for (const item of @n1@) {
    total += String(item).length + String(@n3@).length;
  }
  return Math.min(total, limit);
}

/** @f1_doc@ */
function @f1_camel@(records, filter) {
  return filter ? records.filter(filter) : records.slice();
}

/** @cls_doc@ */
class @cls_pascal@ {
  constructor(store) {
    this.store = store;
    this._@pa_camel@ = 0;
    this._@pb_camel@ = '@n3@-@idx@';
  }

  /** @pa_doc@ */
  get @pa_camel@() {
    return this._@pa_camel@;
  }

  /** @pb_doc@ */
  get @pb_camel@() {
    return this._@pb_camel@;
  }

  /** @m0_doc@ */
  @m0_camel@(@n3@) {
    const record = this.store.get(@n3@);
    if (!record) {
      return null;
    }
    this._@pa_camel@ += 1;
    return @f0_camel@(record, @n3@);
  }

  /** @m1_doc@ */
  @m1_camel@(key, value) {
    this.store.set(key, value);
    return @f1_camel@([...this.store.values()]);
  }

  /** @m2_doc@ */
  @m2_camel@() {
    return { @n2@: this._@pa_camel@, @n3@: this._@pb_camel@ };
  }
}

module.exports = { @cls_pascal@, @f0_camel@, @f1_camel@, @const_upper@ };
)";

const char* kTs = R"(// @N1@ @n2@ module: @cls_doc@

/** @const_doc@ */
export const @const_upper@: number = @val@;

/** @f0_doc@ */
export function @f0_camel@(@n1@: unknown[], @n3@: string, limit: number = @const_upper@): number {
  let total = 0;
  for (const item of @n1@) {
    total += String(item).length + @n3@.length;
  }
  return Math.min(total, limit);
}

/** @f1_doc@ */
export function @f1_camel@<T>(records: T[], filter?: (r: T) => boolean): T[] {
  return filter ? records.filter(filter) : records.slice();
}

export interface @cls_pascal@Options {
  /** @pa_doc@ */
  @pa_camel@?: number;
  /** @pb_doc@ */
  @pb_camel@?: string;
}

/** @cls_doc@ */
export class @cls_pascal@ {
  /** @pa_doc@ */
  private @pa_camel@Value: number = 0;
  /** @pb_doc@ */
  public readonly @pb_camel@: string;

  constructor(private readonly store: Map<string, unknown[]>, options: @cls_pascal@Options = {}) {
    this.@pa_camel@Value = options.@pa_camel@ ?? 0;
    this.@pb_camel@ = options.@pb_camel@ ?? '@n3@-@idx@';
  }

  /** @pa_doc@ */
  get @pa_camel@(): number {
    return this.@pa_camel@Value;
  }

  /** @m0_doc@ */
  @m0_camel@(@n3@: string): number | null {
    const record = this.store.get(@n3@);
    if (!record) {
      return null;
    }
    this.@pa_camel@Value += 1;
    return @f0_camel@(record, @n3@);
  }

  /** @m1_doc@ */
  @m1_camel@(key: string, value: unknown[]): unknown[][] {
    this.store.set(key, value);
    return @f1_camel@([...this.store.values()]);
  }

  /** @m2_doc@ */
  @m2_camel@(): Record<string, unknown> {
    return { @n2@: this.@pa_camel@Value, @n3@: this.@pb_camel@ };
  }
}
)";

const char* kGo = R"(// Package @n1@: @cls_doc@
package @n1@

import "fmt"

// @const_pascal@ is the module variable: @const_doc@
const @const_pascal@ = @val@

// @f0_pascal@ is a helper function. @f0_doc@
func @f0_pascal@(@n1@ []string, @n3@ string) int {
	total := 0
	for _, item := range @n1@ {
		total += len(item) + len(@n3@)
	}
	if total > @const_pascal@ {
		return @const_pascal@
	}
	return total
}

// @f1_pascal@ is a helper function. @f1_doc@
func @f1_pascal@(records []string, keep func(string) bool) []string {
	out := make([]string, 0, len(records))
	for _, r := range records {
		if keep == nil || keep(r) {
			out = append(out, r)
		}
	}
	return out
}

// @cls_pascal@ is a @suffix_lc@ struct. @cls_doc@
type @cls_pascal@ struct {
	store map[string][]string
	// @pa_pascal@ property. @pa_doc@
	@pa_pascal@ int
	// @pb_pascal@ property. @pb_doc@
	@pb_pascal@ string
}

// @m0_pascal@ is a method. @m0_doc@
func (s *@cls_pascal@) @m0_pascal@(@n3@ string) (int, error) {
	record, ok := s.store[@n3@]
	if !ok {
		return 0, fmt.Errorf("@n3@ %q not found", @n3@)
	}
	s.@pa_pascal@++
	return @f0_pascal@(record, @n3@), nil
}

// @m1_pascal@ is a method. @m1_doc@
func (s *@cls_pascal@) @m1_pascal@(key string, value []string) []string {
	s.store[key] = value
	return @f1_pascal@(value, nil)
}

// @m2_pascal@ is a method. @m2_doc@
func (s *@cls_pascal@) @m2_pascal@() map[string]interface{} {
	return map[string]interface{}{"@n2@": s.@pa_pascal@, "@n3@": s.@pb_pascal@}
}
)";

const char* kJava = R"(package com.example.@n1@;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** @cls_doc@ */
class @cls_pascal@ {
  /** @const_doc@ */
  public static final int @const_upper@ = @val@;

  /** @pa_doc@ */
  private int @pa_camel@ = 0;

  /** @pb_doc@ */
  private String @pb_camel@ = "@n3@-@idx@";

  private final Map<String, List<String>> store = new HashMap<>();

  /** @f0_doc@ */
  static int @f0_camel@(List<String> @n1@, String @n3@) {
    int total = 0;
    for (String item : @n1@) {
      total += item.length() + @n3@.length();
    }
    return Math.min(total, @const_upper@);
  }

  /** @f1_doc@ */
  static List<String> @f1_camel@(List<String> records) {
    return new ArrayList<>(records);
  }

  /** @pa_doc@ */
  public int get@pa_pascal@() {
    return @pa_camel@;
  }

  /** @pb_doc@ */
  public String get@pb_pascal@() {
    return @pb_camel@;
  }

  /** @m0_doc@ */
  public Integer @m0_camel@(String @n3@) {
    List<String> record = store.get(@n3@);
    if (record == null) {
      return null;
    }
    @pa_camel@++;
    return @f0_camel@(record, @n3@);
  }

  /** @m1_doc@ */
  public List<String> @m1_camel@(String key, List<String> value) {
    store.put(key, value);
    return @f1_camel@(value);
  }

  /** @m2_doc@ */
  public Map<String, Object> @m2_camel@() {
    Map<String, Object> out = new HashMap<>();
    out.put("@n2@", @pa_camel@);
    out.put("@n3@", @pb_camel@);
    return out;
  }
}
)";

const char* kRust = R"(//! @N1@ @n2@ module: @cls_doc@

use std::collections::HashMap;

/// @const_doc@
pub const @const_upper@: usize = @val@;

/// @f0_doc@
pub fn @f0_snake@(@n1@: &[String], @n3@: &str) -> usize {
    let mut total = 0;
    for item in @n1@ {
        total += item.len() + @n3@.len();
    }
    total.min(@const_upper@)
}

/// @f1_doc@
pub fn @f1_snake@(records: &[String]) -> Vec<String> {
    records.iter().filter(|r| !r.is_empty()).cloned().collect()
}

/// @cls_doc@
pub struct @cls_pascal@ {
    store: HashMap<String, Vec<String>>,
    /// @pa_doc@
    pub @pa_snake@: usize,
    /// @pb_doc@
    pub @pb_snake@: String,
}

impl @cls_pascal@ {
    /// @m0_doc@
    pub fn @m0_snake@(&mut self, @n3@: &str) -> Option<usize> {
        let record = self.store.get(@n3@)?;
        self.@pa_snake@ += 1;
        Some(@f0_snake@(record, @n3@))
    }

    /// @m1_doc@
    pub fn @m1_snake@(&mut self, key: String, value: Vec<String>) -> Vec<String> {
        let out = @f1_snake@(&value);
        self.store.insert(key, value);
        out
    }

    /// @m2_doc@
    pub fn @m2_snake@(&self) -> (usize, &str) {
        (self.@pa_snake@, &self.@pb_snake@)
    }
}
)";

const char* kC = R"(/* @N1@ @n2@ module: @cls_doc@ */
#include <stddef.h>
#include <string.h>

/* @const_doc@ */
#define @const_upper@ @val@

/* @cls_doc@ */
struct @cls_snake@ {
    /* @pa_doc@ */
    int @pa_snake@;
    /* @pb_doc@ */
    const char *@pb_snake@;
    const char **store;
    size_t store_len;
};

/* @f0_doc@ */
int @n1@_@f0_snake@(const char **@n1@, size_t n, const char *@n3@)
{
    int total = 0;
    for (size_t i = 0; i < n; i++) {
        total += (int)(strlen(@n1@[i]) + strlen(@n3@));
    }
    return total > @const_upper@ ? @const_upper@ : total;
}

/* @f1_doc@ */
size_t @n1@_@f1_snake@(const char **records, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        if (records[i] && records[i][0]) kept++;
    }
    return kept;
}

/* Method of @cls_snake@. @m0_doc@ */
int @cls_snake@_@m0_snake@(struct @cls_snake@ *self, const char *@n3@)
{
    if (!self->store) return -1;
    self->@pa_snake@++;
    return @n1@_@f0_snake@(self->store, self->store_len, @n3@);
}

/* Method of @cls_snake@. @m1_doc@ */
size_t @cls_snake@_@m1_snake@(struct @cls_snake@ *self)
{
    return @n1@_@f1_snake@(self->store, self->store_len);
}

/* Method of @cls_snake@. @m2_doc@ */
const char *@cls_snake@_@m2_snake@(const struct @cls_snake@ *self)
{
    return self->@pb_snake@;
}
)";

const char* kCpp = R"(// @N1@ @n2@ module: @cls_doc@
#include <algorithm>
#include <map>
#include <string>
#include <vector>

namespace @n1@ {

// @const_doc@
constexpr int @const_pascal@ = @val@;

// @f0_doc@
int @f0_pascal@(const std::vector<std::string>& @n1@, const std::string& @n3@) {
  int total = 0;
  for (const auto& item : @n1@) total += static_cast<int>(item.size() + @n3@.size());
  return std::min(total, @const_pascal@);
}

// @f1_doc@
std::vector<std::string> @f1_pascal@(const std::vector<std::string>& records) {
  std::vector<std::string> out;
  for (const auto& r : records)
    if (!r.empty()) out.push_back(r);
  return out;
}

// @cls_doc@
class @cls_pascal@ {
 public:
  // @pa_doc@
  int @pa_camel@() const { return @pa_snake@_; }
  // @pb_doc@
  const std::string& @pb_camel@() const { return @pb_snake@_; }

  // @m0_doc@
  int @m0_pascal@(const std::string& @n3@) {
    auto it = store_.find(@n3@);
    if (it == store_.end()) return -1;
    ++@pa_snake@_;
    return @f0_pascal@(it->second, @n3@);
  }

  // @m1_doc@
  std::vector<std::string> @m1_pascal@(const std::string& key, std::vector<std::string> value) {
    store_[key] = value;
    return @f1_pascal@(value);
  }

  // @m2_doc@
  std::string @m2_pascal@() const { return "@n2@:" + std::to_string(@pa_snake@_) + " @n3@:" + @pb_snake@_; }

 private:
  std::map<std::string, std::vector<std::string>> store_;
  int @pa_snake@_ = 0;
  std::string @pb_snake@_ = "@n3@-@idx@";
};

}  // namespace @n1@
)";

const char* template_of(L l) {
  switch (l) {
    case L::kPy: return kPython;
    case L::kJs: return kJs;
    case L::kTs: return kTs;
    case L::kGo: return kGo;
    case L::kJava: return kJava;
    case L::kRust: return kRust;
    case L::kC: return kC;
    case L::kCpp: return kCpp;
  }
  return kPython;
}

}  // namespace

const std::vector<std::string>& synthetic_nl_queries() {
  static const std::vector<std::string> q = {
      "validate the payment token of a session",
      "how is the user cache refreshed",
      "parse the config and register the router",
      "compute the invoice total for an order",
      "where is the account profile saved",
  };
  return q;
}

Result<SynthReport> generate_repository(const std::filesystem::path& dir, const SynthOptions& opt) {
  if (opt.files < 1) return InvalidArgument("synthetic repository: file count must be >= 1");
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_empty(dir, ec))
    return InvalidArgument("synthetic repository: " + dir.string() + " exists and is not empty");
  std::filesystem::create_directories(dir, ec);
  if (ec) return IoError("cannot create " + dir.string() + ": " + ec.message());
  Rng rng{opt.seed * 0x2545F4914F6CDD1Dull + 17};
  SynthReport rep;
  std::array<int, kLangs.size()> per_lang{};
  for (int i = 0; i < opt.files; ++i) {
    size_t pick = rng.below(100), li = 0;
    for (int acc = 0; li < kLangs.size(); ++li) {
      acc += kLangs[li].weight;
      if (static_cast<int>(pick) < acc) break;
    }
    if (li >= kLangs.size()) li = 0;
    const LangInfo& lang = kLangs[li];
    Vars v = make_vars(rng, i);
    std::string text = fill(template_of(lang.lang), v);
    // src/<lang>/<noun>/pN/<n2>_<suffix>_<i>.<ext>: at most ~100 files per directory.
    std::filesystem::path rel = std::filesystem::path("src") / lang.name / v["n1"] /
                                ("p" + std::to_string(i / 100)) /
                                (v["n2"] + "_" + v["suffix_lc"] + "_" + std::to_string(i) + "." + lang.ext);
    std::filesystem::path full = dir / rel;
    std::filesystem::create_directories(full.parent_path(), ec);
    if (ec) return IoError("cannot create " + full.parent_path().string() + ": " + ec.message());
    std::ofstream out(full, std::ios::binary);
    out << text;
    out.close();
    if (!out) return IoError("cannot write " + full.string());
    rep.files++;
    rep.bytes += text.size();
    for (char c : text) rep.lines += c == '\n';
    per_lang[li]++;
  }
  for (size_t li = 0; li < kLangs.size(); ++li) rep.languages.emplace_back(kLangs[li].name, per_lang[li]);
  return rep;
}

}  // namespace pampax::bench
