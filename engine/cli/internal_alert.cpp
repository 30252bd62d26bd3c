#include "engine/cli/internal_alert.h"

#include "engine/core/priority.h"

namespace th::cli {

Alert internal_alert(uint64_t now_ns, std::string_view what, Priority priority,
                     const std::string& hostname, std::string_view text) {
  Alert a;
  a.time_ns = now_ns;
  a.rule = "tracehound internal: " + std::string(what);
  a.priority = priority;
  a.source = "internal";
  a.hostname = hostname;
  a.tags = {"tracehound_internal"};
  a.output = format_evt_time(now_ns) + ": " + std::string(priority_name(priority)) +
             " tracehound internal: " + std::string(text);
  return a;
}

}  // namespace th::cli
