// Rule-test events: replay-format JSON objects, checked for unknown keys (a typo would otherwise
// silently become a default), completed from the processes a test file declares, then built by
// event_from_json exactly as replay builds them.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "engine/io/event_json.h"
#include "engine/io/event_keys.h"

namespace th::ruletest {

// Processes a test declares, by pid: replay-format process objects.
using ProcessBook = std::map<int64_t, nlohmann::json>;

using th::check_event_keys;  // unknown keys and objects that do not fit the event type
using th::EventProblem;
// Unknown keys in a declared process; a missing or non-positive pid.
std::optional<EventProblem> check_process_keys(const nlohmann::json& process);

// Fills what the event leaves out from the book: the acting process (by proc.pid, default 1000)
// and the target (by target.pid, else the pid argument of ptrace/vm/open). The event's own keys
// win. A memory-file open without a path gets /proc/<pid>/mem.
nlohmann::json complete_event(const nlohmann::json& event, const ProcessBook& book);

// The event built as replay builds it; the problem's path names the key at fault.
std::optional<EventRecord> build_event(const nlohmann::json& event, const ProcessBook& book,
                                       uint64_t index, EventProblem& problem);

// A declared process as the process table will hold it (defaults applied as for events).
std::optional<Process> build_process(const nlohmann::json& process, EventProblem& problem);

}  // namespace th::ruletest
