// Storage glue of the builtin embedder (embed/builtin_model.h): trains the word vectors from
// an index's chunks and keeps them in the index (table builtin_words, meta "builtin_model" =
// model id, "builtin_trained_chunks" = chunk count at training), and opens an embedder over them.
// Threading: like IndexStore, one thread at a time per store.
#pragma once
#include <memory>

#include "embed/builtin_model.h"
#include "embed/embedder.h"
#include "store/index_store.h"
#include "util/progress.h"
#include "util/status.h"

namespace pampax {

// Training samples o.sample_chunks chunks evenly by id. (Re)trains when the index has no model, when `force`, or when the number of chunks moved by
// more than 25% since the last training; otherwise keeps the model (and so every vector). A
// new model has a new id, so the embedding pass recomputes every vector. Sets *trained.
// Errors: the store's.
Status train_builtin_if_needed(IndexStore& store, bool force, bool* trained,
                               const BuiltinTrainOptions& o = {});

// The embedder over the stored model. kNotFound when the index has no builtin model yet.
// `preload`: read every word vector now (for embedding many chunks; documents are then
// embedded on `threads` threads, 0 = all cores, with the same vectors for every count);
// otherwise each distinct term is looked up when first seen (a query needs a handful).
Result<std::unique_ptr<Embedder>> open_builtin_embedder(IndexStore& store, bool preload, int threads = 1);

}  // namespace pampax
