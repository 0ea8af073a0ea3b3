#include "util/fault_guard.h"

#include <setjmp.h>
#include <signal.h>

#include <cstdint>
#include <cstring>
#include <mutex>

namespace pampax {
namespace {

// The armed guard of this thread (null: none). Constant-initialised, so reading it in the
// handler touches no lazily allocated storage.
struct Armed {
  sigjmp_buf jump;
  uintptr_t lo, hi;
  Armed* outer;  // the guard this one is nested in
};
thread_local Armed* t_armed = nullptr;

struct sigaction g_previous;  // the SIGBUS disposition before ours (written once, then read)

void on_sigbus(int sig, siginfo_t* info, void* uctx) {
  // si_code > 0: raised by the kernel for a fault of this thread (not sent by kill/sigqueue).
  if (info && info->si_code > 0) {
    const uintptr_t at = reinterpret_cast<uintptr_t>(info->si_addr);
    for (Armed* a = t_armed; a; a = a->outer)
      if (at >= a->lo && at < a->hi) siglongjmp(a->jump, 1);
  }
  // Not ours: whatever was there before.
  if ((g_previous.sa_flags & SA_SIGINFO) && g_previous.sa_sigaction) {
    g_previous.sa_sigaction(sig, info, uctx);
    return;
  }
  if (g_previous.sa_handler != SIG_DFL && g_previous.sa_handler != SIG_IGN) {
    g_previous.sa_handler(sig);
    return;
  }
  if (g_previous.sa_handler == SIG_IGN && info && info->si_code <= 0) return;  // a sent, ignored signal
  // The default action. A fault re-executes the instruction on return and faults again, now
  // without a handler; a sent signal is raised again (blocked until this handler returns).
  struct sigaction dfl;
  std::memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaction(SIGBUS, &dfl, nullptr);
  if (!info || info->si_code <= 0) raise(SIGBUS);
}

void install() {
  struct sigaction sa;
  std::memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_sigbus;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGBUS, &sa, &g_previous);
}

}  // namespace

namespace detail {

bool read_guarded_impl(const void* lo, size_t len, void (*fn)(void*), void* ctx) {
  static std::once_flag once;
  std::call_once(once, install);
  Armed* outer = t_armed;
  Armed a;
  a.lo = reinterpret_cast<uintptr_t>(lo);
  a.hi = a.lo + len;
  a.outer = outer;
  // savemask 1: the handler runs with SIGBUS blocked; the jump back must unblock it.
  if (sigsetjmp(a.jump, 1) != 0) {
    t_armed = outer;
    return false;
  }
  t_armed = &a;
  fn(ctx);
  t_armed = outer;
  return true;
}

}  // namespace detail
}  // namespace pampax
