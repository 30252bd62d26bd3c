// schema/alert.schema.json against real alerts of every kind the detector makes (rule alerts,
// session summaries, rate-limit summaries) and an internal alert, with the project's JSON Schema
// check (scripts/validate-json-schema.py, python3-jsonschema).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <set>

#include "detect_support.h"
#include "engine/core/ptrace_request.h"

namespace th {
namespace {

using namespace th::testing;

const std::string kSchema = std::string(TH_SOURCE_DIR) + "/schema/alert.schema.json";
const std::string kValidator = std::string(TH_SOURCE_DIR) + "/scripts/validate-json-schema.py";

struct Check {
  int rc;
  std::string output;
};

// Writes each JSON document to its own file and validates them all in one run.
Check validate(const std::vector<std::string>& docs) {
  auto dir = std::filesystem::temp_directory_path() /
             numbered("th-alert-schema-", ::getpid());
  std::filesystem::create_directories(dir);
  std::string cmd = "python3 " + kValidator + " " + kSchema;
  for (std::size_t i = 0; i < docs.size(); ++i) {
    auto path = dir / (numbered("alert-", i) + ".json");
    std::ofstream(path) << docs[i];
    cmd += ' ';
    cmd += path.string();
  }
  Check c{};
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  while (p && std::fgets(buf, sizeof buf, p)) c.output += buf;
  int status = p ? ::pclose(p) : -1;
  c.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::filesystem::remove_all(dir);
  return c;
}

void require_validator() {
  Check c = validate({});
  if (c.rc == 2 && c.output.find("missing module") != std::string::npos) {
    if (std::getenv("CI")) FAIL() << "CI=true, cannot skip: " << c.output;
    GTEST_SKIP() << c.output;
  }
}

// The alerts of a short attack: ptrace injections (rule alerts, then a session summary), a memfd
// exec flood (held back, then a rate-limit summary), a detach.
std::vector<Alert> alerts_of_every_kind() {
  ProcessTable table(ProcessTableOptions{.proc_root = "", .passwd_path = ""});
  table.upsert(host_process(1, 0, 0, "/usr/lib/systemd/systemd"));
  table.upsert(host_process(800, 1, 0, "/tmp/.x/inject"));
  table.upsert(host_process(900, 1, 0, "/usr/bin/sleep"));
  CollectingSink sink;
  DetectorOptions o;
  o.hostname = "schema-test";
  o.rate_limit.enabled = true;
  o.rate_limit.burst = 2;
  Detector det(default_rules(), table, sink, o);
  uint64_t t = kT0;
  for (const char* req : {"PTRACE_ATTACH", "PTRACE_POKETEXT", "PTRACE_POKEDATA", "PTRACE_SETREGS",
                          "PTRACE_POKETEXT", "PTRACE_DETACH"}) {
    Event e = ptrace_request(800, 900, *ptrace_request_from_name(req), 0, t++);
    det.process(e);
  }
  for (int i = 0; i < 20; ++i) {
    Event e = memfd_exec(5000 + i, 65534, "flood", t++);
    det.process(e);
  }
  det.finish();
  return sink.alerts;
}

// An internal alert as `run` reports kernel drops.
Alert internal_alert() {
  Alert a;
  a.time_ns = kT0;
  a.rule = "tracehound internal: kernel event drops";
  a.priority = Priority::critical;
  a.source = "internal";
  a.hostname = "schema-test";
  a.tags = {"tracehound_internal"};
  a.output = alert_prefix(kT0, a.priority) + "tracehound internal: 3 events were dropped";
  a.output_fields["tracehound.kernel_drops"] = 3;
  a.output_fields["tracehound.kernel_drops_by_kind"] = {{"ptrace", 3}};
  return a;
}

TEST(AlertSchema, RealAlertsOfEveryKindValidate) {
  require_validator();
  std::vector<Alert> alerts = alerts_of_every_kind();
  alerts.push_back(internal_alert());
  std::set<std::string> kinds;
  std::vector<std::string> docs;
  for (const auto& a : alerts) {
    auto k = a.output_fields.find("tracehound.summary_kind");
    kinds.insert(a.source == "internal" ? "internal"
                 : k != a.output_fields.end() ? k->get<std::string>()
                                              : "rule");
    docs.push_back(alert_to_json(a));
  }
  EXPECT_EQ(kinds, (std::set<std::string>{"rule", "session", "rate_limit", "internal"}));
  Check c = validate(docs);
  EXPECT_EQ(c.rc, 0) << c.output;
}

TEST(AlertSchema, RejectsWhatFalcoConsumersWouldNotTake) {
  require_validator();
  Alert good = alerts_of_every_kind().front();
  struct Case {
    const char* what;
    std::string doc;
  };
  auto mutate = [&](auto f) {
    auto j = nlohmann::ordered_json::parse(alert_to_json(good));
    f(j);
    return j.dump();
  };
  std::vector<Case> cases = {
      {"untrimmed output", mutate([](auto& j) { j["output"] = j["output"].template get<std::string>() + "\n"; })},
      {"unknown priority", mutate([](auto& j) { j["priority"] = "Severe"; })},
      {"time without ns", mutate([](auto& j) { j["time"] = "2026-01-01T00:00:00Z"; })},
      {"missing rule", mutate([](auto& j) { j.erase("rule"); })},
      {"unknown key", mutate([](auto& j) { j["extra"] = 1; })},
      {"rule alert without evt.time", mutate([](auto& j) { j["output_fields"].erase("evt.time"); })},
      {"session summary without counts",
       mutate([](auto& j) { j["output_fields"]["tracehound.summary_kind"] = "session"; })},
      {"rate-limit summary without counts",
       mutate([](auto& j) { j["output_fields"]["tracehound.summary_kind"] = "rate_limit"; })},
  };
  for (const auto& c : cases) {
    Check r = validate({c.doc});
    EXPECT_EQ(r.rc, 1) << c.what << ": " << r.output;
  }
}

}  // namespace
}  // namespace th
