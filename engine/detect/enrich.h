// What happens to every event before and after the rules see it, shared by the detector and by
// `capture` so that recorded events carry the same view of the world the rules had.
#pragma once

#include "engine/core/event.h"
#include "engine/proc/process_table.h"

namespace th {

// Applies fork and exec to the table (so that rules judge the new image), then resolves the
// acting process and the target.
void enrich_event(Event& e, ProcessTable& table);

// Applies what must wait until after the rules (a process exit).
void after_event(const Event& e, ProcessTable& table);

}  // namespace th
