#include "mcp/stdio.h"

#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <thread>
#include <vector>

namespace pampax::mcp {

namespace {

class LineWriter {
 public:
  explicit LineWriter(int fd) : fd_(fd) {}
  void write(const json& msg) {
    std::string line = serialize(msg);
    line.push_back('\n');
    std::lock_guard<std::mutex> l(mu_);
    if (broken_) return;
    size_t off = 0;
    while (off < line.size()) {
      ssize_t n = ::write(fd_, line.data() + off, line.size() - off);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        broken_ = true;  // the client is gone; the reader will see EOF
        return;
      }
      off += static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
  std::mutex mu_;
  bool broken_ = false;
};

class WorkQueue {
 public:
  void push(json m) {
    {
      std::lock_guard<std::mutex> l(mu_);
      q_.push_back(std::move(m));
    }
    cv_.notify_one();
  }
  bool pop(json* m) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return closed_ || !q_.empty(); });
    if (q_.empty()) return false;
    *m = std::move(q_.front());
    q_.pop_front();
    return true;
  }
  void close() {
    {
      std::lock_guard<std::mutex> l(mu_);
      closed_ = true;
    }
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<json> q_;
  bool closed_ = false;
};

}  // namespace

int serve_stdio(McpServer& server, int in_fd, int out_fd, int workers) {
  LineWriter out(out_fd);
  Session session(server);
  Emit emit = [&out](const json& m) { out.write(m); };
  WorkQueue queue;
  std::vector<std::thread> pool;
  for (int i = 0; i < std::max(1, workers); ++i)
    pool.emplace_back([&] {
      json m;
      while (queue.pop(&m)) session.handle(m, emit);
    });

  std::string buf, line;
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(in_fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    buf.append(chunk, static_cast<size_t>(n));
    size_t start = 0, nl;
    while ((nl = buf.find('\n', start)) != std::string::npos) {
      std::string_view l(buf.data() + start, nl - start);
      start = nl + 1;
      if (l.find_first_not_of(" \t\r") == std::string_view::npos) continue;
      json msg = json::parse(l, nullptr, false);
      if (msg.is_discarded()) {
        emit(make_error(nullptr, kParseError, "parse error: the line is not valid JSON"));
        continue;
      }
      if (Session::runs_long(msg))
        queue.push(std::move(msg));
      else
        session.handle(msg, emit);
    }
    buf.erase(0, start);
  }
  // A last line without its newline still counts.
  if (buf.find_first_not_of(" \t\r\n") != std::string::npos) session.handle_line(buf, emit);
  // Requests already received still get their answers (`printf ... | pampax mcp` works); a
  // client that wants a fast exit after closing the pipe may kill us: every write is
  // committed in batches, so an interrupted index run loses nothing.
  queue.close();
  for (auto& t : pool) t.join();
  return 0;
}

}  // namespace pampax::mcp
