// The vector file: a copy of the index's vectors for one model, laid out for searching, kept
// next to the index (`.pampax/vectors-<16 hex digits of XXH3(model key)>.bin`) so that a cold
// process maps it read-only instead of reading every vector row from SQLite (docs/DESIGN.md,
// vector search). SQLite stays the source of truth: the file is a cache, written at the end of
// an embedding pass (and by a search that had to load from SQLite), and used only when it
// belongs to the index as it is now.
//
// Layout (little-endian, this machine's float format; all offsets 64-byte aligned):
//   header (128 bytes): magic "PAMPAXVF", version, dim, count, index generation, XXH3 of the
//                       model key, chunk count, fingerprint (VectorIndex::fingerprint()),
//                       XXH3 of the payload, XXH3 of the header's preceding bytes
//   ids    int64[count]      chunk ids, rows in (path, start_line) order
//   scales float[count]      int8 scale per row
//   codes  int8[count*dim]   int8 rows
//   rows   float[count*dim]  f32 rows (exact rescoring)
//
// Validation on open: size, magic, version, header hash, model, dimension and generation must
// match, and the payload hash is checked over the whole mapping before any row is used, so a
// truncated, damaged or stale file is refused (and the caller falls back to SQLite), never
// searched.
// Threading: the functions are free of shared state; the returned index is like any other.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "search/vector_index.h"
#include "util/status.h"

namespace pampax {

// What a vector file must have been written for.
struct VectorFileStamp {
  std::string model_key;   // meta embed_model ("<model id>|<dim>")
  int dim = 0;
  int64_t generation = 0;  // IndexStore::generation() the rows were read at
  int64_t chunks = 0;      // chunks in the index at that generation (with or without a vector)
};

// "vectors-<hex>.bin" for a model key.
std::string vector_file_name(const std::string& model_key);

// Writes `vi` (built with the int8 scan) to `path` through a temporary file in the same
// directory renamed into place; other "vectors-*.bin" files of that directory are removed.
// Errors: kIoError (the directory cannot take it; nothing is left behind), kInvalidArgument
// when `vi` has no int8 codes or its dimension differs from the stamp's.
Status write_vector_file(const VectorIndex& vi, const std::string& path, const VectorFileStamp& stamp);

// Maps `path` and returns an index over it (the int8 scan and f32 rescoring read the mapping).
// `expect.chunks` is not compared: the file's own count is stored in *chunks when given.
// kNotFound: no file. kCorrupt: truncated, damaged, or written by another format/machine.
// kUnsupported: valid but stale (another generation, model or dimension): rewrite it.
// Writers replace the file by rename; if another program truncates it while it is mapped,
// reads fail cleanly instead of killing the process (util/fault_guard.h): here kCorrupt
// ("truncated or changed while being read"), later VectorIndex::search's kCorrupt with
// lost() true.
Result<std::unique_ptr<VectorIndex>> open_vector_file(const std::string& path,
                                                      const VectorFileStamp& expect,
                                                      int64_t* chunks = nullptr);

}  // namespace pampax
