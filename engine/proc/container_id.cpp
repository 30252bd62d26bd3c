#include "engine/proc/container_id.h"

#include <array>

namespace th {
namespace {

bool is_hex_id(std::string_view s) {
  if (s.size() != kContainerIdLen) return false;
  for (char c : s) {
    bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex) return false;
  }
  return true;
}

// Runtime prefixes of a cgroup directory named after a container; an optional ".scope" follows
// the id when the runtime uses the systemd cgroup driver.
constexpr std::array<std::string_view, 4> kScopePrefixes = {"docker-", "cri-containerd-", "crio-",
                                                            "libpod-"};
// kubelet's systemd-style parent with a runtime that writes cgroupfs paths ("slice:prefix:id").
constexpr std::string_view kCriContainerdColon = ":cri-containerd:";
constexpr std::string_view kScopeSuffix = ".scope";

std::string_view id_in_component(std::string_view comp) {
  if (is_hex_id(comp)) return comp;
  for (std::string_view prefix : kScopePrefixes) {
    if (!comp.starts_with(prefix)) continue;
    std::string_view rest = comp.substr(prefix.size());
    if (rest.ends_with(kScopeSuffix)) rest.remove_suffix(kScopeSuffix.size());
    if (is_hex_id(rest)) return rest;
  }
  if (auto pos = comp.rfind(kCriContainerdColon); pos != std::string_view::npos) {
    std::string_view rest = comp.substr(pos + kCriContainerdColon.size());
    if (is_hex_id(rest)) return rest;
  }
  return {};
}

}  // namespace

std::string_view container_id_from_cgroup_path(std::string_view path) {
  // Walk the components innermost first.
  while (!path.empty()) {
    std::size_t slash = path.rfind('/');
    std::string_view comp = slash == std::string_view::npos ? path : path.substr(slash + 1);
    if (std::string_view id = id_in_component(comp); !id.empty()) return id;
    if (slash == std::string_view::npos) break;
    path = path.substr(0, slash);
  }
  return {};
}

ContainerId container_id_from_cgroup_file(std::string_view content) {
  while (!content.empty()) {
    std::size_t nl = content.find('\n');
    std::string_view line = content.substr(0, nl);
    content = nl == std::string_view::npos ? std::string_view{} : content.substr(nl + 1);
    // hierarchy-id ":" controllers ":" path; the path itself may contain ':'.
    std::size_t c1 = line.find(':');
    if (c1 == std::string_view::npos) continue;
    std::size_t c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    std::string_view path = line.substr(c2 + 1);
    if (!path.empty() && path.back() == '\r') path.remove_suffix(1);
    if (std::string_view id = container_id_from_cgroup_path(path); !id.empty()) {
      return make_container_id(id);
    }
  }
  return ContainerId{};
}

ContainerId make_container_id(std::string_view full) {
  if (full.empty()) return ContainerId{};
  ContainerId c;
  c.full = std::string(full);
  c.short_id = std::string(full.substr(0, kShortContainerIdLen));
  return c;
}

}  // namespace th
