#include "embed/embed_text.h"

#include "util/hash.h"
#include "util/text.h"

namespace pampax {

std::string embed_text(std::string_view qualified_name, std::string_view header,
                       std::string_view body) {
  std::string out;
  out.reserve(std::min(kEmbedTextCap, qualified_name.size() + header.size() + body.size() + 2));
  for (std::string_view part : {qualified_name, header, body}) {
    if (part.empty()) continue;
    if (!out.empty()) out += '\n';
    out += part;
    if (out.size() >= kEmbedTextCap) break;
  }
  if (out.size() > kEmbedTextCap) out.resize(utf8_floor(out, kEmbedTextCap));
  return out;
}

uint64_t embed_hash(std::string_view text) {
  uint64_t h = hash64(text);
  return h == 0 ? 1 : h;
}

}  // namespace pampax
