#include "core/watch.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <system_error>

#ifdef __linux__
#include <sys/inotify.h>
#endif

namespace pampax {
namespace fs = std::filesystem;

void TreeWatcher::Changes::merge(const Changes& o) {
  events += o.events;
  for (const std::string& p : o.paths) {
    if (paths.size() >= kMaxPaths) break;
    paths.insert(p);
  }
  dirs_changed |= o.dirs_changed;
  rules_changed |= o.rules_changed;
  overflow |= o.overflow;
  root_gone |= o.root_gone;
}

#ifdef __linux__

namespace {

constexpr uint32_t kDirMask = IN_CREATE | IN_DELETE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_FROM |
                              IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR;

bool is_rules_file(std::string_view name) { return name == ".gitignore" || name == ".pampaxignore"; }

// The content of a regular file (not a symlink, as the walker), or nullopt.
std::optional<std::string> read_regular(const fs::path& p) {
  std::error_code ec;
  if (fs::symlink_status(p, ec).type() != fs::file_type::regular) return std::nullopt;
  std::ifstream in(p, std::ios::binary);
  if (!in) return std::nullopt;
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string read_sysctl(const char* path) {
  std::ifstream in(path);
  std::string v;
  if (!(in >> v)) return "?";
  return v;
}

}  // namespace

Result<std::unique_ptr<TreeWatcher>> TreeWatcher::open(const fs::path& root, size_t max_watches) {
  int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0) {
    int e = errno;
    if (e == EMFILE)
      return IoError("cannot start watching: too many inotify instances for this user "
                     "(fs.inotify.max_user_instances = " +
                     read_sysctl("/proc/sys/fs/inotify/max_user_instances") +
                     "). Stop other watchers, or raise it: sudo sysctl fs.inotify.max_user_instances=1024");
    return IoError(std::string("cannot start watching: inotify_init1: ") + std::strerror(e));
  }
  std::unique_ptr<TreeWatcher> w(new TreeWatcher(root, fd, max_watches));
  PAMPAX_RETURN_IF_ERROR(w->rescan());
  return w;
}

TreeWatcher::~TreeWatcher() {
  if (fd_ >= 0) ::close(fd_);
}

bool TreeWatcher::ignored(std::string_view rel, bool is_dir) const {
  if (rel == ".pampax" || rel.rfind(".pampax/", 0) == 0) return true;
  // Any component named .git (the walker skips them at every depth).
  size_t start = 0;
  for (;;) {
    size_t slash = rel.find('/', start);
    std::string_view comp = rel.substr(start, slash == std::string_view::npos ? rel.npos : slash - start);
    if (comp == ".git") return true;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return rules_.IsIgnored(rel, is_dir);
}

Status TreeWatcher::limit_error(const std::string& rel) const {
  std::string where = (rel.empty() ? root_ : root_ / rel).string();
  std::string limit = read_sysctl("/proc/sys/fs/inotify/max_user_watches");
  std::string which = max_watches_ ? "the --max-watches limit (" + std::to_string(max_watches_) + ")"
                                   : "the inotify watch limit (fs.inotify.max_user_watches = " + limit +
                                         ", shared by every program of this user)";
  return IoError("cannot watch " + where + ": " + which +
                 " is reached; pampax needs one watch per directory. Raise it (sudo sysctl "
                 "fs.inotify.max_user_watches=524288, and a file in /etc/sysctl.d/ to keep it), "
                 "exclude large generated directories in .gitignore or .pampaxignore, or run "
                 "`pampax update` when needed instead of watching");
}

Status TreeWatcher::watch_tree(const std::string& rel, std::map<int, std::string>& seen) {
  fs::path dir = rel.empty() ? root_ : root_ / rel;
  if (max_watches_ && seen.size() >= max_watches_) return limit_error(rel);
  int wd = inotify_add_watch(fd_, dir.c_str(), kDirMask);
  if (wd < 0) {
    int e = errno;
    if (e == ENOSPC) return limit_error(rel);
    // Vanished or unreadable meanwhile: the walker reports unreadable directories; a later
    // event brings a rescan when it reappears.
    if (e == ENOENT || e == ENOTDIR || e == EACCES) return Status::Ok();
    return IoError("cannot watch " + dir.string() + ": " + std::strerror(e));
  }
  seen[wd] = rel;
  std::string base = rel.empty() ? "" : rel + "/";
  for (const char* name : {".gitignore", ".pampaxignore"})
    if (auto text = read_regular(dir / name)) rules_.AddFile(base, *text);
  std::error_code ec;
  fs::directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec);
  if (ec) return Status::Ok();
  std::vector<std::string> subdirs;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) break;
    std::string name = it->path().filename().string();
    if (name == ".git" || (rel.empty() && name == ".pampax")) continue;
    std::error_code sec;
    if (it->symlink_status(sec).type() != fs::file_type::directory) continue;
    std::string child = base + name;
    if (rules_.IsIgnored(child, true)) continue;
    subdirs.push_back(std::move(child));
  }
  for (const std::string& child : subdirs) PAMPAX_RETURN_IF_ERROR(watch_tree(child, seen));
  return Status::Ok();
}

Status TreeWatcher::load_rules() {
  rules_ = IgnoreTree();
  // .git/info/exclude of a plain repository (worktrees keep theirs elsewhere; rarely used).
  if (auto text = read_regular(root_ / ".git" / "info" / "exclude")) rules_.AddGlobal(*text);
  return Status::Ok();
}

Status TreeWatcher::rescan() {
  PAMPAX_RETURN_IF_ERROR(load_rules());
  std::map<int, std::string> seen;
  Status st = watch_tree("", seen);
  if (seen.empty() && st.ok())
    return NotFound("the watched directory " + root_.string() +
                    " was deleted or moved away: stopped watching");
  // Watches no longer reached (removed or now ignored directories) are dropped. On failure the
  // new ones are kept too, so that nothing leaks.
  for (auto& [wd, rel] : dirs_)
    if (!seen.count(wd)) {
      if (st.ok()) inotify_rm_watch(fd_, wd);
      else seen.emplace(wd, rel);
    }
  dirs_ = std::move(seen);
  return st;
}

Result<TreeWatcher::Changes> TreeWatcher::read_events() {
  Changes ch;
  alignas(struct inotify_event) char buf[64 * 1024];
  for (;;) {
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      return IoError(std::string("reading file-system events: ") + std::strerror(errno));
    }
    if (n == 0) break;
    for (char* p = buf; p < buf + n;) {
      auto* e = reinterpret_cast<struct inotify_event*>(p);
      p += sizeof(struct inotify_event) + e->len;
      if (e->mask & IN_Q_OVERFLOW) {
        ch.overflow = true;
        continue;
      }
      auto it = dirs_.find(e->wd);
      if (it == dirs_.end()) continue;  // a watch dropped by rescan(): its last events
      if (e->mask & IN_IGNORED) {
        dirs_.erase(it);  // the directory is gone; its parent reports that too
        continue;
      }
      const std::string dir = it->second;
      if (e->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
        if (dir.empty()) ch.root_gone = true;
        else ch.dirs_changed = true;
        continue;
      }
      if (e->len == 0) continue;
      std::string_view name(e->name);
      std::string rel = dir.empty() ? std::string(name) : dir + "/" + std::string(name);
      bool is_dir = (e->mask & IN_ISDIR) != 0;
      if (!is_dir && is_rules_file(name) && !ignored(dir, true)) {
        ch.rules_changed = true;
        ++ch.events;
        continue;
      }
      if (ignored(rel, is_dir)) continue;
      if (is_dir) {
        if (e->mask & (IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO)) {
          ch.dirs_changed = true;
          ++ch.events;
        }
        continue;
      }
      ++ch.events;
      if (ch.paths.size() < kMaxPaths) ch.paths.insert(std::move(rel));
    }
  }
  return ch;
}

#else  // !__linux__

Result<std::unique_ptr<TreeWatcher>> TreeWatcher::open(const fs::path&, size_t) {
  return Unsupported("pampax watch needs Linux (inotify); run `pampax update` instead");
}
TreeWatcher::~TreeWatcher() = default;
Result<TreeWatcher::Changes> TreeWatcher::read_events() { return Changes{}; }
Status TreeWatcher::rescan() { return Status::Ok(); }
bool TreeWatcher::ignored(std::string_view, bool) const { return false; }

#endif

namespace {

}  // namespace

Status run_watch(Engine& engine, const WatchOptions& options, int stop_fd,
                 const std::function<void(const WatchUpdate&)>& on_update,
                 const std::function<void(size_t)>& on_ready) {
  using Clock = std::chrono::steady_clock;
  // Watches first, then the first update: a change made in between is seen by both.
  auto watcher_r = TreeWatcher::open(engine.root(), options.max_watches);
  if (!watcher_r.ok()) return watcher_r.status();
  TreeWatcher& watcher = **watcher_r;

  auto update = [&](bool initial, const TreeWatcher::Changes& changes) -> Status {
    auto t0 = Clock::now();
    WatchUpdate u;
    u.initial = initial;
    u.changes = changes;
    // New, moved or newly un-ignored directories are watched before the update lists them.
    if (changes.dirs_changed || changes.rules_changed || changes.overflow)
      PAMPAX_RETURN_IF_ERROR(watcher.rescan());
    auto r = engine.index(options.index);
    if (!r.ok()) return r.status();
    u.report = std::move(r).value();
    bool changed = u.report.files_indexed + u.report.files_deleted > 0;
    if (options.embed && (initial || changed)) {
      EmbedOptions eo;  // backend "none": the index's own choice (builtin on a new index)
      eo.threads = options.index.threads;
      eo.batch = 0;  // the backend's batch, commits about once a second
      auto e = engine.embed_after_index(eo);
      if (e.ok()) u.embed = std::move(e).value();
      else u.embed_error = e.status().message();
    }
    u.watched_dirs = watcher.watched_dirs();
    u.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    if (on_update) on_update(u);
    return Status::Ok();
  };

  PAMPAX_RETURN_IF_ERROR(update(true, {}));
  if (on_ready) on_ready(watcher.watched_dirs());

  TreeWatcher::Changes pending;
  Clock::time_point first{}, last{};
  for (;;) {
    int timeout = -1;
    if (pending.any()) {
      auto due = std::min(last + options.debounce, first + options.max_wait);
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(due - Clock::now()).count();
      timeout = static_cast<int>(std::max<int64_t>(0, ms));
    }
    pollfd fds[2] = {{stop_fd, POLLIN, 0}, {watcher.fd(), POLLIN, 0}};
    int n = ::poll(fds, 2, timeout);
    if (n < 0) {
      if (errno == EINTR) continue;
      return IoError(std::string("waiting for file-system events: ") + std::strerror(errno));
    }
    if (fds[0].revents) return Status::Ok();
    if (fds[1].revents & POLLIN) {
      auto ch = watcher.read_events();
      if (!ch.ok()) return ch.status();
      if (ch->root_gone)
        return NotFound("the watched directory " + engine.root().string() +
                        " was deleted or moved away: stopped watching");
      if (ch->any()) {
        auto now = Clock::now();
        if (!pending.any()) first = now;
        last = now;
        pending.merge(*ch);
      }
    }
    if (pending.any()) {
      auto now = Clock::now();
      if (now >= last + options.debounce || now >= first + options.max_wait) {
        TreeWatcher::Changes batch = std::move(pending);
        pending = {};
        PAMPAX_RETURN_IF_ERROR(update(false, batch));
      }
    }
  }
}

}  // namespace pampax
