// Container identity from the kernel, live: a process moved into a cgroup named the way a
// container runtime names it, which execs and exits at once, is reported with that container's
// id (the probe reads the cgroup at the exec; /proc is too late for such a process).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "live_harness.h"

namespace e2e {
namespace {

// Where the cgroup v2 hierarchy is mounted ("" when there is none).
std::string unified_mount() {
  std::ifstream in("/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.find(" - cgroup2 ") == std::string::npos) continue;
    std::istringstream f(line);
    std::string id, parent, dev, root, mount;
    f >> id >> parent >> dev >> root >> mount;
    return mount;
  }
  return {};
}

TEST(ContainerId, AShortLivedProcessInAContainerCgroup) {
  E2E_REQUIRE_LIVE();
  std::string mount = unified_mount();
  if (mount.empty()) TH_SKIP_OR_FAIL("no cgroup v2 hierarchy");
  const std::string id = "e2e0c0de" + std::string(56, 'b');
  std::string parent = mount + "/tracehound-e2e-" + std::to_string(getpid());
  std::string cg = parent + "/docker-" + id + ".scope";
  ASSERT_EQ(mkdir(parent.c_str(), 0755), 0) << parent;
  ASSERT_EQ(mkdir(cg.c_str(), 0755), 0) << cg;
  {
    Tracehound th({.rules_yaml =
                       "- rule: e2e exec\n  desc: d\n  condition: evt.type = execve and "
                       "proc.exepath endswith /true and proc.args = e2e-container-marker\n"
                       "  output: \"%proc.pid %container.id %container.full_id\"\n"
                       "  priority: WARNING\n  fold: false\n"});
    ASSERT_TRUE(th.ready()) << th.log();
    // The shell moves itself into the cgroup, then becomes /bin/true, which exits at once.
    Process p({"/bin/sh", "-c", "echo $$ > " + cg + "/cgroup.procs && exec /bin/true e2e-container-marker"},
              true);
    EXPECT_EQ(p.wait(), 0) << p.stderr_text();
    auto a = th.wait_for([&](const json& al) { return al["rule"] == "e2e exec"; });
    ASSERT_TRUE(a) << th.log();
    EXPECT_EQ(field_str(*a, "container.id"), id.substr(0, 12));
    EXPECT_EQ(field_str(*a, "container.full_id"), id);
    EXPECT_EQ(th.stop(), 0);
  }
  rmdir(cg.c_str());
  rmdir(parent.c_str());
}

}  // namespace
}  // namespace e2e
