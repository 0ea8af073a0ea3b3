// A loopback HTTP server for the HTTP client tests (embedders, rerankers): the first requests
// can be scripted to fail with given statuses, a raw body can replace every answer, and
// otherwise the test's own reply function builds the answer from the parsed JSON request.
#pragma once

#include <httplib.h>

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace pampax::testing {

// What the test scripts and what the server saw. Tests derive from it to record more.
struct ScriptState {
  std::mutex mu;
  std::vector<int> statuses;  // status for request k (200 once exhausted)
  std::string error_body = "{\"error\":\"overloaded, try later\"}";
  std::string raw_body;  // when set, returned verbatim with status 200
  int requests = 0;
  std::string last_auth, last_path;
};

class ScriptedServer {
 public:
  // Called with the state's mutex held, for requests that are neither scripted failures nor
  // answered by raw_body. Returns the JSON body of a 200 answer.
  using Reply = std::function<nlohmann::json(const std::string& path, const nlohmann::json& request)>;

  // Serves POST on each of `paths` at 127.0.0.1 on a free port until destroyed.
  ScriptedServer(ScriptState& s, const std::vector<std::string>& paths, Reply reply)
      : s_(s), reply_(std::move(reply)) {
    for (const auto& p : paths) {
      svr_.Post(p, [this](const httplib::Request& req, httplib::Response& res) {
        std::lock_guard<std::mutex> lock(s_.mu);
        const size_t k = static_cast<size_t>(s_.requests++);
        s_.last_auth = req.get_header_value("Authorization");
        s_.last_path = req.path;
        if (k < s_.statuses.size() && s_.statuses[k] != 200) {
          res.status = s_.statuses[k];
          res.set_content(s_.error_body, "application/json");
          return;
        }
        if (!s_.raw_body.empty()) {
          res.set_content(s_.raw_body, "application/json");
          return;
        }
        res.set_content(reply_(req.path, nlohmann::json::parse(req.body)).dump(), "application/json");
      });
    }
    port_ = svr_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { svr_.listen_after_bind(); });
  }
  ~ScriptedServer() {
    svr_.stop();
    thread_.join();
  }
  ScriptedServer(const ScriptedServer&) = delete;
  ScriptedServer& operator=(const ScriptedServer&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  ScriptState& s_;
  Reply reply_;
  httplib::Server svr_;
  int port_ = -1;
  std::thread thread_;
};

}  // namespace pampax::testing
