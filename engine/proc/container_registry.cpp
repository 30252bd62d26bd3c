#include "engine/proc/container_registry.h"

namespace th {

const ContainerId* ContainerRegistry::by_cgroup(uint64_t cgroup_id) const {
  auto it = by_cgroup_.find(cgroup_id);
  return it == by_cgroup_.end() ? nullptr : &it->second;
}

void ContainerRegistry::remember(uint64_t cgroup_id, const ContainerId& c) {
  // Only a container is remembered for a cgroup: a runtime moves a process hierarchy by
  // hierarchy, so a read in the middle of a move can show no container yet, and "host" cached
  // under the container's cgroup id would label every later process of that container. Without
  // a cgroup v2 hierarchy (pure v1 host) the id is always the root's: no key to cache by.
  if (cgroup_id <= 1 || !c.in_container()) return;
  if (by_cgroup_.size() >= kMaxCgroupCache) by_cgroup_.clear();
  by_cgroup_[cgroup_id] = c;
}

std::string_view ContainerRegistry::name(const std::string& full_id) const {
  auto it = meta_.find(full_id);
  return it == meta_.end() ? std::string_view() : std::string_view(it->second.name);
}

std::string_view ContainerRegistry::image(const std::string& full_id) const {
  auto it = meta_.find(full_id);
  return it == meta_.end() ? std::string_view() : std::string_view(it->second.image);
}

uint64_t ContainerRegistry::start_ns(const std::string& full_id) const {
  auto it = start_ns_.find(full_id);
  return it == start_ns_.end() ? 0 : it->second;
}

void ContainerRegistry::set_meta(const std::string& full_id, std::string name, std::string image) {
  Meta& m = meta_[full_id];
  m.name = std::move(name);
  m.image = std::move(image);
}

void ContainerRegistry::forget(const std::string& full_id) {
  meta_.erase(full_id);
  start_ns_.erase(full_id);
}

}  // namespace th
