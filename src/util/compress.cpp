#include "util/compress.h"

#include <zstd.h>

namespace pampax {

std::string zstd_compress(std::string_view data, int level) {
  // One context per thread: creating a ZSTD_CCtx costs more than compressing a small chunk.
  thread_local ZSTD_CCtx* cctx = ZSTD_createCCtx();
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compressCCtx(cctx, out.data(), out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(n)) return {};  // cannot happen with a bound-sized buffer
  out.resize(n);
  return out;
}

Result<std::string> zstd_decompress(std::string_view frame) {
  thread_local ZSTD_DCtx* dctx = ZSTD_createDCtx();
  unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > (1ull << 31))
    return Corrupt("stored chunk text is not a valid zstd frame");
  std::string out(size, '\0');
  size_t n = ZSTD_decompressDCtx(dctx, out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n) || n != size)
    return Corrupt(std::string("stored chunk text is damaged: ") + ZSTD_getErrorName(n));
  return out;
}

}  // namespace pampax
