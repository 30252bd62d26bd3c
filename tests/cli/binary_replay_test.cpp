// Replay reads binary captures as well as JSON Lines and tells them apart by their first bytes;
// `convert` turns one into the other. The same events give the same alerts in both formats, and
// a damaged capture is reported with the offset of the damaged record.
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_support.h"

namespace {

using cli_test::Result;
using cli_test::run;
using cli_test::slurp;
using cli_test::temp_path;
using cli_test::write_file;

const std::string kRules = std::string(TH_SOURCE_DIR) + "/rules";

// An injector attaching to and writing into a service, a debugger on its own child, a memory
// file write, an exec from a memfd: alerts of several default rules.
const char* kEvents =
    R"J({"type":"clone","proc":{"pid":600,"name":"bash","ancestors":[{"pid":1,"name":"systemd"}]},"fork":{"child_pid":4242}})J"
    "\n"
    R"J({"type":"execve","proc":{"pid":4242,"ppid":600},"exec":{"exepath":"/tmp/.x/inject","argv":["inject","900"]}})J"
    "\n"
    R"J({"type":"ptrace","proc":{"pid":4242},"ptrace":{"request":"PTRACE_ATTACH","pid":900},"target":{"pid":900,"name":"nginx","exepath":"/usr/sbin/nginx","is_descendant":false}})J"
    "\n"
    R"J({"type":"ptrace","proc":{"pid":4242},"ptrace":{"request":"PTRACE_POKETEXT","pid":900,"addr":4198400,"data":3735928559},"target":{"pid":900,"is_descendant":false}})J"
    "\n"
    R"J({"type":"process_vm_writev","proc":{"pid":4242},"vm":{"bytes":4096,"pid":900},"target":{"pid":900}})J"
    "\n"
    R"J({"type":"openat","proc":{"pid":4242},"open":{"path":"/proc/900/mem","flags":2,"pid":900},"target":{"pid":900}})J"
    "\n"
    R"J({"type":"execve","proc":{"pid":4300,"ppid":600,"uid":65534},"exec":{"exepath":"/memfd:x (deleted)","argv":["x"],"memfd":true}})J"
    "\n";

// Each alert as rule and output text, in order.
std::vector<std::string> alerts_of(const Result& r) {
  std::vector<std::string> out;
  std::istringstream lines(r.out);
  for (std::string l; std::getline(lines, l);) {
    auto a = nlohmann::json::parse(l);
    out.push_back(a["rule"].get<std::string>() + " | " + a["output"].get<std::string>());
  }
  return out;
}

TEST(BinaryReplay, SameAlertsAsJsonLines) {
  std::string jsonl = write_file("events.jsonl", kEvents);
  std::string bin = temp_path("events.thcap");
  std::remove(bin.c_str());
  Result c = run("convert " + jsonl + " -o " + bin);
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_EQ(slurp(bin).substr(1, 5), "THCAP");

  Result from_json = run("replay --no-fold --format json --rules " + kRules + " " + jsonl);
  Result from_bin = run("replay --no-fold --format json --rules " + kRules + " " + bin);
  ASSERT_EQ(from_json.status, 0) << from_json.err;
  ASSERT_EQ(from_bin.status, 0) << from_bin.err;
  auto want = alerts_of(from_json);
  EXPECT_GE(want.size(), 3u) << from_json.out;
  EXPECT_EQ(alerts_of(from_bin), want);
  EXPECT_NE(from_bin.err.find("replay: 7 events"), std::string::npos) << from_bin.err;
  EXPECT_NE(from_bin.err.find(" events/s"), std::string::npos) << from_bin.err;

  // And back to JSON Lines: the same alerts again.
  std::string back = temp_path("back.jsonl");
  std::remove(back.c_str());
  Result b = run("convert --format jsonl " + bin + " -o " + back);
  ASSERT_EQ(b.status, 0) << b.err;
  Result from_back = run("replay --no-fold --format json --rules " + kRules + " " + back);
  EXPECT_EQ(alerts_of(from_back), want);
  // Replay reads a capture from a pipe too.
  Result piped = run("replay --no-fold --format json --rules " + kRules + " - < " + bin);
  EXPECT_EQ(alerts_of(piped), want);
}

TEST(BinaryReplay, DamagedCaptureNamesTheOffset) {
  std::string jsonl = write_file("d.jsonl", kEvents);
  std::string bin = temp_path("d.thcap");
  std::remove(bin.c_str());
  ASSERT_EQ(run("convert " + jsonl + " -o " + bin).status, 0);
  std::string bytes = slurp(bin);
  // Cut in the middle of a record: what comes before is replayed, the cut is an error.
  std::string cut = write_file("cut.thcap", bytes.substr(0, bytes.size() * 2 / 3));
  Result r = run("replay --no-fold --format json --rules " + kRules + " " + cut);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_NE(r.err.find("cut.thcap: offset "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 bad records"), std::string::npos) << r.err;
  // A version this build does not read.
  std::string v2 = bytes;
  v2[8 + 5] = 9;
  Result rv = run("replay --rules " + kRules + " " + write_file("v9.thcap", v2));
  EXPECT_EQ(rv.status, 1) << rv.err;
  EXPECT_NE(rv.err.find("format version 9; this tracehound reads version 1"), std::string::npos)
      << rv.err;
}

}  // namespace
