#include "engine/detect/enrich.h"

namespace th {

void enrich_event(Event& e, ProcessTable& table) {
  e.table = &table;
  switch (evt_family(e.type)) {
    case EvtFamily::fork: table.on_fork(e); break;
    case EvtFamily::exec: table.on_exec(e); break;
    default: break;
  }
  e.proc = table.resolve_actor(e.actor, e.ts_ns);
  e.target = table.resolve_target(e);
}

void after_event(const Event& e, ProcessTable& table) {
  if (e.type == EvtType::procexit) table.on_exit(e);
}

}  // namespace th
