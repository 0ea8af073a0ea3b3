#include "util/progress.h"

#include <cstdio>

namespace pampax {

void StderrProgressBar::start(const std::string& phase, uint64_t total) {
  phase_ = phase;
  total_ = total;
  done_ = bytes_ = 0;
  t0_ = std::chrono::steady_clock::now();
  last_draw_ = {};
  drawn_ = false;
}

void StderrProgressBar::advance(uint64_t done, uint64_t bytes_done) {
  done_ = done;
  bytes_ = bytes_done;
  auto now = std::chrono::steady_clock::now();
  if (now - last_draw_ >= std::chrono::milliseconds(100)) {
    last_draw_ = now;
    draw(false);
  }
}

void StderrProgressBar::finish() {
  if (drawn_) {
    draw(true);
    std::fputc('\n', stderr);
  }
}

void StderrProgressBar::draw(bool final) {
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  double rate = secs > 0 ? static_cast<double>(done_) / secs : 0;
  double frac = total_ ? static_cast<double>(done_) / static_cast<double>(total_) : 1.0;
  constexpr int kWidth = 28;
  int fill = static_cast<int>(frac * kWidth);
  char bar[kWidth + 1];
  for (int i = 0; i < kWidth; ++i) bar[i] = i < fill ? '=' : (i == fill ? '>' : ' ');
  bar[kWidth] = 0;
  double eta = rate > 0 ? static_cast<double>(total_ - done_) / rate : 0;
  std::fprintf(stderr, "\r%s [%s] %llu/%llu files  %.0f files/s  %.1f MB/s  %s%.0fs   ",
               phase_.c_str(), bar, static_cast<unsigned long long>(done_),
               static_cast<unsigned long long>(total_), rate,
               secs > 0 ? static_cast<double>(bytes_) / 1e6 / secs : 0.0,
               final ? "took " : "ETA ", final ? secs : eta);
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace pampax
