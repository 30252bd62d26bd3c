// Falco's eight priority levels, most severe first.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace th {

enum class Priority : uint8_t {
  emergency = 0,
  alert,
  critical,
  error,
  warning,
  notice,
  informational,
  debug,
};

// Case-insensitive; accepts "INFO" for informational, as Falco does.
std::optional<Priority> priority_from_name(std::string_view name);
// "Critical", "Warning"... as Falco writes them in JSON alerts.
std::string_view priority_name(Priority p);
// "CRITICAL", "WARNING"... as written in rule files.
std::string_view priority_upper_name(Priority p);
// true when `p` is at least as severe as `min`.
constexpr bool priority_at_least(Priority p, Priority min) { return p <= min; }

}  // namespace th
