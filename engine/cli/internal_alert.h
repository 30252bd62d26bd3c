// Alerts about tracehound itself (kernel drops, floods, blind spots): rule "tracehound internal:
// <what>", source "internal", tag "tracehound_internal", and an output line rendered as Falco
// renders rule outputs ("15:04:05.123456789: Warning tracehound internal: <text>").
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/alert.h"

namespace th::cli {

Alert internal_alert(uint64_t now_ns, std::string_view what, Priority priority,
                     const std::string& hostname, std::string_view text);

}  // namespace th::cli
