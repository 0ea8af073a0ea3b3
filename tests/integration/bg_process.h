// A child process running in the background for integration tests (watch mode, concurrent
// searches, killed indexers): stdout and stderr go to files that the test reads while it runs.
#pragma once
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "../test_util.h"

namespace pampax::testing {

class BgProcess {
 public:
  // Starts argv; its stdout/stderr are written to out_path/err_path.
  BgProcess(const std::vector<std::string>& argv, std::filesystem::path out_path,
            std::filesystem::path err_path)
      : out_(std::move(out_path)), err_(std::move(err_path)) {
    pid_ = fork();
    if (pid_ == 0) {
      int o = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int e = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int in = ::open("/dev/null", O_RDONLY);
      dup2(in, 0);
      dup2(o, 1);
      dup2(e, 2);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      execv(args[0], args.data());
      _exit(127);
    }
  }
  ~BgProcess() {
    if (running()) {
      kill(pid_, SIGKILL);
      wait_exit(std::chrono::seconds(10));
    }
  }
  BgProcess(const BgProcess&) = delete;
  BgProcess& operator=(const BgProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running() {
    if (exited_) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) record(status);
    return !exited_;
  }
  void signal(int sig) { kill(pid_, sig); }
  // Waits up to `limit` for the exit; returns the exit code (-signal when killed), or
  // INT32_MIN when it is still running.
  int wait_exit(std::chrono::milliseconds limit) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (running()) {
      if (std::chrono::steady_clock::now() > deadline) return INT32_MIN;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return code_;
  }
  std::string out() const { return read_all(out_); }
  std::string err() const { return read_all(err_); }

 private:
  void record(int status) {
    exited_ = true;
    code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
  }
  std::filesystem::path out_, err_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = 0;
};

// Polls `pred` every 20 ms until it holds or `limit` passes; returns whether it held.
inline bool wait_until(const std::function<bool()>& pred,
                       std::chrono::milliseconds limit = std::chrono::seconds(60)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace pampax::testing
