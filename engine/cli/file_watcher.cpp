#include "engine/cli/file_watcher.h"

#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace th::cli {
namespace fs = std::filesystem;
namespace {

constexpr uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                           IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

// Kubernetes mounts a ConfigMap as symlinks into a `..data` folder that it swaps by rename: a
// change of a `..`-prefixed entry is a change of every file of the folder.
bool is_configmap_swap(std::string_view name) { return name.starts_with(".."); }

}  // namespace

FileWatcher::FileWatcher(const std::vector<std::string>& paths, uint64_t quiet_ns)
    : quiet_ns_(quiet_ns) {
  fd_ = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd_ < 0) {
    spdlog::warn("watch_config_files: inotify unavailable ({}); reload with SIGHUP",
                 std::strerror(errno));
    return;
  }
  for (const auto& p : paths) {
    std::error_code ec;
    fs::path path = fs::absolute(p, ec);
    if (fs::is_directory(path, ec)) {
      watch_dir(path.string(), "");
    } else {
      fs::path dir = path.parent_path();
      watch_dir(dir.empty() ? "." : dir.string(), path.filename().string());
    }
  }
}

FileWatcher::~FileWatcher() {
  if (fd_ >= 0) ::close(fd_);  // closing the inotify fd removes its watches
}

void FileWatcher::watch_dir(const std::string& dir, const std::string& name) {
  int wd = ::inotify_add_watch(fd_, dir.c_str(), kMask);
  if (wd < 0) {
    spdlog::warn("watch_config_files: cannot watch {} ({})", dir, std::strerror(errno));
    return;
  }
  Watch& w = watches_[wd];  // the same folder twice gives the same wd
  w.dir = dir;
  if (name.empty()) w.any = true;
  else w.names.insert(name);
}

void FileWatcher::read_events(uint64_t now_ns) {
  if (fd_ < 0) return;
  alignas(inotify_event) char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) return;  // EAGAIN: drained
    for (ssize_t off = 0; off + static_cast<ssize_t>(sizeof(inotify_event)) <= n;) {
      const auto* ev = reinterpret_cast<const inotify_event*>(buf + off);
      off += static_cast<ssize_t>(sizeof(inotify_event) + ev->len);
      if (ev->mask & IN_Q_OVERFLOW) {  // events lost: assume everything changed
        if (last_change_ == 0) changed_.clear();
        last_change_ = now_ns;
        changed_.insert("(inotify queue overflow)");
        continue;
      }
      auto it = watches_.find(ev->wd);
      if (it == watches_.end()) continue;
      const Watch& w = it->second;
      std::string name = ev->len ? std::string(ev->name) : std::string();
      bool self = (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) != 0;
      if (!self && !w.any && !w.names.contains(name) && !is_configmap_swap(name)) continue;
      if (last_change_ == 0) changed_.clear();  // a new burst
      last_change_ = now_ns;
      changed_.insert(name.empty() ? w.dir : (fs::path(w.dir) / name).string());
    }
  }
}

bool FileWatcher::due(uint64_t now_ns) {
  if (last_change_ == 0 || now_ns < last_change_ + quiet_ns_) return false;
  last_change_ = 0;
  return true;
}

int FileWatcher::wait_ms(uint64_t now_ns) const {
  if (last_change_ == 0) return -1;
  uint64_t at = last_change_ + quiet_ns_;
  if (at <= now_ns) return 0;
  return static_cast<int>((at - now_ns + 999'999) / 1'000'000);
}

}  // namespace th::cli
