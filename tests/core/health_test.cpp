// check_health on real trees and index files: missing, fresh, stale, damaged, and with an
// embedder that cannot run.
#include "core/health.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "../test_util.h"
#include "core/engine.h"
#include "embed/config.h"

namespace pampax {
namespace {

using testing::TempDir;

const HealthCheck* find(const HealthReport& r, const std::string& name) {
  for (const HealthCheck& c : r.checks)
    if (c.name == name) return &c;
  return nullptr;
}

std::string dump(const HealthReport& r) {
  std::string s = r.status() + "\n";
  for (const auto& c : r.checks) s += c.name + " " + c.status + ": " + c.detail + " | " + c.fix + "\n";
  return s;
}

// Every check but the machine's own (disk, memory) has `status`.
void expect_index_checks(const HealthReport& r, const std::string& status) {
  for (const HealthCheck& c : r.checks) {
    if (c.name != "disk" && c.name != "memory" && c.name != "freshness" && c.name != "embeddings") {
      EXPECT_EQ(c.status, status) << dump(r);
    }
  }
}

void make_indexed_repo(const TempDir& d) {
  d.write("a.py", "def alpha():\n    return 1\n");
  d.write("b.py", "def beta():\n    return 2\n");
  d.write("c.py", "def gamma():\n    return 3\n");
  auto e = Engine::open(d.path(), Engine::Mode::kWrite);
  ASSERT_TRUE(e.ok()) << e.status().message();
  ASSERT_TRUE((*e)->index({}).ok());
}

TEST(Health, NoIndexSaysHowToCreateOne) {
  TempDir d;
  d.write("a.py", "x = 1\n");
  HealthReport r = check_health(d.path());
  EXPECT_EQ(r.status(), "unhealthy");
  EXPECT_EQ(r.exit_code(), 1);
  EXPECT_FALSE(r.index_present);
  const HealthCheck* c = find(r, "index");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status, "error");
  EXPECT_EQ(c->fix, "pampax index " + r.root);
  EXPECT_NE(find(r, "disk"), nullptr);  // the machine is still reported

  HealthReport missing = check_health(d / "no-such-dir");
  EXPECT_EQ(missing.exit_code(), 1);
}

TEST(Health, FreshIndexIsHealthyThenStaleAfterEdits) {
  TempDir d;
  make_indexed_repo(d);
  HealthReport r = check_health(d.path());
  expect_index_checks(r, "ok");
  EXPECT_EQ(find(r, "freshness")->status, "ok") << dump(r);
  EXPECT_EQ(r.quick_check, "ok");
  EXPECT_EQ(r.schema_version, kSchemaVersion);
  EXPECT_FALSE(r.index_format.empty());
  EXPECT_TRUE(r.embedder_ready);
  EXPECT_EQ(r.files_new + r.files_changed + r.files_deleted, 0);
  EXPECT_GT(r.index_bytes, 0u);
  if (find(r, "disk")->status == "ok" && find(r, "memory")->status == "ok") {
    EXPECT_EQ(r.status(), "healthy");
    EXPECT_EQ(r.exit_code(), 0);
  }

  d.write("a.py", "def alpha():\n    return 100\n");  // changed (size differs)
  d.write("new.py", "def delta():\n    pass\n");
  d.write("image.bin", std::string("\x89PNG\0\0\0", 7));  // binary: the indexer skips it too
  std::filesystem::remove(d / "c.py");
  r = check_health(d.path());
  EXPECT_EQ(r.files_changed, 1);
  EXPECT_EQ(r.files_new, 1);
  EXPECT_EQ(r.files_deleted, 1);
  const HealthCheck* f = find(r, "freshness");
  EXPECT_EQ(f->status, "warning");
  EXPECT_EQ(f->fix, "pampax update " + r.root);
  EXPECT_NE(r.status(), "healthy");
  EXPECT_EQ(find(r, "integrity")->status, "ok");

  // An engine already open (the servers' case) gives the same verdict; options skip work.
  auto e = Engine::open(d.path(), Engine::Mode::kRead);
  ASSERT_TRUE(e.ok());
  HealthOptions o;
  o.quick_check = false;
  HealthReport r2 = check_health(d.path(), o, e->get());
  EXPECT_EQ(r2.files_changed, 1);
  EXPECT_EQ(find(r2, "integrity"), nullptr);
  EXPECT_EQ(r2.quick_check, "");
  o.stat_walk = false;
  HealthReport r3 = check_health(d.path(), o, e->get());
  EXPECT_EQ(find(r3, "freshness"), nullptr);
}

TEST(Health, EmbedderThatCannotRunIsAnError) {
  TempDir d;
  make_indexed_repo(d);
  auto set_config = [&](const EmbedConfig& c) {
    auto e = Engine::open(d.path(), Engine::Mode::kWrite);
    ASSERT_TRUE(e.ok());
    ASSERT_TRUE((*e)->store().set_meta("embed_config", c.to_json()).ok());
  };
  EmbedConfig gguf;
  gguf.backend = "gguf";
  gguf.model_path = (d / "gone.gguf").string();
  set_config(gguf);
  HealthReport r = check_health(d.path());
  const HealthCheck* c = find(r, "embedder");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status, "error") << dump(r);
  EXPECT_NE(c->detail.find("gone.gguf"), std::string::npos);
  EXPECT_NE(c->fix.find("--embed gguf --model"), std::string::npos);
  EXPECT_FALSE(r.embedder_ready);
  EXPECT_EQ(r.exit_code(), 1);
  // Vectors are missing for every chunk: a warning with its fix.
  EXPECT_EQ(find(r, "embeddings")->status, "warning");
  EXPECT_EQ(find(r, "embeddings")->fix, "pampax update " + r.root);

  // An http embedder whose port nobody listens on.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  socklen_t len = sizeof a;
  ASSERT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len), 0);
  int port = ntohs(a.sin_port);
  ::close(fd);
  EmbedConfig http;
  http.backend = "http";
  http.url = "http://127.0.0.1:" + std::to_string(port);
  set_config(http);
  r = check_health(d.path());
  c = find(r, "embedder");
  EXPECT_EQ(c->status, "error") << dump(r);
  EXPECT_NE(c->detail.find("unreachable"), std::string::npos);
  EXPECT_NE(c->fix.find("--embed none"), std::string::npos);
}

TEST(Health, DamagedIndexSaysHowToRebuild) {
  TempDir d;
  make_indexed_repo(d);
  std::string db = Engine::db_path_for(d.path()).string();
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(db + suffix);
  d.write(".pampax/index.db", std::string(8192, 'x'));
  HealthReport r = check_health(d.path());
  EXPECT_EQ(r.status(), "unhealthy");
  const HealthCheck* c = find(r, "index");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->status, "error");
  EXPECT_NE(c->fix.find("pampax index"), std::string::npos) << c->fix;
  EXPECT_NE(c->fix.find("rm -r"), std::string::npos) << c->fix;
}

}  // namespace
}  // namespace pampax
