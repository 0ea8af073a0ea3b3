// util/fault_guard.h against real faults: a file mapped, then truncated with ftruncate, then
// read. Guarded reads of the lost pages return false and the process goes on; unguarded reads
// (or reads at an address outside the guarded range) still get the action that was there
// before: the default (death by SIGBUS) or a handler installed earlier.
#include "util/fault_guard.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "../test_util.h"

namespace pampax {
namespace {

using testing::TempDir;

// A file of `pages` pages of byte 7, mapped read-only (MAP_PRIVATE|MAP_POPULATE, as the
// vector file is), with its descriptor kept for truncating it.
struct Mapped {
  Mapped(const TempDir& d, const std::string& name, size_t pages) {
    len = pages * static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    path = (d / name).string();
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    std::string bytes(len, '\7');
    EXPECT_EQ(::write(fd, bytes.data(), len), static_cast<ssize_t>(len));
    void* p = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    EXPECT_NE(p, MAP_FAILED);
    base = static_cast<const unsigned char*>(p);
  }
  ~Mapped() {
    ::munmap(const_cast<unsigned char*>(base), len);
    ::close(fd);
  }
  void truncate(size_t to) { ASSERT_EQ(::ftruncate(fd, static_cast<off_t>(to)), 0); }
  // Sum of every byte (volatile reads: every page is touched).
  unsigned sum() const {
    unsigned s = 0;
    const volatile unsigned char* p = base;
    for (size_t i = 0; i < len; i += 512) s += p[i];
    return s;
  }
  std::string path;
  int fd = -1;
  size_t len = 0;
  const unsigned char* base = nullptr;
};

TEST(FaultGuard, ReadsOfAnIntactMappingSucceed) {
  TempDir d;
  Mapped m(d, "f", 4);
  unsigned s = 0;
  EXPECT_TRUE(read_guarded(m.base, m.len, [&] { s = m.sum(); }));
  EXPECT_EQ(s, 7u * (m.len / 512));
}

TEST(FaultGuard, ReadsOfATruncatedMappingReturnFalseAndTheProcessGoesOn) {
  TempDir d;
  Mapped m(d, "f", 8);
  const size_t page = m.len / 8;
  m.truncate(3 * page);  // pages 3..7 are gone
  unsigned s = 0;
  EXPECT_FALSE(read_guarded(m.base, m.len, [&] { s = m.sum(); }));
  // The pages still in the file read fine; the lost ones fail every time, not only the first.
  unsigned head = 0;
  EXPECT_TRUE(read_guarded(m.base, m.len, [&] {
    for (size_t i = 0; i < 3 * page; i += 512) head += static_cast<const volatile unsigned char*>(m.base)[i];
  }));
  EXPECT_EQ(head, 7u * (3 * page / 512));
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(read_guarded(m.base, m.len, [&] { s = m.sum(); }));
  m.truncate(0);
  EXPECT_FALSE(read_guarded(m.base, m.len, [&] { s = m.sum(); }));
}

TEST(FaultGuard, NestedGuardsTheMatchingOneAnswers) {
  TempDir d;
  Mapped a(d, "a", 2), b(d, "b", 2);
  b.truncate(0);
  bool inner = true;
  unsigned s = 0;
  // The fault is in b, guarded by the outer guard only: the outer one returns false.
  EXPECT_FALSE(read_guarded(b.base, b.len, [&] {
    inner = read_guarded(a.base, a.len, [&] { s = b.sum(); });
  }));
  EXPECT_TRUE(inner) << "the inner guard did not return at all (unchanged)";
  // And the inner one answers for its own range.
  bool outer_ok = read_guarded(a.base, a.len, [&] {
    inner = read_guarded(b.base, b.len, [&] { s = b.sum(); });
  });
  EXPECT_TRUE(outer_ok);
  EXPECT_FALSE(inner);
}

TEST(FaultGuard, ThreadsFaultingAtOnceEachGetFalse) {
  TempDir d;
  Mapped m(d, "f", 16);
  m.truncate(0);
  std::atomic<int> failed{0}, ok{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 50; ++i) {
        unsigned s = 0;
        if (read_guarded(m.base, m.len, [&] { s = m.sum(); })) ++ok;
        else ++failed;
      }
    });
  for (auto& t : ts) t.join();
  EXPECT_EQ(failed.load(), 200);
  EXPECT_EQ(ok.load(), 0);
}

// Death of a child: by SIGBUS, or (under a sanitizer, whose own SIGBUS handler reports the
// fault and exits) with a non-zero status.
bool died_of_sigbus(int status) {
  if (WIFSIGNALED(status)) return WTERMSIG(status) == SIGBUS;
#if defined(__SANITIZE_ADDRESS__)
  return WIFEXITED(status) && WEXITSTATUS(status) != 0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
  return WIFEXITED(status) && WEXITSTATUS(status) != 0;
#endif
#endif
  return false;
}

TEST(FaultGuardDeathTest, UnguardedFaultsStillKill) {
  TempDir d;
  Mapped m(d, "f", 2);
  unsigned s = 0;
  ASSERT_TRUE(read_guarded(m.base, m.len, [&] { s = m.sum(); }));  // the handler is installed
  m.truncate(0);
  EXPECT_EXIT({ s = m.sum(); std::_Exit(s == 12345 ? 3 : 4); }, died_of_sigbus, "");
  // A guard for another range does not swallow it either.
  Mapped other(d, "g", 2);
  EXPECT_EXIT(
      {
        read_guarded(other.base, other.len, [&] { s = m.sum(); });
        std::_Exit(5);
      },
      died_of_sigbus, "");
}

void exit_42(int) { std::_Exit(42); }

TEST(FaultGuardDeathTest, FaultsOutsideAGuardGoToTheHandlerInstalledBefore) {
  // "threadsafe": the child runs this test again from exec, so the handler below is installed
  // before ours (a forked child would inherit ours from earlier tests).
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  TempDir d;
  Mapped m(d, "f", 2);
  m.truncate(0);
  EXPECT_EXIT(
      {
        struct sigaction sa {};
        sa.sa_handler = exit_42;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGBUS, &sa, nullptr);
        unsigned s = 0;
        if (read_guarded(m.base, m.len, [&] { s = m.sum(); })) std::_Exit(6);  // ours, chained
        s = m.sum();
        std::_Exit(7);
      },
      ::testing::ExitedWithCode(42), "");
}

}  // namespace
}  // namespace pampax
