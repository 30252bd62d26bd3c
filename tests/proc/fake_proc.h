// A fake /proc tree in a temporary directory, for tests of the reader and the process table.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/temp.h"

namespace th::fake {

using th::test::TempDir;

inline void write_text(const std::filesystem::path& p, const std::string& content) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << content;
}

struct FakeProc {
  int32_t pid = 0;
  int32_t ppid = 0;
  int32_t tgid = 0;  // 0: same as pid
  std::string comm = "proc";
  std::vector<std::string> argv;
  std::optional<std::string> exe;  // link target; nullopt: no link (kernel thread, no access)
  uint32_t ruid = 0;
  uint32_t euid = 0;
  std::optional<uint32_t> loginuid;
  std::vector<int32_t> nspid;  // empty: {pid}
  uint64_t pidns = 4026531836;
  std::string cgroup = "0::/user.slice/user-1000.slice/session-1.scope\n";
  uint32_t tty_nr = 0;
  uint64_t start_ticks = 100;
};

class FakeProcTree {
 public:
  static constexpr uint64_t kBtime = 1'700'000'000;

  FakeProcTree() {
    write_text(root() / "stat", "cpu  1 2 3 4\nintr 0\nctxt 10\nbtime " + std::to_string(kBtime) +
                                     "\nprocesses 99\n");
  }
  std::filesystem::path root() const { return dir_.path(); }
  std::string root_str() const { return dir_.path(); }

  void add(const FakeProc& p) {
    auto d = root() / std::to_string(p.pid);
    std::filesystem::create_directories(d / "ns");
    // Fields 3..22 of proc(5), with tty_nr at 7 and starttime at 22.
    std::string stat = std::to_string(p.pid) + " (" + p.comm + ") S " + std::to_string(p.ppid) +
                       " " + std::to_string(p.pid) + " " + std::to_string(p.pid) + " " +
                       std::to_string(p.tty_nr) + " -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 " +
                       std::to_string(p.start_ticks) + " 1000000 200 18446744073709551615\n";
    write_text(d / "stat", stat);
    std::string nspid;
    for (int32_t v : p.nspid.empty() ? std::vector<int32_t>{p.pid} : p.nspid) {
      nspid += "\t" + std::to_string(v);
    }
    write_text(d / "status", "Name:\t" + p.comm + "\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t" +
                                 std::to_string(p.tgid ? p.tgid : p.pid) + "\nNgid:\t0\nPid:\t" +
                                 std::to_string(p.pid) + "\nPPid:\t" + std::to_string(p.ppid) +
                                 "\nUid:\t" + std::to_string(p.ruid) + "\t" +
                                 std::to_string(p.euid) + "\t" + std::to_string(p.euid) + "\t" +
                                 std::to_string(p.euid) + "\nGid:\t0\t0\t0\t0\nNSpid:" + nspid +
                                 "\nNSpgid:" + nspid + "\n");
    write_text(d / "comm", p.comm + "\n");
    std::string cmdline;
    for (const auto& a : p.argv) cmdline += a + std::string(1, '\0');
    write_text(d / "cmdline", cmdline);
    write_text(d / "loginuid", std::to_string(p.loginuid.value_or(4294967295u)));
    write_text(d / "cgroup", p.cgroup);
    std::error_code ec;
    std::filesystem::remove(d / "exe", ec);
    if (p.exe) std::filesystem::create_symlink(*p.exe, d / "exe");
    std::filesystem::remove(d / "ns" / "pid", ec);
    std::filesystem::create_symlink("pid:[" + std::to_string(p.pidns) + "]", d / "ns" / "pid");
  }

  void remove(int32_t pid) {
    std::error_code ec;
    std::filesystem::remove_all(root() / std::to_string(pid), ec);
  }
  void write(int32_t pid, const std::string& file, const std::string& content) {
    write_text(root() / std::to_string(pid) / file, content);
  }

 private:
  TempDir dir_;
};

}  // namespace th::fake
