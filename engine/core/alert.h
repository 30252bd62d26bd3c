// An alert, in the shape of Falco's JSON output so that Falcosidekick and SIEMs take it as it is:
// {"hostname","output","output_fields","priority","rule","source","tags","time"}, and "uuid"
// (as Falcosidekick names it) once the outputs accepted it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/core/priority.h"
#include "engine/core/process.h"

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
  // The acting user, never serialized: whose alert budget the alert is charged to
  // (engine/fold/rate_limiter.h). kNoUid for alerts no user caused (internal alerts).
  uint32_t uid = kNoUid;
};

// "15:04:05.123456789: Critical ", what Falco puts before a rule's output.
std::string alert_prefix(uint64_t time_ns, Priority p);
// The rule's own output: `a.output` without the alert_prefix of its time and priority.
std::string_view alert_body(const Alert& a);

// One line of JSON (no trailing newline), keys as Falco emits them; time as RFC 3339 with ns.
std::string alert_to_json(const Alert& a);
// The human form: the `output` string (which already carries time and priority) with its control
// characters escaped, so that a value an attacker chose (a memfd or process name holding "\n"
// or a terminal escape) cannot forge a line or rewrite the screen: see escape_control.
std::string alert_to_text(const Alert& a);
// `s` safe for a line-based log or a terminal: backslash as \\, newline, carriage return and tab
// as \n \r \t, other C0 controls, DEL and bytes that are not UTF-8 as \xHH, C1 controls as
// \u00HH; everything else (valid UTF-8 included) as it is.
std::string escape_control(std::string_view s);
// Parses what alert_to_json wrote (used by the spool and by tests); nullopt on malformed input.
std::optional<Alert> alert_from_json(std::string_view line);

// "2026-11-26T15:04:05.123456789Z"
std::string format_rfc3339_ns(uint64_t time_ns);
// "15:04:05.123456789" in local time, as Falco's %evt.time renders.
std::string format_evt_time(uint64_t time_ns);

}  // namespace th
