// Guarded reads of a memory-mapped file. When another process truncates a file that this
// process has mapped, the kernel answers the first touch of a page past the new end with
// SIGBUS, whose default action kills the process (a long-running `pampax serve` or MCP server
// with it). read_guarded() turns such a fault into a false return instead.
//
// How: the first call installs one process-wide SIGBUS handler (sigaction, SA_SIGINFO). A
// guard arms a thread-local jump buffer for the duration of `fn`; a SIGBUS raised by this
// thread while it is armed, at an address inside [lo, lo + len), jumps back out of `fn` and
// read_guarded() returns false. Every other SIGBUS (another address, another thread, no guard
// armed, or one sent with kill) goes to the handler that was installed before ours, or gets
// the default action (the process dies exactly as it would have without the guard).
//
// REQUIRES of fn: plain reads of the guarded range and writes to memory owned by the caller.
// No allocation, no locks, no objects whose destructors must run: a fault leaves fn at the
// faulting instruction, skipping the rest of it (and any destructor inside it). Results that
// fn wrote before the fault are partial; the caller discards them when false is returned.
// Threading: any thread, concurrently; guards nest (the innermost one answers). Not for use
// inside a signal handler.
#pragma once
#include <cstddef>
#include <utility>

namespace pampax {

namespace detail {
bool read_guarded_impl(const void* lo, size_t len, void (*fn)(void*), void* ctx);
}

// Runs fn(); false when a SIGBUS at an address inside [lo, lo + len) ended it early.
template <class F>
bool read_guarded(const void* lo, size_t len, F&& fn) {
  using Fn = std::remove_reference_t<F>;
  return detail::read_guarded_impl(
      lo, len, [](void* c) { (*static_cast<Fn*>(c))(); }, const_cast<void*>(static_cast<const void*>(&fn)));
}

}  // namespace pampax
