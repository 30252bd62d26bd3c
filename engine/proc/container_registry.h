// What tracehound knows about containers, by full id: the container of a cgroup (so that a
// process that moved into one, or exited before /proc could be read, is still labelled), and what
// the runtime said about it (name, image, start time; engine/proc/container_meta.h fills those in
// between events). The process table labels processes from it; container.* fields read it.
//
// Not thread-safe: one registry per detector thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "engine/proc/container_id.h"

namespace th {

class ContainerRegistry {
 public:
  // The container of a cgroup (the kernel's cgroup id, the same in every cgroup namespace);
  // nullptr when not known.
  const ContainerId* by_cgroup(uint64_t cgroup_id) const;
  // Remembers that `cgroup_id` is container `c` (only containers are remembered; bounded).
  void remember(uint64_t cgroup_id, const ContainerId& c);

  // Name, image and start time of a container by full id, from the runtime; "" or 0 when unknown.
  // The views stay valid until the next set_meta/forget for that id, which only happen between
  // events.
  std::string_view name(const std::string& full_id) const;
  std::string_view image(const std::string& full_id) const;
  uint64_t start_ns(const std::string& full_id) const;
  void set_meta(const std::string& full_id, std::string name, std::string image);
  void set_start_ns(const std::string& full_id, uint64_t ns) { start_ns_[full_id] = ns; }
  // Drops what the runtime said about a container (name, image, start time).
  void forget(const std::string& full_id);

  static constexpr std::size_t kMaxCgroupCache = 4096;

 private:
  struct Meta {
    std::string name;
    std::string image;
  };
  std::unordered_map<uint64_t, ContainerId> by_cgroup_;  // bounded by kMaxCgroupCache
  std::unordered_map<std::string, Meta> meta_;
  std::unordered_map<std::string, uint64_t> start_ns_;
};

}  // namespace th
