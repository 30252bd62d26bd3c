// Alert floods and forged text, live: an unprivileged memfd exec loop against `tracehound run`
// is bounded by the rate limit and summarised with the right counts, while a root injection
// during the flood is still alerted; a memfd name holding a newline and terminal escapes cannot
// forge a line of `--format text`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "live_harness.h"
#include "support/poll.h"

namespace e2e {
namespace {

constexpr const char* kFileless = "Fileless execution from memfd";

std::string temp_file(const std::string& stem, const std::string& text) {
  std::string path = "/tmp/th-e2e-" + stem + "-" + std::to_string(getpid()) + ".yaml";
  std::ofstream(path) << text;
  return path;
}

// `n` execs from a memfd named `name`, one after the other, as user nobody.
std::vector<std::string> unprivileged_exec_loop(const std::string& name, int n) {
  return {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "/bin/sh", "-c",
          "i=0; while [ $i -lt " + std::to_string(n) + " ]; do \"$0\" --name \"$1\" >/dev/null || exit 1; "
          "i=$((i+1)); done",
          attack_program("exec_memfd"), name};
}

bool names(const json& alert, const std::string& name) {
  return field_str(alert, "proc.exepath").find(name) != std::string::npos;
}

TEST(AlertFlood, UnprivilegedMemfdExecLoopIsBoundedAndSummarised) {
  E2E_REQUIRE_LIVE();
  const int kBurst = 3, kExecs = 300;
  std::string config = temp_file("flood-config",
                                 "rate_limit:\n  burst: " + std::to_string(kBurst) +
                                     "\n  interval: 1h\n  summary_interval: 2s\n");
  Tracehound::Options opts;
  opts.extra_args = {"--config", config};
  Tracehound th(opts);
  ASSERT_TRUE(th.ready()) << th.log();
  const std::string name = "th-flood-" + std::to_string(getpid());

  Process loop(unprivileged_exec_loop(name, kExecs));
  // A root injection while the flood runs.
  Victim v;
  auto r = run_attack({attack_program("inject_ptrace_poketext"), std::to_string(v.pid())});
  auto injection = th.wait_for([&](const json& a) {
    return (a["priority"] == "Critical" || a["priority"] == "Error") &&
           field_int(a, "proc.pid") == r["tracer_pid"] &&
           field_int(a, "target.pid") == v.pid();
  });
  EXPECT_TRUE(injection) << "the root injection during the flood was not alerted";
  ASSERT_EQ(loop.wait(std::chrono::seconds(120)), 0) << "the exec loop failed";

  // Every exec is either alerted or counted in a summary; wait for the last summary.
  uint64_t alerted = 0, summarised = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  do {
    th.settle(std::chrono::milliseconds(300));
    alerted = summarised = 0;
    for (const auto& a : th.alerts()) {
      if (a["rule"] != kFileless) continue;
      const json& f = a["output_fields"];
      if (f.value("tracehound.summary_kind", "") == "rate_limit") {
        EXPECT_EQ(f["tracehound.user_uid"], 65534);
        for (const auto& [bin, n] : f["tracehound.binaries"].items())
          if (bin.find(name) != std::string::npos) summarised += n.get<uint64_t>();
      } else if (names(a, name)) {
        EXPECT_EQ(field_int(a, "user.uid"), 65534);
        ++alerted;
      }
    }
  } while (alerted + summarised < kExecs && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(alerted, static_cast<uint64_t>(kBurst)) << "the burst, then nothing until the interval";
  EXPECT_EQ(alerted + summarised, static_cast<uint64_t>(kExecs))
      << "every exec is alerted or counted in a summary\n" << th.log();
  std::remove(config.c_str());
}

TEST(AlertFlood, ForgedLinesInAMemfdNameStayOnTheAlertsLine) {
  E2E_REQUIRE_LIVE();
  std::string marker = "th-forge-" + std::to_string(getpid());
  std::string name = marker + "\n00:00:00.000000000: Debug all clear\x1b[2J\x07";
  Process th({tracehound_binary(), "run", "--format", "text", "--metrics-port", "0"},
             /*capture_stderr=*/true);
  th::test::eventually([&] { return th.stderr_text().find("watching") != std::string::npos; });
  ASSERT_NE(th.stderr_text().find("watching"), std::string::npos) << th.stderr_text();

  // Not run_attack: the program's report holds the name as it is, not as JSON.
  Process attack({attack_program("exec_memfd"), "--name", name});
  ASSERT_EQ(attack.wait(), 0);
  std::optional<std::string> hit;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!hit && std::chrono::steady_clock::now() < deadline) {
    auto line = th.line(std::chrono::milliseconds(500));
    if (!line) continue;
    EXPECT_EQ(line->rfind("00:00:00.000000000: Debug all clear", 0), std::string::npos)
        << "a forged line: " << *line;
    if (line->find(marker) != std::string::npos) hit = line;
  }
  ASSERT_TRUE(hit) << "no alert for the memfd exec\n" << th.stderr_text();
  EXPECT_NE(hit->find(marker + "\\n00:00:00.000000000: Debug all clear\\x1b[2J\\x07"),
            std::string::npos)
      << *hit;
  EXPECT_EQ(hit->find('\x1b'), std::string::npos);
  th.signal(SIGTERM);
  EXPECT_EQ(th.wait(), 0);
}

}  // namespace
}  // namespace e2e
