// Container ids from cgroup membership, as Falco reports them: the runtime's 64-hex id (full) and
// its first 12 characters (short). A process outside any container has short id "host" and an
// empty full id.
//
// Recognised layouts (component names in a cgroup path):
//   <64hex>                        docker/containerd/CRI with the cgroupfs driver
//                                  (/docker/<id>, /kubepods/burstable/pod<uid>/<id>, /default/<id>)
//   docker-<64hex>.scope           docker (and cri-dockerd) with the systemd driver
//   cri-containerd-<64hex>.scope   containerd CRI with the systemd driver
//   crio-<64hex>[.scope]           CRI-O
//   libpod-<64hex>[.scope]         podman (root and rootless)
//   ...slice:cri-containerd:<64hex>  containerd with kubelet's systemd driver but cgroupfs runc
// The innermost matching component wins, so docker-in-docker reports the inner container, and
// a process in a sub-cgroup of a container (systemd's init.scope inside the container, podman's
// <id>.scope/container) still belongs to it. Falco only looks at the tail of the path and would
// report "host" for such sub-cgroups. Monitors (libpod-conmon-<id>.scope, crio-conmon-<id>.scope)
// are not containers: the text after the prefix is not a bare id.
#pragma once

#include <string>
#include <string_view>

namespace th {

struct ContainerId {
  std::string full = {};         // 64 hex, "" outside containers
  std::string short_id = "host"; // 12 hex, "host" outside containers
  bool in_container() const { return !full.empty(); }
};

inline constexpr std::size_t kContainerIdLen = 64;
inline constexpr std::size_t kShortContainerIdLen = 12;
inline constexpr std::string_view kHostContainerId = "host";

// The 64-hex id named by one cgroup path ("/system.slice/docker-<id>.scope"), or "" when the path
// names no container. Works on paths relative to a cgroup namespace ("/../../docker-<id>.scope").
std::string_view container_id_from_cgroup_path(std::string_view path);

// From the content of /proc/<pid>/cgroup: v1 ("4:memory:/docker/<id>", several hierarchies: the
// first line naming a container wins), v2 ("0::/...") or hybrid. Malformed lines are skipped.
ContainerId container_id_from_cgroup_file(std::string_view content);

// Full id -> ContainerId with its short form ("" -> host).
ContainerId make_container_id(std::string_view full);

}  // namespace th
