#include "util/compress.h"

#include <zstd.h>

namespace pampax {
namespace {

// One context per thread: creating one costs more than compressing a small text. Freed when
// the thread exits.
struct CCtx {
  ZSTD_CCtx* p = ZSTD_createCCtx();
  ~CCtx() { ZSTD_freeCCtx(p); }
};
struct DCtx {
  ZSTD_DCtx* p = ZSTD_createDCtx();
  ~DCtx() { ZSTD_freeDCtx(p); }
};

}  // namespace

std::string zstd_compress(std::string_view data, int level) {
  thread_local CCtx ctx;
  ZSTD_CCtx* cctx = ctx.p;
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compressCCtx(cctx, out.data(), out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(n)) return {};  // cannot happen with a bound-sized buffer
  out.resize(n);
  return out;
}

Result<std::string> zstd_decompress(std::string_view frame) {
  thread_local DCtx ctx;
  ZSTD_DCtx* dctx = ctx.p;
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
