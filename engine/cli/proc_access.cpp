#include "engine/cli/proc_access.h"

#include <linux/capability.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <fstream>
#include <sstream>

#include "engine/proc/proc_reader.h"

namespace th::cli {

std::optional<bool> status_has_capability(std::string_view text, unsigned cap) {
  constexpr std::string_view key = "\nCapEff:";
  auto at = text.find(key);
  if (at == std::string_view::npos || cap >= 64) return std::nullopt;
  std::string_view rest = text.substr(at + key.size());
  while (!rest.empty() && (rest.front() == '\t' || rest.front() == ' ')) rest.remove_prefix(1);
  uint64_t mask = 0;
  auto [p, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), mask, 16);
  if (ec != std::errc() || p == rest.data()) return std::nullopt;
  return (mask >> cap) & 1u;
}

void warn_if_proc_unreadable() {
  std::ifstream in("/proc/self/status");
  std::stringstream text;
  text << '\n' << in.rdbuf();  // the key is searched at a line start
  if (status_has_capability(text.str(), CAP_SYS_PTRACE) == false)
    spdlog::warn("no CAP_SYS_PTRACE: /proc of other users' processes cannot be read, so their "
                 "exepath and cwd stay empty in alerts (counted in "
                 "tracehound_proc_unreadable_total); run as root or grant CAP_SYS_PTRACE");
  uint64_t denied = proc_unreadable_total();
  if (denied)
    spdlog::warn("{} processes' /proc entries could not be read for lack of permission", denied);
}

}  // namespace th::cli
