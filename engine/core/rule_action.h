// What a rule asks the kernel to do when it matches and enforcement is on (the `action` key of
// a rule, a tracehound extension; README "Prevention").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace th {

enum class RuleAction : uint8_t {
  none,  // alert only (every rule without `action`)
  kill,  // SIGKILL the caller inside the syscall, before its write
};

inline std::string_view rule_action_name(RuleAction a) {
  return a == RuleAction::kill ? "kill" : "none";
}

inline std::optional<RuleAction> rule_action_from_name(std::string_view s) {
  if (s == "kill") return RuleAction::kill;
  if (s == "none") return RuleAction::none;
  return std::nullopt;
}

}  // namespace th
