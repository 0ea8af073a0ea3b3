// The text a chunk is embedded as, and the hash that keys its vector. The path is left out
// on purpose: a renamed or copied file keeps its vectors (the embedding cache is keyed by this
// hash and the model id, never by location).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace pampax {

inline constexpr size_t kEmbedTextCap = 8192;  // bytes; models truncate far earlier anyway

// "<qualified name>\n<header>\n<body>" without empty parts, cut at kEmbedTextCap (on a UTF-8
// boundary).
std::string embed_text(std::string_view qualified_name, std::string_view header,
                       std::string_view body);
// Never 0 (0 marks "no hash" in the chunks table).
uint64_t embed_hash(std::string_view embed_text);

}  // namespace pampax
