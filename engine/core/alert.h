// An alert, in the shape of Falco's JSON output so that Falcosidekick and SIEMs take it as it is:
// {"hostname","output","output_fields","priority","rule","source","tags","time"}, and "uuid"
// (as Falcosidekick names it) once the outputs accepted it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/priority.h"

namespace th {

struct Alert {
  uint64_t time_ns = 0;  // time of the event that raised it (ns since the epoch)
  std::string rule;
  Priority priority = Priority::warning;
  // The rendered rule output, prefixed as Falco does: "15:04:05.123456789: Critical <output>".
  std::string output;
  // Field name -> value (string, number, bool, or null when the event had no value).
  nlohmann::ordered_json output_fields = nlohmann::ordered_json::object();
  std::string source = "syscall";
  std::vector<std::string> tags;
  std::string hostname;
  // A stable id given when the outputs accept the alert (RFC 9562 UUID version 4), so that a
  // receiver can drop the duplicates an at-least-once delivery makes; empty until then.
  std::string uuid;
};

// One line of JSON (no trailing newline), keys as Falco emits them; time as RFC 3339 with ns.
std::string alert_to_json(const Alert& a);
// The human form: the `output` string (which already carries time and priority).
std::string alert_to_text(const Alert& a);
// Parses what alert_to_json wrote (used by the spool and by tests); nullopt on malformed input.
std::optional<Alert> alert_from_json(std::string_view line);

// "2026-11-26T15:04:05.123456789Z"
std::string format_rfc3339_ns(uint64_t time_ns);
// "15:04:05.123456789" in local time, as Falco's %evt.time renders.
std::string format_evt_time(uint64_t time_ns);

}  // namespace th
