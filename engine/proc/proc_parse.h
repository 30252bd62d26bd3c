// Parsers for the text of /proc/<pid>/* files. Pure functions of the content: no I/O, never
// throw on malformed input (they return nullopt or leave fields unset). proc_reader.cpp does the
// reading; tests feed these directly with hostile content.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace th {

// /proc/<pid>/stat: "pid (comm) state ppid pgrp session tty_nr ... starttime ...".
// comm may hold spaces and parentheses, so it spans from the first '(' to the last ')'.
struct ProcStat {
  int32_t pid = 0;
  std::string comm;
  char state = '?';
  int32_t ppid = 0;
  int32_t session = 0;
  uint32_t tty_nr = 0;
  std::optional<uint64_t> starttime_ticks;  // clock ticks after boot
};
// nullopt unless at least pid, comm and ppid parse.
std::optional<ProcStat> parse_proc_stat(std::string_view content);

// /proc/<pid>/status: the lines tracehound needs.
struct ProcStatus {
  std::optional<int32_t> tgid;
  std::optional<uint32_t> euid;  // second number of "Uid:" (Falco's user.uid is the effective uid)
  std::optional<int32_t> vpid;   // last number of "NSpid:": the tgid in the innermost namespace
  std::string name;              // "Name:" (escaped comm), a fallback for comm
};
ProcStatus parse_proc_status(std::string_view content);

// /proc/<pid>/cmdline: NUL-separated argv. A process that rewrote its argv area (setproctitle)
// may have no NULs: the whole text is then argv[0]. At most kMaxArgs entries are kept.
inline constexpr std::size_t kMaxArgs = 4096;
std::vector<std::string> parse_cmdline(std::string_view content);

// "btime <seconds>" line of /proc/stat.
std::optional<uint64_t> parse_btime(std::string_view proc_stat);

// A namespace link target, "pid:[4026531836]" -> 4026531836.
std::optional<uint64_t> parse_ns_inode(std::string_view link);

// The target of /proc/<pid>/exe: " (deleted)" stripped; memfd executables
// ("/memfd:name (deleted)" as the kernel prints it, or "memfd:name") flagged.
struct ExeLink {
  std::string path;
  bool from_memfd = false;
};
ExeLink parse_exe_link(std::string_view link);

// An unsigned decimal with optional surrounding whitespace ("4294967295\n").
std::optional<uint64_t> parse_decimal(std::string_view s);

}  // namespace th
