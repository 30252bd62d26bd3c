// proc.is_exe_host_file and proc.env_injection: whether a process that runs a known debugger's
// path really runs the host's debugger. A file bind-mounted or overlaid over /usr/bin/gdb in a
// private mount namespace has that path but another device and inode; a real strace started with
// LD_PRELOAD runs the attacker's library first.
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

#include "engine/core/exe_trust.h"
#include "engine/eval/scratch.h"
#include "engine/fields/builtin_fields.h"

namespace th {
namespace {

using Clock = std::chrono::steady_clock;

// The host's files by path, as the host's mount namespace (pid 1's root) shows them. Looked up
// on first use; a mismatch looks again (at most once a second per path) so that a package upgrade
// replacing the file is followed, and a match is checked again after a minute.
class HostFiles {
 public:
  bool matches(const std::string& path, uint64_t dev, uint64_t ino) {
    std::lock_guard lock(mu_);
    auto now = Clock::now();
    auto it = cache_.find(path);
    if (it == cache_.end()) {
      if (cache_.size() >= kMaxEntries) cache_.clear();
      it = cache_.emplace(path, lookup(path, now)).first;
    }
    Entry& e = it->second;
    bool same = e.exists && e.dev == dev && e.ino == ino;
    auto age = now - e.checked;
    if ((!same && age > std::chrono::seconds(1)) || (same && age > std::chrono::minutes(1))) {
      e = lookup(path, now);
      same = e.exists && e.dev == dev && e.ino == ino;
    }
    return same;
  }

 private:
  struct Entry {
    bool exists = false;
    uint64_t dev = 0, ino = 0;
    Clock::time_point checked;
  };
  static constexpr std::size_t kMaxEntries = 4096;

  static Entry lookup(const std::string& path, Clock::time_point now) {
    Entry e;
    e.checked = now;
    struct stat st {};
    // Through pid 1's root: the host's mount namespace, also from a container with the host's
    // pid namespace. Without access to it (not root), our own namespace is the host's.
    std::string host = "/proc/1/root" + path;
    if (stat(host.c_str(), &st) != 0 && (errno != EACCES || stat(path.c_str(), &st) != 0)) return e;
    e.exists = true;
    e.dev = st.st_dev;
    e.ino = st.st_ino;
    return e;
  }

  std::mutex mu_;
  std::unordered_map<std::string, Entry> cache_;
};

HostFiles& host_files() {
  static HostFiles files;
  return files;
}

bool proc_is_exe_host_file(const Event& e, const FieldArg&, Scratch&, Values& out) {
  if (!e.proc) return false;
  const Process& p = *e.proc;
  // Producers that do not know the file (replay of old records) leave the path to judge.
  out.push_bool(!p.exe_identity_known || host_files().matches(p.exepath, p.exe_dev, p.exe_ino));
  return true;
}

bool proc_env_injection(const Event& e, const FieldArg&, Scratch& s, Values& out) {
  if (!e.proc) return false;
  std::string& buf = s.next();
  buf = env_injection_names(e.proc->env_injection);
  out.push_str(buf);
  return true;
}

}  // namespace

void add_host_file_fields(std::vector<FieldDef>& out) {
  out.push_back({.name = "proc.is_exe_host_file", .type = FieldType::boolean,
                 .description = "true when the process's executable is the host's file at "
                                "proc.exepath (device and inode compared with the file the "
                                "host's mount namespace has there): false for a file "
                                "bind-mounted or overlaid at that path in another mount "
                                "namespace, or a container's copy. true when the producer did "
                                "not record the file (replay of older records).",
                 .extract = proc_is_exe_host_file, .falco_compatible = false});
  out.push_back({.name = "proc.env_injection", .type = FieldType::string,
                 .description = "The dynamic-loader variables the process was started with that "
                                "run other code first: LD_PRELOAD, LD_AUDIT, LD_LIBRARY_PATH, "
                                "comma-separated (UNSCANNED when the environment was too large "
                                "to read); empty when none. Names only, never values.",
                 .extract = proc_env_injection, .falco_compatible = false});
}

}  // namespace th
