// The container registry on its own: the cgroup cache that labels processes, and the runtime's
// answers (name, image, start time) that container.* fields read.
#include "engine/proc/container_registry.h"

#include <gtest/gtest.h>

#include <string>

namespace th {
namespace {

const std::string kId = "4f1c2a7b9e3d" + std::string(52, 'a');

TEST(ContainerRegistry, RemembersContainersByCgroupOnly) {
  ContainerRegistry r;
  const ContainerId container = make_container_id(kId);
  const ContainerId host = make_container_id("");
  EXPECT_EQ(r.by_cgroup(77), nullptr);
  r.remember(77, container);
  ASSERT_NE(r.by_cgroup(77), nullptr);
  EXPECT_EQ(r.by_cgroup(77)->full, kId);
  r.remember(78, host);  // a read mid-move shows the host: never cached
  EXPECT_EQ(r.by_cgroup(78), nullptr);
  r.remember(1, container);  // the root cgroup (or a pure v1 host): no key to cache by
  EXPECT_EQ(r.by_cgroup(1), nullptr);
}

TEST(ContainerRegistry, TheCgroupCacheIsBounded) {
  ContainerRegistry r;
  const ContainerId c = make_container_id(kId);
  for (uint64_t id = 2; id < 2 + ContainerRegistry::kMaxCgroupCache; ++id) r.remember(id, c);
  EXPECT_NE(r.by_cgroup(2), nullptr);
  r.remember(100'000, c);  // one more: the cache starts over rather than grow
  EXPECT_EQ(r.by_cgroup(2), nullptr);
  EXPECT_NE(r.by_cgroup(100'000), nullptr);
}

TEST(ContainerRegistry, RuntimeAnswersUntilForgotten) {
  ContainerRegistry r;
  EXPECT_EQ(r.name(kId), "");
  EXPECT_EQ(r.image(kId), "");
  EXPECT_EQ(r.start_ns(kId), 0u);
  r.set_meta(kId, "web", "nginx:1.27");
  r.set_start_ns(kId, 42);
  EXPECT_EQ(r.name(kId), "web");
  EXPECT_EQ(r.image(kId), "nginx:1.27");
  EXPECT_EQ(r.start_ns(kId), 42u);
  r.forget(kId);
  EXPECT_EQ(r.name(kId), "");
  EXPECT_EQ(r.start_ns(kId), 0u);
}

}  // namespace
}  // namespace th
