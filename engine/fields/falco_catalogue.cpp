#include "engine/fields/falco_catalogue.h"

#include <algorithm>

namespace th::falco {
namespace {

bool in(std::span<const std::string_view> sorted, std::string_view name) {
  return std::binary_search(sorted.begin(), sorted.end(), name);
}

// Fields that take a key after a dot (Falco's `evt.arg.fd`, `k8s.pod.label.app`): the prefix and
// whether the key must be an event argument's name.
struct DottedKey {
  std::string_view prefix;
  bool event_arg;
};
constexpr DottedKey kDotted[] = {
    {"evt.arg.", true},         {"evt.rawarg.", true},      {"container.label.", false},
    {"k8s.pod.label.", false},  {"k8s.ns.label.", false},   {"k8s.rc.label.", false},
    {"k8s.svc.label.", false},  {"k8s.rs.label.", false},   {"k8s.deployment.label.", false},
};

}  // namespace

// From the container plugin's README (falcosecurity/plugins, plugins/container), the fields it
// adds to the syscall source; current Falco ships the plugin and the stock rules use them.
std::span<const std::string_view> container_plugin_fields() {
  static constexpr std::string_view k[] = {
      "container.cni.json", "container.duration", "container.full_id", "container.healthcheck",
      "container.host_ipc", "container.host_network", "container.host_pid", "container.id",
      "container.image", "container.image.digest", "container.image.id",
      "container.image.repository", "container.image.tag", "container.ip", "container.label",
      "container.labels", "container.liveness_probe", "container.mount", "container.mount.dest",
      "container.mount.mode", "container.mount.propagation", "container.mount.rdwr",
      "container.mount.source", "container.mounts", "container.name", "container.privileged",
      "container.readiness_probe", "container.start_ts", "container.type",
      "k8s.deployment.id", "k8s.deployment.label", "k8s.deployment.labels",
      "k8s.deployment.name", "k8s.ns.id", "k8s.ns.label", "k8s.ns.labels", "k8s.ns.name",
      "k8s.pod.cni.json", "k8s.pod.full_sandbox_id", "k8s.pod.id", "k8s.pod.ip",
      "k8s.pod.label", "k8s.pod.labels", "k8s.pod.name", "k8s.pod.sandbox_id", "k8s.pod.uid",
      "k8s.rc.id", "k8s.rc.label", "k8s.rc.labels", "k8s.rc.name", "k8s.rs.id", "k8s.rs.label",
      "k8s.rs.labels", "k8s.rs.name", "k8s.svc.id", "k8s.svc.label", "k8s.svc.labels",
      "k8s.svc.name", "proc.is_container_healthcheck", "proc.is_container_liveness_probe",
      "proc.is_container_readiness_probe",
  };
  return k;
}

bool has_field(std::string_view name) {
  if (in(syscall_fields(), name) || in(container_plugin_fields(), name)) return true;
  for (const DottedKey& d : kDotted) {
    if (!name.starts_with(d.prefix) || name.size() == d.prefix.size()) continue;
    std::string_view key = name.substr(d.prefix.size());
    return !d.event_arg || in(event_arg_names(), key);
  }
  return false;
}

bool has_event_type(std::string_view name) { return in(event_types(), name); }

}  // namespace th::falco
