// Events as JSON: the replay and capture format (JSON Lines, one event per line; documented by
// schema/event.schema.json), also used for the events of rule tests. Omitted fields get sensible
// defaults so that a hand-written event stays short; capture writes every field explicitly.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/core/event.h"
#include "engine/proc/process_table.h"

namespace th {

// One parsed event with the process objects it carried. Applying it to a process table upserts
// those processes so that later field lookups (ancestry, target) see them.
struct EventRecord {
  Event event;
  std::optional<Process> proc;
  std::vector<Process> ancestors;  // parent first
  std::optional<Process> target;
};

// Defaults for omitted fields. `index` is the event's position in its file; it spaces default
// timestamps one millisecond apart so that ordering is stable.
struct EventDefaults {
  uint64_t base_time_ns = 1767225600000000000ull;  // 2026-01-01T00:00:00Z
  uint64_t index = 0;
};

// Parses one event object. On failure returns nullopt and sets `error` to what is wrong, naming
// the key ("ptrace.request: unknown request 'PTRACE_FOO'").
std::optional<EventRecord> event_from_json(const nlohmann::json& j, const EventDefaults& d,
                                           std::string& error);
std::optional<EventRecord> event_from_json_line(std::string_view line, const EventDefaults& d,
                                                std::string& error);

// Upserts the record's processes into the table (ancestors first, then proc, then target).
void apply_record(const EventRecord& r, ProcessTable& table);

// The capture form of an enriched event: every field explicit, with the acting process, up to
// `max_ancestors` of its ancestors and the target, so that replay reproduces live results.
nlohmann::ordered_json event_to_json(const Event& e, const ProcessTable& table,
                                     unsigned max_ancestors = 8);

}  // namespace th
