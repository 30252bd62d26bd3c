// Reload when the files change, as Falco's `watch_config_files` does: inotify on the config file
// and the rules files and folders. Each file is watched through its folder, since editors and
// Kubernetes ConfigMaps replace a file by renaming a new one over it (a watch on the file itself
// would end with the old inode); rules folders are watched themselves. An event for a watched
// name starts a quiet period (debounce: an editor's save is several events, a `cp` of many files
// more), and the reload is due once nothing has changed for that long.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace th::cli {

class FileWatcher {
 public:
  // `paths`: the config file and the rules files and folders. Paths that do not exist are
  // watched through their folder, so that creating them is seen too.
  FileWatcher(const std::vector<std::string>& paths, uint64_t quiet_ns);
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  // -1 when inotify could not be set up (the reason is logged); SIGHUP still works.
  int fd() const { return fd_; }
  // Reads the pending events (non-blocking); a change to a watched path starts the quiet period.
  void read_events(uint64_t now_ns);
  // True once per burst of changes, when the quiet period has passed since the last of them.
  bool due(uint64_t now_ns);
  // How long until due() may turn true, in ms for poll(); -1 when no change is pending.
  int wait_ms(uint64_t now_ns) const;
  // The names of the changed files of the current burst, for the log.
  const std::set<std::string>& changed() const { return changed_; }

 private:
  void watch_dir(const std::string& dir, const std::string& name);

  int fd_ = -1;
  uint64_t quiet_ns_;
  // Per watch: its folder and the names in it that matter (empty: every file, a rules folder).
  struct Watch {
    std::string dir;
    std::set<std::string> names;
    bool any = false;
  };
  std::map<int, Watch> watches_;
  uint64_t last_change_ = 0;  // 0: nothing pending
  std::set<std::string> changed_;
};

}  // namespace th::cli
