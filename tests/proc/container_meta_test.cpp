// Container metadata from a runtime API socket: parsing the API's answers, the client against a
// fake runtime on a unix socket, and the background service feeding the process table.
#include "engine/proc/container_meta.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <ctime>
#include <sstream>
#include <string>

#include "engine/http/module_loader.h"
#include "engine/metrics/metrics.h"
#include "engine/proc/process_table.h"
#include "fake_container_api.h"
#include "fake_proc.h"
#include "support/poll.h"

namespace th {
namespace {

using namespace std::chrono_literals;

// The HTTP module of this build (the command looks next to itself; this program is elsewhere).
[[maybe_unused]] const bool kHttpModuleOfThisBuild = (http::use_module_at(TH_HTTP_MODULE), true);

const std::string kIdA(64, 'a');
const std::string kIdB = std::string(12, 'b') + std::string(52, '1');

// Seconds since the epoch of a UTC calendar time, from libc (an independent reference).
uint64_t utc_seconds(int year, int mon, int day, int hour, int min, int sec) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = mon - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = min;
  tm.tm_sec = sec;
  return static_cast<uint64_t>(timegm(&tm));
}

std::string inspect_body(const std::string& name, const std::string& image,
                         const std::string& started) {
  return R"({"Id":"x","Name":")" + name + R"(","Config":{"Image":")" + image +
         R"(","Env":["A=1"]},"State":{"Status":"running","StartedAt":")" + started + R"("}})";
}

// ---- RFC 3339 -----------------------------------------------------------------------------------

struct TimeCase {
  const char* text;
  int y, mo, d, h, mi, s;
  int64_t offset_s;   // subtracted: local time minus offset is UTC
  uint64_t frac_ns;
};

class Rfc3339 : public ::testing::TestWithParam<TimeCase> {};

TEST_P(Rfc3339, ParsesToNanosecondsSinceTheEpoch) {
  const auto& c = GetParam();
  auto got = parse_rfc3339_ns(c.text);
  ASSERT_TRUE(got.has_value()) << c.text;
  uint64_t secs = utc_seconds(c.y, c.mo, c.d, c.h, c.mi, c.s) - c.offset_s;
  EXPECT_EQ(*got, secs * 1'000'000'000ull + c.frac_ns) << c.text;
}

INSTANTIATE_TEST_SUITE_P(
    Times, Rfc3339,
    ::testing::Values(TimeCase{"2024-05-01T10:00:00Z", 2024, 5, 1, 10, 0, 0, 0, 0},
                      TimeCase{"2024-05-01T10:00:00.5Z", 2024, 5, 1, 10, 0, 0, 0, 500'000'000},
                      // docker: nanoseconds
                      TimeCase{"2025-11-26T16:30:01.123456789Z", 2025, 11, 26, 16, 30, 1, 0,
                               123'456'789},
                      // podman: local offset
                      TimeCase{"2025-02-28T23:59:59.000000001+02:00", 2025, 2, 28, 23, 59, 59,
                               7200, 1},
                      TimeCase{"2024-02-29T00:00:00-05:30", 2024, 2, 29, 0, 0, 0, -19800, 0},
                      // digits past nanoseconds are cut, not rounded
                      TimeCase{"2000-01-01T00:00:00.1234567899Z", 2000, 1, 1, 0, 0, 0, 0,
                               123'456'789}));

TEST(Rfc3339, RejectsWhatIsNotATimeAndGoZeroTime) {
  for (const char* bad : {"", "0001-01-01T00:00:00Z", "2024-05-01", "2024-05-01T10:00:00",
                          "2024-13-01T10:00:00Z", "2024-05-01T10:00:00.Z", "2024-05-01T10:00:00Zx",
                          "2024-05-01T10:00:00+0200", "yesterday at noon, more or less"})
    EXPECT_FALSE(parse_rfc3339_ns(bad).has_value()) << bad;
}

// ---- answers ------------------------------------------------------------------------------------

TEST(ContainerInspect, DockerAnswerGivesNameWithoutSlashImageAndStart) {
  auto m = parse_container_inspect(
      inspect_body("/web-1", "docker.io/library/nginx:1.27", "2024-05-01T10:00:00.25Z"));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->name, "web-1");
  EXPECT_EQ(m->image, "docker.io/library/nginx:1.27");
  EXPECT_EQ(m->start_ns, utc_seconds(2024, 5, 1, 10, 0, 0) * 1'000'000'000ull + 250'000'000);
}

TEST(ContainerInspect, MissingMembersStayEmptyAndNeverStartedHasNoStart) {
  auto m = parse_container_inspect(
      R"({"Name":"created-only","State":{"StartedAt":"0001-01-01T00:00:00Z"},"Config":null})");
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->name, "created-only");
  EXPECT_EQ(m->image, "");
  EXPECT_EQ(m->start_ns, 0u);
}

TEST(ContainerInspect, NotAnObjectIsRejected) {
  for (const char* bad : {"", "[]", "null", "{\"Name\":", "<html>502</html>"})
    EXPECT_FALSE(parse_container_inspect(bad).has_value()) << bad;
}

TEST(ContainerList, KeepsFullIdsWithFirstNameAndImage) {
  std::string body = "[{\"Id\":\"" + kIdA +
                     R"(","Names":["/db","/alias"],"Image":"postgres:16"},)"
                     R"({"Id":"short","Names":["/x"],"Image":"y"},)"
                     R"({"Id":")" + kIdB + R"(","Image":"busybox"}, 7])";
  auto list = parse_container_list(body);
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].first, kIdA);
  EXPECT_EQ(list[0].second.name, "db");
  EXPECT_EQ(list[0].second.image, "postgres:16");
  EXPECT_EQ(list[1].first, kIdB);
  EXPECT_EQ(list[1].second.name, "");
  EXPECT_TRUE(parse_container_list("{\"message\":\"x\"}").empty());
}

// ---- the client against a fake runtime ----------------------------------------------------------

class ContainerApi : public ::testing::Test {
 protected:
  fake::TempDir dir;
  std::string sock = dir / "api.sock";
};

TEST_F(ContainerApi, InspectFoundNotFoundAndServerError) {
  fake::FakeContainerApi api(sock);
  api.set("/containers/" + kIdA + "/json",
          {200, inspect_body("/app", "localhost/app:2", "2025-01-02T03:04:05Z")});
  api.set("/containers/" + kIdB + "/json", {500, R"({"message":"boom"})"});
  ContainerApiClient client(sock, 2000ms);

  auto a = client.inspect(kIdA);
  EXPECT_EQ(a.status, ContainerApiClient::Status::found);
  EXPECT_EQ(a.meta.name, "app");
  EXPECT_EQ(a.meta.image, "localhost/app:2");
  EXPECT_EQ(a.meta.start_ns, utc_seconds(2025, 1, 2, 3, 4, 5) * 1'000'000'000ull);

  auto missing = client.inspect(std::string(64, 'c'));
  EXPECT_EQ(missing.status, ContainerApiClient::Status::not_found);

  auto broken = client.inspect(kIdB);
  EXPECT_EQ(broken.status, ContainerApiClient::Status::unavailable);
  EXPECT_NE(broken.error.find("500"), std::string::npos) << broken.error;

  auto reqs = api.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0], "/containers/" + kIdA + "/json");
}

TEST_F(ContainerApi, NoSocketIsUnavailableNotACrash) {
  ContainerApiClient client(sock, 500ms);
  auto r = client.inspect(kIdA);
  EXPECT_EQ(r.status, ContainerApiClient::Status::unavailable);
  EXPECT_FALSE(r.error.empty());
  std::string error;
  EXPECT_FALSE(client.list(error).has_value());
  EXPECT_FALSE(error.empty());
}

// ---- the service and the process table ---------------------------------------------------------

class ContainerService : public ContainerApi {
 protected:
  Metrics metrics;
  ProcessTable table{ProcessTableOptions{.proc_root = "", .passwd_path = "", .metrics = &metrics}};

  ContainerMetaOptions options(std::vector<std::string> sockets) {
    ContainerMetaOptions o;
    o.sockets = std::move(sockets);
    o.timeout = 2000ms;
    o.retry_after = 3600s;
    o.metrics = &metrics;
    return o;
  }
  double lookups(const char* result) {
    return metrics.value("tracehound_container_metadata_lookups_total", {{"result", result}});
  }
  // Applies answers until `id` has a name (the worker runs on its own schedule).
  void apply_until_named(ContainerMetadata& meta, const std::string& id) {
    th::test::eventually([&] {
      meta.wait_idle(2000ms);
      meta.apply(table.containers());
      return !table.containers().name(id).empty();
    }, 10s, 10ms);
  }
};

TEST_F(ContainerService, AnswersReachTheTableOnlyThroughApply) {
  fake::FakeContainerApi api(sock);
  api.set("/containers/" + kIdA + "/json",
          {200, inspect_body("/victim", "localhost/victims:1", "2025-06-01T12:00:00Z")});
  auto o = options({dir / "absent.sock", sock});
  o.prefetch = false;
  ContainerMetadata meta(o);
  Process p;
  p.pid = 42;
  p.container_full_id = kIdA;
  p.container_id = kIdA.substr(0, 12);
  Event e;
  e.proc = &p;
  meta.observe(e);
  meta.observe(e);  // asked once only
  ASSERT_TRUE(meta.wait_idle(5000ms));
  EXPECT_EQ(table.containers().name(kIdA), "");  // nothing until the detector thread applies
  EXPECT_EQ(meta.apply(table.containers()), 1u);
  EXPECT_EQ(table.containers().name(kIdA), "victim");
  EXPECT_EQ(table.containers().image(kIdA), "localhost/victims:1");
  EXPECT_EQ(table.containers().start_ns(kIdA), utc_seconds(2025, 6, 1, 12, 0, 0) * 1'000'000'000ull);
  EXPECT_EQ(api.requests().size(), 1u);
  EXPECT_EQ(lookups("found"), 1);
}

TEST_F(ContainerService, PrefetchListsTheRunningContainers) {
  fake::FakeContainerApi api(sock);
  api.set("/containers/json",
          {200, "[{\"Id\":\"" + kIdB + R"(","Names":["/sidecar"],"Image":"tracehound:test"}])"});
  ContainerMetadata meta(options({sock}));
  apply_until_named(meta, kIdB);
  EXPECT_EQ(table.containers().name(kIdB), "sidecar");
  EXPECT_EQ(table.containers().image(kIdB), "tracehound:test");
  EXPECT_EQ(table.containers().start_ns(kIdB), 0u);  // the list has no start time
}

TEST_F(ContainerService, ContainerOfAnotherRuntimeIsCountedAsNotFound) {
  fake::FakeContainerApi api(sock);
  auto o = options({sock});
  o.prefetch = false;
  ContainerMetadata meta(o);
  meta.request(kIdA);
  ASSERT_TRUE(meta.wait_idle(5000ms));
  EXPECT_EQ(meta.apply(table.containers()), 0u);
  EXPECT_EQ(table.containers().name(kIdA), "");
  EXPECT_EQ(lookups("not_found"), 1);
  EXPECT_EQ(lookups("unavailable"), 0);
}

TEST_F(ContainerService, WithoutAnySocketFieldsStayEmptyAndLookupsAreCounted) {
  ContainerMetadata meta(options({dir / "none.sock"}));
  meta.request(kIdA);
  meta.request(kIdB);
  ASSERT_TRUE(meta.wait_idle(5000ms));
  EXPECT_EQ(meta.apply(table.containers()), 0u);
  EXPECT_EQ(table.containers().name(kIdA), "");
  EXPECT_EQ(lookups("unavailable"), 2);
}

TEST_F(ContainerService, WithoutTheHttpModuleFieldsStayEmptyWithOneWarningAndCountedLookups) {
  fake::FakeContainerApi api(sock);
  api.set("/containers/" + kIdA + "/json", {200, inspect_body("/a", "img-a", "")});
  std::ostringstream log;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(std::make_shared<spdlog::logger>(
      "capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(log)));
  http::use_module_at(dir / "absent/libtracehound_http.so");
  {
    ContainerMetadata meta(options({sock}));  // with the prefetch: a first use of the module
    meta.request(kIdA);
    meta.request(kIdB);
    EXPECT_TRUE(meta.wait_idle(5000ms));  // not ASSERT: the logger must be put back first
    EXPECT_EQ(meta.apply(table.containers()), 0u);
  }
  http::use_module_at(TH_HTTP_MODULE);
  spdlog::set_default_logger(previous);
  EXPECT_EQ(table.containers().name(kIdA), "");
  EXPECT_EQ(lookups("unavailable"), 2);
  EXPECT_TRUE(api.requests().empty());
  std::string text = log.str();
  auto first = text.find("cannot load the HTTP module libtracehound_http.so");
  ASSERT_NE(first, std::string::npos) << text;
  EXPECT_NE(text.find("absent/libtracehound_http.so: cannot open shared object file"),
            std::string::npos) << text;
  EXPECT_EQ(text.find("cannot load the HTTP module", first + 1), std::string::npos)
      << "warned more than once: " << text;
}

TEST_F(ContainerService, FullQueueDropsAreCounted) {
  auto o = options({dir / "none.sock"});
  o.max_pending = 1;
  o.prefetch = false;
  constexpr int kAsked = 50;
  {
    ContainerMetadata meta(o);
    // A queue of one (and one deferred retry) cannot hold fifty containers asked at once.
    for (int i = 0; i < kAsked; ++i) {
      std::string id = std::to_string(i);
      id.resize(64, 'd');
      meta.request(id);
    }
  }
  double dropped = metrics.value("tracehound_container_metadata_dropped_total");
  EXPECT_GT(dropped, 0);
  EXPECT_LE(dropped, kAsked);
}

TEST_F(ContainerService, EvictedContainersLeaveTheTable) {
  fake::FakeContainerApi api(sock);
  api.set("/containers/" + kIdA + "/json", {200, inspect_body("/a", "img-a", "")});
  api.set("/containers/" + kIdB + "/json", {200, inspect_body("/b", "img-b", "")});
  auto o = options({sock});
  o.prefetch = false;
  o.max_cached = 1;
  ContainerMetadata meta(o);
  meta.request(kIdA);
  apply_until_named(meta, kIdA);
  ASSERT_EQ(table.containers().name(kIdA), "a");
  meta.request(kIdB);  // pushes kIdA out of the remembered set
  apply_until_named(meta, kIdB);
  EXPECT_EQ(table.containers().name(kIdB), "b");
  EXPECT_EQ(table.containers().name(kIdA), "");
}

// ---- a process that moves into a container after its fork was seen ------------------------------

TEST(ContainerMove, ContainerIdFollowsTheCgroupTheProbeReports) {
  fake::FakeProcTree tree;
  fake::FakeProc runc;
  runc.pid = 100;
  runc.ppid = 1;
  runc.comm = "runc";
  runc.argv = {"runc", "init"};
  runc.cgroup = "0::/system.slice/podman.service\n";
  tree.add(runc);
  Metrics metrics;
  ProcessTable table(ProcessTableOptions{.proc_root = tree.root_str(), .passwd_path = "",
                                         .metrics = &metrics});
  table.bootstrap();

  Actor parent;
  parent.pid = parent.tid = parent.vpid = 100;
  parent.ppid = 1;
  parent.cgroup_id = 500;
  parent.comm = "runc";
  Event fork;
  fork.type = EvtType::clone;
  fork.ts_ns = 1;
  fork.actor = parent;
  fork.child_pid = fork.child_tid = 101;
  fork.res = 101;
  table.on_fork(fork);
  ASSERT_NE(table.find(101), nullptr);
  EXPECT_EQ(table.find(101)->container_id, "host");

  // The child joins the container's cgroup (v1, v2 or hybrid lines alike), then execs.
  fake::FakeProc child = runc;
  child.pid = 101;
  child.ppid = 100;
  child.cgroup = "4:memory:/libpod_parent/libpod-" + kIdA + "\n0::/libpod_parent/libpod-" + kIdA +
                 "\n";
  tree.add(child);
  Event exec;
  exec.type = EvtType::execve;
  exec.ts_ns = 2;
  exec.actor = parent;
  exec.actor.pid = exec.actor.tid = exec.actor.vpid = 101;
  exec.actor.ppid = 100;
  exec.actor.cgroup_id = 900;
  exec.exepath = "/victim";
  exec.argv = {"/victim"};
  table.on_exec(exec);
  EXPECT_EQ(table.find(101)->container_full_id, kIdA);
  EXPECT_EQ(table.find(101)->container_id, kIdA.substr(0, 12));

  // A second process of the same cgroup is resolved from the cache, even once /proc is gone.
  child.pid = 102;
  child.cgroup = "0::/elsewhere\n";
  tree.add(child);
  Event fork2 = fork;
  fork2.child_pid = fork2.child_tid = 102;
  fork2.res = 102;
  table.on_fork(fork2);
  Event act = exec;
  act.actor.pid = act.actor.tid = act.actor.vpid = 102;
  table.resolve_actor(act.actor, 3);
  EXPECT_EQ(table.find(102)->container_full_id, kIdA);
}

TEST(ContainerMove, WithoutCgroupV2TheExecRereadsTheCgroupFile) {
  fake::FakeProcTree tree;
  fake::FakeProc p;
  p.pid = 200;
  p.ppid = 1;
  p.comm = "sh";
  p.argv = {"sh"};
  p.cgroup = "3:cpu:/\n";
  tree.add(p);
  Metrics metrics;
  ProcessTable table(ProcessTableOptions{.proc_root = tree.root_str(), .passwd_path = "",
                                         .metrics = &metrics});
  table.bootstrap();
  p.cgroup = "3:cpu:/docker/" + kIdB + "\n";
  tree.add(p);
  Event exec;
  exec.type = EvtType::execve;
  exec.ts_ns = 5;
  exec.actor.pid = exec.actor.tid = exec.actor.vpid = 200;
  exec.actor.ppid = 1;
  exec.actor.cgroup_id = 1;  // the root of a hierarchy v2 that holds nothing
  exec.exepath = "/bin/app";
  table.on_exec(exec);
  EXPECT_EQ(table.find(200)->container_full_id, kIdB);
}

}  // namespace
}  // namespace th
