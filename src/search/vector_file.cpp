#include "search/vector_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "util/fault_guard.h"
#include "util/hash.h"

namespace pampax {

// Builds indexes over a mapping (VectorIndex's private constructor and fields).
struct VectorIndexAccess {
  // The ids are copied by the caller (under the fault guard) into `ids`.
  static std::unique_ptr<VectorIndex> mapped(std::shared_ptr<const void> mapping, size_t size,
                                             const std::string& path, std::vector<int64_t> ids,
                                             int dim, const float* scales, const int8_t* codes,
                                             const float* rows, uint64_t fingerprint) {
    std::unique_ptr<VectorIndex> vi(new VectorIndex(dim));
    vi->ids_ = std::move(ids);
    vi->map_lo_ = mapping.get();
    vi->map_len_ = size;
    vi->map_path_ = path;
    vi->scales_ = scales;
    vi->codes_ = codes;
    vi->matrix_ = rows;
    vi->mapping_ = std::move(mapping);
    vi->fingerprint_ = fingerprint;
    return vi;
  }
};

namespace {

constexpr char kMagic[8] = {'P', 'A', 'M', 'P', 'A', 'X', 'V', 'F'};
constexpr uint32_t kVersion = 1;
// Written with this byte order and float layout; a file from another kind of machine fails
// the check and is rebuilt.
constexpr uint32_t kEndianMark = 0x01020304u;

struct Header {
  char magic[8];
  uint32_t version;
  uint32_t endian;
  uint32_t dim;
  uint32_t reserved;
  uint64_t count;
  int64_t generation;
  uint64_t model_hash;
  int64_t chunks;
  uint64_t fingerprint;
  uint64_t payload_hash;
  uint8_t pad[48];
  uint64_t header_hash;  // XXH3 of the 120 bytes before it
};
static_assert(sizeof(Header) == 128, "the vector file header is 128 bytes");

constexpr uint64_t align64(uint64_t x) { return (x + 63) / 64 * 64; }

struct Layout {
  uint64_t ids, scales, codes, rows, size;
};

// Offsets for count rows of dim floats; false when they overflow.
bool layout(uint64_t count, uint64_t dim, Layout* l) {
  if (dim == 0 || dim > (1u << 20) || count > (uint64_t(1) << 40) / dim) return false;
  l->ids = sizeof(Header);
  l->scales = l->ids + 8 * count;
  l->codes = align64(l->scales + 4 * count);
  l->rows = align64(l->codes + count * dim);
  l->size = l->rows + 4 * count * dim;
  return true;
}

uint64_t header_hash(const Header& h) {
  return XXH3_64bits(&h, offsetof(Header, header_hash));
}

std::string hex16(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

std::string vector_file_name(const std::string& model_key) {
  return "vectors-" + hex16(hash64(model_key)) + ".bin";
}

Status write_vector_file(const VectorIndex& vi, const std::string& path, const VectorFileStamp& stamp) {
  namespace fs = std::filesystem;
  if (vi.dim() != stamp.dim || stamp.dim <= 0)
    return InvalidArgument("vector file: the index has dimension " + std::to_string(vi.dim()) +
                           ", the stamp " + std::to_string(stamp.dim));
  if (vi.size() > 0 && (!vi.codes() || !vi.scales()))
    return InvalidArgument("vector file: the index has no int8 codes");
  const uint64_t n = vi.size(), d = static_cast<uint64_t>(vi.dim());
  Layout l;
  if (!layout(n, d, &l)) return InvalidArgument("vector file: too many vectors");
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof kMagic);
  h.version = kVersion;
  h.endian = kEndianMark;
  h.dim = static_cast<uint32_t>(d);
  h.count = n;
  h.generation = stamp.generation;
  h.model_hash = hash64(stamp.model_key);
  h.chunks = stamp.chunks;
  h.fingerprint = vi.fingerprint();

  // Unique per writer: processes by pid, threads of one process (several Engines) by a counter.
  static std::atomic<uint64_t> writers{0};
  const std::string tmp = path + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(writers++);
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return IoError("cannot write " + tmp + ": " + std::strerror(errno));
  XXH3_state_t* st = XXH3_createState();
  XXH3_64bits_reset(st);
  uint64_t at = sizeof(Header);
  bool ok = st != nullptr && std::fwrite(&h, sizeof h, 1, f) == 1;  // rewritten below
  auto put = [&](const void* p, uint64_t bytes) {
    if (!ok || bytes == 0) return;
    ok = std::fwrite(p, 1, bytes, f) == bytes;
    XXH3_64bits_update(st, p, bytes);
    at += bytes;
  };
  auto pad_to = [&](uint64_t off) {
    static const char zeros[64] = {};
    put(zeros, off - at);
  };
  put(vi.ids().data(), 8 * n);
  put(vi.scales(), 4 * n);
  pad_to(l.codes);
  put(vi.codes(), n * d);
  pad_to(l.rows);
  put(vi.row(0), 4 * n * d);
  if (ok) {
    h.payload_hash = XXH3_64bits_digest(st);
    h.header_hash = header_hash(h);
    ok = std::fseek(f, 0, SEEK_SET) == 0 && std::fwrite(&h, sizeof h, 1, f) == 1;
  }
  if (st) XXH3_freeState(st);
  const int err = errno;
  if (std::fclose(f) != 0) ok = false;
  std::error_code ec;
  if (!ok || at != l.size) {
    fs::remove(tmp, ec);
    return IoError("cannot write " + tmp + ": " + std::strerror(err ? err : EIO));
  }
  // No fsync: a file torn by a crash fails the payload hash and is rebuilt from SQLite.
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    const int e = errno;
    fs::remove(tmp, ec);
    return IoError("cannot rename " + tmp + " to " + path + ": " + std::strerror(e));
  }
  const fs::path keep = fs::path(path).filename();
  for (const auto& e : fs::directory_iterator(fs::path(path).parent_path(), ec)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("vectors-", 0) == 0 && e.path().filename() != keep &&
        (name.size() > 4 && name.compare(name.size() - 4, 4, ".bin") == 0))
      fs::remove(e.path(), ec);
  }
  return Status::Ok();
}

Result<std::unique_ptr<VectorIndex>> open_vector_file(const std::string& path,
                                                      const VectorFileStamp& expect,
                                                      int64_t* chunks) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("no vector file " + path);
    return IoError("cannot open " + path + ": " + std::strerror(errno));
  }
  struct stat sb {};
  if (::fstat(fd, &sb) != 0 || sb.st_size < static_cast<off_t>(sizeof(Header))) {
    ::close(fd);
    return Corrupt(path + " is shorter than its header");
  }
  const size_t size = static_cast<size_t>(sb.st_size);
  // MAP_POPULATE: one call maps every (cached) page instead of a fault per page; the payload
  // hash reads them all anyway.
  void* base = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
  ::close(fd);
  if (base == MAP_FAILED) return IoError("cannot map " + path + ": " + std::strerror(errno));
  std::shared_ptr<const void> mapping(base, [size](const void* p) { ::munmap(const_cast<void*>(p), size); });
  const char* bytes = static_cast<const char*>(base);
  // Every read of the mapping is guarded: the file may be truncated by another program at any
  // moment, e.g. between fstat and here (util/fault_guard.h).
  const Status changed = Corrupt(path + " was truncated or changed while being read (by another program)");
  Header h;
  if (!read_guarded(base, size, [&] { std::memcpy(&h, bytes, sizeof h); })) return changed;
  if (std::memcmp(h.magic, kMagic, sizeof kMagic) != 0) return Corrupt(path + " is not a pampax vector file");
  if (h.version != kVersion || h.endian != kEndianMark)
    return Corrupt(path + " was written by another version of pampax or another kind of machine");
  if (h.header_hash != header_hash(h)) return Corrupt(path + ": the header is damaged");
  Layout l;
  if (!layout(h.count, h.dim, &l)) return Corrupt(path + ": impossible sizes in the header");
  if (l.size != size)
    return Corrupt(path + " has " + std::to_string(size) + " bytes, its header says " +
                   std::to_string(l.size) + " (truncated or damaged)");
  if (h.model_hash != hash64(expect.model_key) || h.dim != static_cast<uint32_t>(expect.dim))
    return Unsupported(path + " holds the vectors of another model");
  if (h.generation != expect.generation)
    return Unsupported(path + " is stale (index generation " + std::to_string(h.generation) +
                       ", the index is at " + std::to_string(expect.generation) + ")");
  std::vector<int64_t> ids(h.count);
  uint64_t payload = 0;
  if (!read_guarded(base, size, [&] {
        payload = XXH3_64bits(bytes + sizeof(Header), size - sizeof(Header));
        if (!ids.empty()) std::memcpy(ids.data(), bytes + l.ids, 8 * ids.size());
      }))
    return changed;
  if (payload != h.payload_hash) return Corrupt(path + ": the vectors are damaged (checksum mismatch)");
  if (chunks) *chunks = h.chunks;
  return VectorIndexAccess::mapped(
      mapping, size, path, std::move(ids), static_cast<int>(h.dim),
      reinterpret_cast<const float*>(bytes + l.scales), reinterpret_cast<const int8_t*>(bytes + l.codes),
      reinterpret_cast<const float*>(bytes + l.rows), h.fingerprint);
}

}  // namespace pampax
