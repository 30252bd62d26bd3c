// container.name / container.image and their target twins: what the runtime said (through the
// process table), empty until then, `host` outside containers; container.id and full_id beside.
#include <gtest/gtest.h>

#include <string>

#include "engine/fields/field.h"
#include "engine/fields/scratch.h"
#include "engine/metrics/metrics.h"
#include "engine/proc/process_table.h"

namespace th {
namespace {

const std::string kActorId = std::string(12, 'a') + std::string(52, '0');
const std::string kTargetId = std::string(12, 'b') + std::string(52, '1');

struct Extracted {
  bool has = false;
  std::string value;
};

Extracted extract(const char* field, const Event& e) {
  const FieldDef* d = FieldRegistry::builtin().find(field);
  EXPECT_NE(d, nullptr) << field;
  if (!d) return {};
  Scratch s;
  Values v;
  Extracted out;
  out.has = d->extract(e, FieldArg{}, s, v);
  if (out.has && !v.empty()) out.value = std::string(v[0].str);
  return out;
}

Process in_container(int32_t pid, const std::string& full_id) {
  Process p;
  p.pid = pid;
  p.container_full_id = full_id;
  p.container_id = full_id.empty() ? "host" : full_id.substr(0, 12);
  return p;
}

class ContainerFields : public ::testing::Test {
 protected:
  Metrics metrics;
  ProcessTable table{ProcessTableOptions{.proc_root = "", .passwd_path = "", .metrics = &metrics}};
  Process actor = in_container(10, kActorId);
  Process target = in_container(20, kTargetId);

  Event injection() {
    Event e;
    e.type = EvtType::ptrace;
    e.actor.pid = actor.pid;
    e.target_pid = target.pid;
    e.proc = &actor;
    e.target = &target;
    e.table = &table;
    return e;
  }
};

TEST_F(ContainerFields, NamesAndImagesComeFromTheRuntimeOnceKnown) {
  Event e = injection();
  EXPECT_EQ(extract("container.name", e).value, "");
  EXPECT_EQ(extract("target.container.image", e).value, "");
  table.containers().set_meta(kActorId, "attacker", "localhost/tools:1");
  table.containers().set_meta(kTargetId, "web", "docker.io/library/nginx:1.27");
  EXPECT_EQ(extract("container.name", e).value, "attacker");
  EXPECT_EQ(extract("container.image", e).value, "localhost/tools:1");
  EXPECT_EQ(extract("target.container.name", e).value, "web");
  EXPECT_EQ(extract("target.container.image", e).value, "docker.io/library/nginx:1.27");
  EXPECT_EQ(extract("container.id", e).value, kActorId.substr(0, 12));
  EXPECT_EQ(extract("container.full_id", e).value, kActorId);
  EXPECT_EQ(extract("target.container.id", e).value, kTargetId.substr(0, 12));
  EXPECT_EQ(extract("target.container.full_id", e).value, kTargetId);
  table.containers().forget(kTargetId);
  EXPECT_EQ(extract("target.container.name", e).value, "");
}

TEST_F(ContainerFields, HostProcessesAreNamedHostWithoutImage) {
  actor = in_container(10, "");
  table.containers().set_meta(kTargetId, "web", "nginx");
  Event e = injection();
  EXPECT_EQ(extract("container.name", e).value, "host");
  EXPECT_TRUE(extract("container.image", e).has);
  EXPECT_EQ(extract("container.image", e).value, "");
  EXPECT_EQ(extract("container.id", e).value, "host");
  EXPECT_EQ(extract("target.container.name", e).value, "web");
}

TEST_F(ContainerFields, StartTimeHasNoValueUntilTheRuntimeSaid) {
  Event e = injection();
  const FieldDef* d = FieldRegistry::builtin().find("container.start_ts");
  ASSERT_NE(d, nullptr);
  Scratch s;
  Values v;
  EXPECT_FALSE(d->extract(e, FieldArg{}, s, v));
  table.containers().set_start_ns(kActorId, 1'700'000'000'000'000'123ull);
  v.clear();
  ASSERT_TRUE(d->extract(e, FieldArg{}, s, v));
  EXPECT_EQ(v[0].u, 1'700'000'000'000'000'123ull);
}

TEST_F(ContainerFields, NoTableOrNoTargetGivesNoCrash) {
  Event e = injection();
  e.table = nullptr;
  EXPECT_EQ(extract("container.name", e).value, "");
  EXPECT_EQ(extract("target.container.image", e).value, "");
  e = injection();
  e.type = EvtType::execve;  // no target on an exec
  EXPECT_FALSE(extract("target.container.name", e).has);
}

}  // namespace
}  // namespace th
