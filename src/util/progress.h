// Progress reporting for long operations. Output goes to stderr only (stdout is results).
#pragma once
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

namespace pampax {

// Receives progress from the index pipeline. Called from one thread at a time.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  virtual void start(const std::string& phase, uint64_t total) = 0;
  virtual void advance(uint64_t done, uint64_t bytes_done) = 0;
  virtual void finish() = 0;
};

// A one-line bar on stderr: "[=====>    ] 1234/5678 files  812 files/s  ETA 7s", redrawn at
// most 10 times a second.
class StderrProgressBar : public ProgressSink {
 public:
  void start(const std::string& phase, uint64_t total) override;
  void advance(uint64_t done, uint64_t bytes_done) override;
  void finish() override;

 private:
  void draw(bool final);
  std::string phase_;
  uint64_t total_ = 0, done_ = 0, bytes_ = 0;
  std::chrono::steady_clock::time_point t0_, last_draw_;
  bool drawn_ = false;
};

}  // namespace pampax
