// Container ids from /proc/<pid>/cgroup content: one row per real-world layout.
#include "engine/proc/container_id.h"

#include <gtest/gtest.h>

#include <string>

namespace th {
namespace {

const std::string kA = "11a92ba5713ed5042f7abdca3fe23af336cb00e00f358106bd29ef2b59786f99";
const std::string kB = "e9cadf8e4a965cfcfdb140428979f0b69fae21cff6d3a51daa91a584fc089e2d";
const std::string kC = "138947fb83205b09dd7f2c8d8bdaba702e59a9b1ee12aa3e0a467915cdcff7f2";
const std::string kUpper = "3A06BAE91EC83E1C384DF171F83679D3F728421A207562453532CBC955C4EA0E";
const std::string kPodUid = "74c13223-5a00-11e9-b385-42010a80018d";
const std::string kPodUidSystemd = "74c13223_5a00_11e9_b385_42010a80018d";

// A cgroup v1 file where every controller hierarchy names the same path.
std::string v1_all(const std::string& path) {
  std::string out;
  const char* hierarchies[] = {"12:pids", "11:hugetlb", "10:net_prio,net_cls", "9:perf_event",
                               "8:blkio", "7:freezer", "6:devices", "5:memory", "4:cpuset",
                               "3:cpuacct,cpu", "2:rdma", "1:name=systemd"};
  for (const char* h : hierarchies) out += std::string(h) + ":" + path + "\n";
  return out;
}

struct Case {
  const char* name;
  std::string cgroup_file;
  std::string expected_full;  // "" = host
};

std::vector<Case> cases() {
  return {
      // docker
      {"docker_cgroupfs_v1", v1_all("/docker/" + kA), kA},
      {"docker_systemd_v1", v1_all("/system.slice/docker-" + kA + ".scope"), kA},
      {"docker_cgroupfs_v2", "0::/docker/" + kA + "\n", kA},
      {"docker_systemd_v2", "0::/system.slice/docker-" + kA + ".scope\n", kA},
      {"docker_systemd_in_container_init_scope",
       "0::/system.slice/docker-" + kA + ".scope/init.scope\n", kA},
      {"docker_systemd_in_container_service",
       "0::/system.slice/docker-" + kA + ".scope/system.slice/nginx.service\n", kA},
      {"docker_in_docker_inner_wins", "0::/docker/" + kA + "/docker/" + kB + "\n", kB},
      {"docker_daemon_is_host", "0::/system.slice/docker.service\n", ""},
      {"docker_socket_is_host", "0::/system.slice/docker.socket\n", ""},
      // containerd / CRI
      {"k8s_cgroupfs_besteffort_v1",
       v1_all("/kubepods/besteffort/pod" + kPodUid + "/" + kB), kB},
      {"k8s_cgroupfs_guaranteed_v1", v1_all("/kubepods/pod" + kPodUid + "/" + kB), kB},
      {"k8s_cgroupfs_burstable_v2", "0::/kubepods/burstable/pod" + kPodUid + "/" + kB + "\n", kB},
      {"k8s_systemd_containerd_burstable_v2",
       "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kPodUidSystemd +
           ".slice/cri-containerd-" + kB + ".scope\n",
       kB},
      {"k8s_systemd_containerd_besteffort_v2",
       "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kPodUidSystemd +
           ".slice/cri-containerd-" + kB + ".scope\n",
       kB},
      {"k8s_systemd_containerd_guaranteed_v1",
       v1_all("/kubepods.slice/kubepods-pod" + kPodUidSystemd + ".slice/cri-containerd-" + kB +
              ".scope"),
       kB},
      {"containerd_slice_colon_form",
       "0::/system.slice/containerd.service/kubepods-burstable-pod" + kPodUidSystemd +
           ".slice:cri-containerd:" + kB + "\n",
       kB},
      {"containerd_namespace_default", "0::/default/" + kB + "\n", kB},
      {"containerd_namespace_k8s_io", v1_all("/k8s.io/" + kB), kB},
      {"cri_dockerd_systemd",
       "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kPodUidSystemd +
           ".slice/docker-" + kA + ".scope\n",
       kA},
      {"k8s_pod_slice_itself_is_host",
       "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kPodUidSystemd +
           ".slice\n",
       ""},
      {"k8s_qos_slice_is_host", "0::/kubepods.slice/kubepods-burstable.slice\n", ""},
      {"containerd_daemon_is_host", "0::/system.slice/containerd.service\n", ""},
      // CRI-O
      {"crio_systemd_v2",
       "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kPodUidSystemd +
           ".slice/crio-" + kC + ".scope\n",
       kC},
      {"crio_systemd_v2_scope_container",
       "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod" + kPodUidSystemd +
           ".slice/crio-" + kC + ".scope/container\n",
       kC},
      {"crio_cgroupfs_v1", v1_all("/kubepods/burstable/pod" + kPodUid + "/crio-" + kC), kC},
      {"crio_conmon_is_not_the_container",
       "0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" + kPodUidSystemd +
           ".slice/crio-conmon-" + kC + ".scope\n",
       ""},
      // podman
      {"podman_root_systemd", "0::/machine.slice/libpod-" + kC + ".scope\n", kC},
      {"podman_root_scope_container", "0::/machine.slice/libpod-" + kC + ".scope/container\n", kC},
      {"podman_cgroupfs", v1_all("/libpod_parent/libpod-" + kC), kC},
      {"podman_rootless",
       "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kC + ".scope\n", kC},
      {"podman_rootless_scope_container",
       "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-" + kC +
           ".scope/container\n",
       kC},
      {"podman_conmon_is_not_the_container", "0::/machine.slice/libpod-conmon-" + kC + ".scope\n",
       ""},
      {"podman_rootless_conmon_is_not_the_container",
       "0::/user.slice/user-1000.slice/user@1000.service/user.slice/libpod-conmon-" + kC +
           ".scope\n",
       ""},
      {"podman_rootless_pause_is_host",
       "0::/user.slice/user-1000.slice/user@1000.service/user.slice/podman-pause-1a2b3c4d.scope\n",
       ""},
      // cgroup namespaces: the path is relative to the reader's namespace root
      {"cgroupns_relative_docker", "0::/../../system.slice/docker-" + kA + ".scope\n", kA},
      {"cgroupns_relative_kubepods",
       "0::/../../kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod" +
           kPodUidSystemd + ".slice/cri-containerd-" + kB + ".scope\n",
       kB},
      {"cgroupns_relative_host", "0::/../../user.slice/user-0.slice/session-1.scope\n", ""},
      {"cgroupns_root_only", "0::/\n", ""},
      // hybrid and partial v1
      {"hybrid_id_only_in_v1",
       "5:memory:/docker/" + kA + "\n4:pids:/docker/" + kA + "\n1:name=systemd:/docker/" + kA +
           "\n0::/\n",
       kA},
      {"hybrid_id_only_in_v2",
       "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/6bf7b3b8dc1447ffd6acd5106e2cda27\n0::/"
       "system.slice/docker-" +
           kA + ".scope\n",
       kA},
      {"v1_some_hierarchies_at_root",
       "11:devices:/\n10:memory:/\n3:cpu,cpuacct:/docker/" + kA + "\n1:name=systemd:/\n", kA},
      {"v1_first_line_with_an_id_wins",
       "12:pids:/docker/" + kA + "\n1:name=systemd:/docker/" + kB + "\n", kA},
      // hosts
      {"host_session_v2", "0::/user.slice/user-1000.slice/session-3.scope\n", ""},
      {"host_init_v2", "0::/init.scope\n", ""},
      {"host_service_v1", v1_all("/system.slice/sshd.service"), ""},
      {"host_hybrid_32hex_is_not_an_id",
       "9:name=systemd:/\n4:memory:/process_api/6bf7b3b8dc1447ffd6acd5106e2cda27\n0::/\n", ""},
      {"nspawn_machine_is_host", "0::/machine.slice/machine-debian.scope/payload\n", ""},
      // malformed or borderline
      {"empty_file", "", ""},
      {"garbage_lines", "not a cgroup line\n\n:::\n0:\n", ""},
      {"id_63_hex", "0::/system.slice/docker-" + kA.substr(1) + ".scope\n", ""},
      {"id_65_hex", "0::/system.slice/docker-" + kA + "f.scope\n", ""},
      {"id_not_hex", "0::/docker/" + kA.substr(0, 63) + "g\n", ""},
      {"id_wrong_suffix", "0::/system.slice/docker-" + kA + ".service\n", ""},
      {"uppercase_hex_accepted", "0::/docker/" + kUpper + "\n", kUpper},
      {"crlf_line_endings", "0::/docker/" + kA + "\r\n", kA},
      {"no_trailing_newline", "0::/system.slice/docker-" + kA + ".scope", kA},
  };
}

class ContainerIdTable : public ::testing::TestWithParam<Case> {};

TEST_P(ContainerIdTable, Extracts) {
  const Case& c = GetParam();
  ContainerId id = container_id_from_cgroup_file(c.cgroup_file);
  EXPECT_EQ(id.full, c.expected_full) << c.cgroup_file;
  if (c.expected_full.empty()) {
    EXPECT_EQ(id.short_id, "host");
    EXPECT_FALSE(id.in_container());
  } else {
    EXPECT_EQ(id.short_id, c.expected_full.substr(0, 12));
    EXPECT_TRUE(id.in_container());
  }
}

INSTANTIATE_TEST_SUITE_P(RealWorld, ContainerIdTable, ::testing::ValuesIn(cases()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(ContainerIdPath, SinglePaths) {
  EXPECT_EQ(container_id_from_cgroup_path("/docker/" + kA), kA);
  EXPECT_EQ(container_id_from_cgroup_path("docker-" + kA + ".scope"), kA);  // no slash at all
  EXPECT_EQ(container_id_from_cgroup_path("/"), "");
  EXPECT_EQ(container_id_from_cgroup_path(""), "");
  EXPECT_EQ(container_id_from_cgroup_path("/docker/" + kA + "/"), kA);  // trailing slash
}

TEST(ContainerIdPath, MakeFromFullId) {
  ContainerId host = make_container_id("");
  EXPECT_EQ(host.short_id, "host");
  EXPECT_EQ(host.full, "");
  ContainerId c = make_container_id(kB);
  EXPECT_EQ(c.full, kB);
  EXPECT_EQ(c.short_id.size(), kShortContainerIdLen);
  EXPECT_TRUE(kB.starts_with(c.short_id));
}

}  // namespace
}  // namespace th
