#include "embed/gguf_reranker.h"

#include <llama.h>

#include <algorithm>
#include <cmath>

#include "embed/gguf_runtime.h"

namespace pampax {
namespace {

// How a (query, document) pair becomes one token sequence: fixed pieces with a slot for the
// query and one for the document between them.
struct PairLayout {
  enum Kind { kTokens, kQuery, kDocument };
  struct Piece {
    Kind kind;
    std::vector<llama_token> tokens;  // kTokens only
  };
  std::vector<Piece> pieces;
  size_t fixed_tokens = 0;  // tokens of the kTokens pieces
  int query_slots = 0;      // how many times the query appears
};

class GgufReranker final : public Reranker {
 public:
  GgufReranker(std::unique_ptr<gguf::Session> session, PairLayout layout, RerankerInfo info)
      : session_(std::move(session)), layout_(std::move(layout)), info_(std::move(info)) {}

  const RerankerInfo& info() const override { return info_; }

  Result<std::vector<float>> score(const std::string& query,
                                   const std::vector<std::string>& documents) override {
    if (query.find_first_not_of(" \t\r\n") == std::string::npos)
      return InvalidArgument("the rerank query is empty");
    // parse_special=false: a query or document spelling "[SEP]" is text, never a control.
    auto q = session_->tokenize(query, false, false);
    if (!q.ok()) return q.status();
    const size_t max = static_cast<size_t>(info_.max_tokens);
    const size_t room = max - layout_.fixed_tokens;  // >= query_slots + 1 (checked at open)
    // The query keeps at most half of the pair, the document the rest.
    const size_t q_max = std::max<size_t>(1, std::min(room - 1, max / 2) /
                                                 static_cast<size_t>(std::max(1, layout_.query_slots)));
    if (q->size() > q_max) q->resize(q_max);
    const size_t d_max = room - q->size() * static_cast<size_t>(layout_.query_slots);

    std::vector<std::vector<llama_token>> seqs(documents.size());
    for (size_t i = 0; i < documents.size(); ++i) {
      auto d = session_->tokenize(documents[i], false, false);
      if (!d.ok()) return d.status();
      if (d->size() > d_max) d->resize(d_max);
      std::vector<llama_token>& s = seqs[i];
      s.reserve(layout_.fixed_tokens + q->size() + d->size());
      for (const PairLayout::Piece& p : layout_.pieces) {
        const std::vector<llama_token>& src =
            p.kind == PairLayout::kTokens ? p.tokens : p.kind == PairLayout::kQuery ? *q : *d;
        s.insert(s.end(), src.begin(), src.end());
      }
    }
    std::vector<float> out(documents.size(), 0.0f);
    std::vector<char> seen(documents.size(), 0);
    PAMPAX_RETURN_IF_ERROR(session_->run(seqs, [&](size_t i, const float* e) {
      out[i] = e[0];
      seen[i] = 1;
    }));
    for (size_t i = 0; i < documents.size(); ++i) {
      if (!seen[i]) return Internal("llama.cpp produced no score for document " + std::to_string(i));
      if (!std::isfinite(out[i]))
        return Internal("the reranker produced a non-finite score for document " +
                        std::to_string(i) + "; the model file may be damaged");
    }
    return out;
  }

 private:
  std::unique_ptr<gguf::Session> session_;
  PairLayout layout_;
  RerankerInfo info_;
};

// The file's rerank template split at {query} and {document}; its own text may name control
// tokens (parse_special). Fails when the template has no {document}.
Result<PairLayout> layout_from_template(const gguf::Session& s, const std::string& tmpl) {
  PairLayout l;
  size_t pos = 0;
  bool has_document = false;
  while (pos <= tmpl.size()) {
    const size_t qp = tmpl.find("{query}", pos), dp = tmpl.find("{document}", pos);
    const size_t next = std::min(qp, dp);
    const std::string literal = tmpl.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
    if (!literal.empty()) {
      auto t = s.tokenize(literal, false, true);
      if (!t.ok()) return t.status();
      l.fixed_tokens += t->size();
      l.pieces.push_back({PairLayout::kTokens, std::move(t).value()});
    }
    if (next == std::string::npos) break;
    if (next == qp) {
      l.pieces.push_back({PairLayout::kQuery, {}});
      ++l.query_slots;
      pos = qp + 7;
    } else {
      l.pieces.push_back({PairLayout::kDocument, {}});
      has_document = true;
      pos = dp + 10;
    }
  }
  if (!has_document) return Unsupported("the model's rerank template has no {document} slot");
  return l;
}

// The pair as llama.cpp's server builds it without a template.
PairLayout default_layout(const llama_vocab* v) {
  PairLayout l;
  llama_token eos = llama_vocab_eos(v);
  if (eos == LLAMA_TOKEN_NULL) eos = llama_vocab_sep(v);
  auto fixed = [&](std::vector<llama_token> t) {
    if (t.empty()) return;
    l.fixed_tokens += t.size();
    l.pieces.push_back({PairLayout::kTokens, std::move(t)});
  };
  if (llama_vocab_get_add_bos(v)) fixed({llama_vocab_bos(v)});
  l.pieces.push_back({PairLayout::kQuery, {}});
  l.query_slots = 1;
  std::vector<llama_token> mid;
  if (llama_vocab_get_add_eos(v)) mid.push_back(eos);
  if (llama_vocab_get_add_sep(v)) mid.push_back(llama_vocab_sep(v));
  fixed(mid);
  l.pieces.push_back({PairLayout::kDocument, {}});
  if (llama_vocab_get_add_eos(v)) fixed({eos});
  return l;
}

}  // namespace

Result<std::unique_ptr<Reranker>> open_gguf_reranker(const GgufRerankOptions& options) {
  auto file = gguf::inspect_model(options.model_path);
  if (!file.ok()) return file.status();
  const std::string& fname = file->file_name;
  if (!file->has_pooling || file->pooling != LLAMA_POOLING_TYPE_RANK) {
    return Unsupported(fname + " ('" + file->arch + "' architecture, " +
                       (file->has_pooling
                            ? std::string(gguf::pooling_name(
                                  static_cast<enum llama_pooling_type>(file->pooling))) +
                                  " pooling"
                            : std::string("no pooling")) +
                       ") is not a reranker: a rerank GGUF declares rank pooling (a cross-encoder "
                       "such as ms-marco-MiniLM-L-6-v2 or bge-reranker converted by llama.cpp)");
  }
  gguf::SessionOptions so;
  so.threads = options.threads;
  so.batch_tokens = options.batch_tokens;
  so.max_tokens = options.max_tokens;
  auto session = gguf::Session::open(*file, so);
  if (!session.ok()) return session.status();
  if ((*session)->pooling() != LLAMA_POOLING_TYPE_RANK) {
    return Unsupported(fname + " did not load with rank pooling (" +
                       gguf::pooling_name((*session)->pooling()) + ")");
  }
  PairLayout layout;
  if (const char* tmpl = llama_model_chat_template((*session)->model(), "rerank")) {
    auto l = layout_from_template(**session, tmpl);
    if (!l.ok()) return Status(l.status().code(), fname + ": " + l.status().message());
    layout = std::move(l).value();
  } else {
    layout = default_layout((*session)->vocab());
  }
  RerankerInfo info;
  info.max_tokens = (*session)->max_tokens();
  if (layout.fixed_tokens + static_cast<size_t>(layout.query_slots) + 1 >
      static_cast<size_t>(info.max_tokens)) {
    return InvalidArgument("max_tokens " + std::to_string(info.max_tokens) +
                           " leaves no room for the query and the document of " + fname);
  }
  info.model_id = "gguf:" + fname + ":" + file->fingerprint + ":rank";
  return std::unique_ptr<Reranker>(std::make_unique<GgufReranker>(
      std::move(session).value(), std::move(layout), std::move(info)));
}

}  // namespace pampax
