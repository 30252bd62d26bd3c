// Shared by the attack and victim programs: argument parsing, renaming, memory-map lookups and
// the one-line JSON report. Plain C++ on libc only (these programs must not need the engine).
#pragma once

#include <sys/prctl.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

namespace attack {

[[noreturn]] inline void die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", what.c_str(), errno ? std::strerror(errno) : "failed");
  std::exit(1);
}

// Options every injector understands: `<pid> [--as-gdb] [--KEY VALUE]...`.
struct Args {
  pid_t pid = 0;
  bool as_gdb = false;
  std::vector<std::pair<std::string, std::string>> options;

  std::string get(std::string_view key, std::string fallback = "") const {
    for (const auto& [k, v] : options)
      if (k == key) return v;
    return fallback;
  }
  bool has(std::string_view key) const {
    for (const auto& [k, v] : options)
      if (k == key) return true;
    return false;
  }
  uint64_t number(std::string_view key, uint64_t fallback) const {
    std::string v = get(key);
    return v.empty() ? fallback : std::strtoull(v.c_str(), nullptr, 0);
  }
};

// Flags without a value: listed here so that they take no argument.
inline bool is_flag(std::string_view key) {
  return key == "as-gdb" || key == "ia32" || key == "via-loader" || key == "deleted" ||
         key == "fixed-file" || key == "async" || key == "skip-cqe" || key == "link" || key == "self-mem";
}

inline Args parse_args(int argc, char** argv, bool needs_pid, const char* usage) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    std::string_view s = argv[i];
    if (s.rfind("--", 0) == 0) {
      std::string key(s.substr(2));
      if (key == "as-gdb") {
        a.as_gdb = true;
      } else if (is_flag(key)) {
        a.options.emplace_back(key, "1");
      } else if (i + 1 < argc) {
        a.options.emplace_back(key, argv[++i]);
      } else {
        std::fprintf(stderr, "usage: %s %s\n", argv[0], usage);
        std::exit(2);
      }
    } else if (a.pid == 0) {
      a.pid = static_cast<pid_t>(std::atoi(argv[i]));
    }
  }
  if (needs_pid && a.pid <= 0) {
    std::fprintf(stderr, "usage: %s %s\n", argv[0], usage);
    std::exit(2);
  }
  // Some detections look at the tool's name: --as-gdb makes the injector look like a debugger.
  if (a.as_gdb) prctl(PR_SET_NAME, "gdb", 0, 0, 0);
  return a;
}

// Start of the first mapping of `pid` that belongs to its executable and has the permissions
// asked (e.g. "r-x" or "rw-"). 0 when none.
inline uint64_t find_exe_mapping(pid_t pid, std::string_view perms) {
  char exe[4096];
  std::string link = "/proc/" + std::to_string(pid) + "/exe";
  ssize_t n = readlink(link.c_str(), exe, sizeof(exe) - 1);
  if (n <= 0) return 0;
  exe[n] = 0;
  std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
  std::string line;
  while (std::getline(maps, line)) {
    std::istringstream in(line);
    std::string range, p, offset, dev, inode, path;
    in >> range >> p >> offset >> dev >> inode >> path;
    if (path == exe && p.compare(0, perms.size(), perms) == 0)
      return std::strtoull(range.c_str(), nullptr, 16);
  }
  return 0;
}

inline std::string hex(uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "0x%llx", static_cast<unsigned long long>(v));
  return buf;
}

// The report: one JSON object on one line, built from already-encoded members.
class Report {
 public:
  explicit Report(std::string_view tool) { add_string("tool", tool); }
  Report& add_string(std::string_view key, std::string_view value) {
    std::string quoted;
    quoted.append(1, '"').append(value).append(1, '"');
    return add_raw(key, quoted);
  }
  Report& add_number(std::string_view key, long long value) {
    return add_raw(key, std::to_string(value));
  }
  Report& add_strings(std::string_view key, const std::vector<std::string>& values) {
    std::string list = "[";
    for (std::size_t i = 0; i < values.size(); ++i)
      list.append(i ? ",\"" : "\"").append(values[i]).append(1, '"');
    list.append(1, ']');
    return add_raw(key, list);
  }
  Report& add_raw(std::string_view key, std::string_view json) {
    if (!body_.empty()) body_.append(1, ',');
    body_.append(1, '"').append(key).append("\":").append(json);
    return *this;
  }
  void print() const {
    std::printf("{%s}\n", body_.c_str());
    std::fflush(stdout);
  }

 private:
  std::string body_;
};

}  // namespace attack
