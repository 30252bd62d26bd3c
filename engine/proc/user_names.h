// uid -> user name, from a passwd file. The file is a parameter (not getpwuid, which would read
// the monitor's own passwd and NSS setup): a sidecar points it at the host's, /host/etc/passwd.
// The file is re-read lazily when its mtime, size or inode change, checked at most once per
// recheck interval. Lookups are a hash-map probe and do not allocate once the file is loaded.
//
// Not thread-safe: one instance per detector thread. Returned views stay valid until the second
// reload after the lookup (the previous generation of names is kept alive for one reload), so a
// view taken for one event outlives that event.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

namespace th {

class UserNames {
 public:
  explicit UserNames(std::string passwd_path = "/etc/passwd",
                     std::chrono::milliseconds recheck = std::chrono::seconds(1));

  // The user name of uid, "" when unknown (or when the path is empty or unreadable).
  std::string_view name(uint32_t uid);

  // Re-reads the file now if it changed (name() does this on its own, rate-limited).
  void refresh();

  std::size_t size() const { return names_.size(); }
  uint64_t reloads() const { return reloads_; }
  const std::string& path() const { return path_; }

 private:
  using Map = std::unordered_map<uint32_t, std::string>;
  void load_if_changed();

  std::string path_;
  std::chrono::milliseconds recheck_;
  std::chrono::steady_clock::time_point next_check_{};
  Map names_;
  Map previous_;  // the generation before the last reload, kept for outstanding views
  // Identity of the loaded file; all zero when nothing was loaded.
  int64_t mtime_ns_ = 0;
  off_t size_ = -1;
  ino_t ino_ = 0;
  bool have_file_ = false;
  uint64_t reloads_ = 0;
};

// Parses passwd text ("name:x:uid:gid:gecos:home:shell"); the first entry of a uid wins, as with
// getpwuid. Comments, NIS "+"/"-" lines and malformed lines are skipped.
std::unordered_map<uint32_t, std::string> parse_passwd(std::string_view content);

}  // namespace th
