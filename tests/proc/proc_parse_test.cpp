// The /proc text parsers against real and hostile content.
#include "engine/proc/proc_parse.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace th {
namespace {

// A stat line with the given pid, comm, ppid, tty_nr and starttime (fields 3..22).
std::string stat_line(const std::string& pid, const std::string& comm, const std::string& ppid,
                      const std::string& tty, const std::string& start) {
  return pid + " (" + comm + ") S " + ppid + " 100 100 " + tty +
         " -1 4194560 1 0 0 0 3 4 0 0 20 0 1 0 " + start + " 123456 78 18446744073709551615\n";
}

struct StatCase {
  const char* name;
  std::string content;
  bool ok;
  int32_t pid = 0;
  std::string comm;
  int32_t ppid = 0;
  uint32_t tty = 0;
  std::optional<uint64_t> start;
};

class StatTable : public ::testing::TestWithParam<StatCase> {};

TEST_P(StatTable, Parses) {
  const StatCase& c = GetParam();
  auto st = parse_proc_stat(c.content);
  ASSERT_EQ(st.has_value(), c.ok) << c.content;
  if (!c.ok) return;
  EXPECT_EQ(st->pid, c.pid);
  EXPECT_EQ(st->comm, c.comm);
  EXPECT_EQ(st->ppid, c.ppid);
  EXPECT_EQ(st->tty_nr, c.tty);
  EXPECT_EQ(st->starttime_ticks, c.start);
}

INSTANTIATE_TEST_SUITE_P(
    Content, StatTable,
    ::testing::Values(
        StatCase{"plain", stat_line("1234", "bash", "1", "34816", "98765"), true, 1234, "bash", 1,
                 34816, 98765},
        StatCase{"comm_with_spaces_and_parens",
                 stat_line("42", "my (weird) proc", "7", "0", "5"), true, 42, "my (weird) proc", 7,
                 0, 5},
        StatCase{"comm_faking_fields", stat_line("42", "a) S 99 ", "7", "0", "5"), true, 42,
                 "a) S 99 ", 7, 0, 5},
        StatCase{"empty_comm", stat_line("9", "", "3", "0", "1"), true, 9, "", 3, 0, 1},
        StatCase{"kernel_thread", stat_line("2", "kthreadd", "0", "0", "0"), true, 2, "kthreadd",
                 0, 0, 0},
        StatCase{"truncated_after_ppid", "5 (x) S 3", true, 5, "x", 3, 0, std::nullopt},
        StatCase{"bad_starttime", stat_line("5", "x", "3", "0", "12z"), true, 5, "x", 3, 0,
                 std::nullopt},
        StatCase{"empty", "", false, 0, "", 0, 0, std::nullopt},
        StatCase{"no_parens", "5 x S 3 4 5", false, 0, "", 0, 0, std::nullopt},
        StatCase{"only_open_paren", "5 (x S 3 4 5", false, 0, "", 0, 0, std::nullopt},
        StatCase{"non_numeric_pid", "abc (x) S 1 2 3", false, 0, "", 0, 0, std::nullopt},
        StatCase{"non_numeric_ppid", "5 (x) S one 2 3", false, 0, "", 0, 0, std::nullopt},
        StatCase{"missing_ppid", "5 (x) S", false, 0, "", 0, 0, std::nullopt},
        StatCase{"binary_garbage", std::string("\0\xff\x01(\x02)\x03", 7), false, 0, "", 0, 0, std::nullopt}),
    [](const auto& info) { return std::string(info.param.name); });

struct StatusCase {
  const char* name;
  std::string content;
  std::optional<int32_t> tgid;
  std::optional<uint32_t> euid;
  std::optional<int32_t> vpid;
  std::string comm;
};

class StatusTable : public ::testing::TestWithParam<StatusCase> {};

TEST_P(StatusTable, Parses) {
  const StatusCase& c = GetParam();
  ProcStatus st = parse_proc_status(c.content);
  EXPECT_EQ(st.tgid, c.tgid);
  EXPECT_EQ(st.euid, c.euid);
  EXPECT_EQ(st.vpid, c.vpid);
  EXPECT_EQ(st.name, c.comm);
}

INSTANTIATE_TEST_SUITE_P(
    Content, StatusTable,
    ::testing::Values(
        StatusCase{"host_process",
                   "Name:\tsshd\nUmask:\t0022\nTgid:\t812\nPid:\t812\nPPid:\t1\nUid:\t0\t0\t0\t0\n"
                   "NSpid:\t812\n",
                   812, 0u, 812, "sshd"},
        StatusCase{"setuid_effective_wins",
                   "Name:\tpasswd\nTgid:\t90\nUid:\t1000\t0\t0\t0\nNSpid:\t90\n", 90, 0u, 90,
                   "passwd"},
        StatusCase{"nested_pid_namespaces",
                   "Name:\tnginx\nTgid:\t4242\nUid:\t101\t101\t101\t101\nNSpid:\t4242\t17\t1\n",
                   4242, 101u, 1, "nginx"},
        StatusCase{"thread_status", "Name:\tworker\nTgid:\t500\nPid:\t503\nNSpid:\t503\n", 500,
                   std::nullopt, 503, "worker"},
        StatusCase{"single_uid_number", "Uid:\t33\n", std::nullopt, 33u, std::nullopt, ""},
        StatusCase{"old_kernel_no_nspid", "Name:\tinit\nTgid:\t1\nUid:\t0\t0\t0\t0\n", 1, 0u,
                   std::nullopt, "init"},
        StatusCase{"malformed_values", "Tgid:\tx\nUid:\tabc\nNSpid:\t12\tzz\n", std::nullopt,
                   std::nullopt, std::nullopt, ""},
        StatusCase{"no_colons", "garbage\nmore garbage", std::nullopt, std::nullopt,
                   std::nullopt, ""},
        StatusCase{"empty", "", std::nullopt, std::nullopt, std::nullopt, ""},
        StatusCase{"crlf_and_spaces", "Tgid:   77  \r\nNSpid: 77 3\r\n", 77, std::nullopt, 3,
                   ""}),
    [](const auto& info) { return std::string(info.param.name); });

struct CmdlineCase {
  const char* name;
  std::string content;
  std::vector<std::string> argv;
};

class CmdlineTable : public ::testing::TestWithParam<CmdlineCase> {};

TEST_P(CmdlineTable, Splits) { EXPECT_EQ(parse_cmdline(GetParam().content), GetParam().argv); }

using S = std::string;
INSTANTIATE_TEST_SUITE_P(
    Content, CmdlineTable,
    ::testing::Values(
        CmdlineCase{"normal", S("/bin/sleep\0" "100\0", 15), {"/bin/sleep", "100"}},
        CmdlineCase{"empty_kernel_thread", "", {}},
        CmdlineCase{"empty_argument_kept", S("a\0\0b\0", 5), {"a", "", "b"}},
        CmdlineCase{"no_trailing_nul", S("a\0b", 3), {"a", "b"}},
        CmdlineCase{"setproctitle_spaces", "nginx: worker process", {"nginx: worker process"}},
        CmdlineCase{"single_nul", S("\0", 1), {""}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Cmdline, ArgumentCountIsBounded) {
  std::string many;
  for (std::size_t i = 0; i < kMaxArgs + 100; ++i) many += S("x\0", 2);
  EXPECT_EQ(parse_cmdline(many).size(), kMaxArgs);
}

TEST(Btime, FindsTheLine) {
  EXPECT_EQ(parse_btime("cpu  1 2 3\nbtime 1700000000\nprocesses 5\n"), 1700000000u);
  EXPECT_EQ(parse_btime("btime 42"), 42u);
  EXPECT_EQ(parse_btime("cpu 1\nprocesses 5\n"), std::nullopt);
  EXPECT_EQ(parse_btime("btime x\n"), std::nullopt);
  EXPECT_EQ(parse_btime(""), std::nullopt);
}

TEST(NsInode, ParsesLinkTargets) {
  EXPECT_EQ(parse_ns_inode("pid:[4026531836]"), 4026531836u);
  EXPECT_EQ(parse_ns_inode("pid:[]"), std::nullopt);
  EXPECT_EQ(parse_ns_inode("pid:4026531836"), std::nullopt);
  EXPECT_EQ(parse_ns_inode("pid:[12a]"), std::nullopt);
  EXPECT_EQ(parse_ns_inode("]["), std::nullopt);
}

struct ExeCase {
  const char* name;
  std::string link;
  std::string path;
  bool memfd;
};

class ExeTable : public ::testing::TestWithParam<ExeCase> {};

TEST_P(ExeTable, Parses) {
  ExeLink e = parse_exe_link(GetParam().link);
  EXPECT_EQ(e.path, GetParam().path);
  EXPECT_EQ(e.from_memfd, GetParam().memfd);
}

INSTANTIATE_TEST_SUITE_P(
    Links, ExeTable,
    ::testing::Values(ExeCase{"plain", "/usr/bin/bash", "/usr/bin/bash", false},
                      ExeCase{"deleted", "/tmp/payload (deleted)", "/tmp/payload", false},
                      ExeCase{"memfd_kernel_form", "/memfd:x (deleted)", "/memfd:x", true},
                      ExeCase{"memfd_bare", "memfd:stage2", "memfd:stage2", true},
                      ExeCase{"memfd_empty_name", "/memfd: (deleted)", "/memfd:", true},
                      ExeCase{"memfd_in_a_directory_name", "/opt/memfd:tool/bin", "/opt/memfd:tool/bin",
                              false},
                      ExeCase{"deleted_only_at_end", "/a (deleted)/b", "/a (deleted)/b", false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Decimal, Parses) {
  EXPECT_EQ(parse_decimal("4294967295\n"), 4294967295u);
  EXPECT_EQ(parse_decimal(" 7 "), 7u);
  EXPECT_EQ(parse_decimal(""), std::nullopt);
  EXPECT_EQ(parse_decimal("-1"), std::nullopt);
  EXPECT_EQ(parse_decimal("99999999999999999999999"), std::nullopt);
}

}  // namespace
}  // namespace th
