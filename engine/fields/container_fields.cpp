#include "engine/fields/container_fields.h"

#include "engine/proc/process_table.h"

namespace th {

void push_container_name(const Event& e, const Process& p, Values& out) {
  if (p.container_full_id.empty()) {
    out.push_str("host");
  } else {
    out.push_str(e.table ? e.table->containers().name(p.container_full_id) : "");
  }
}

void push_container_image(const Event& e, const Process& p, Values& out) {
  if (p.container_full_id.empty() || !e.table) {
    out.push_str("");
  } else {
    out.push_str(e.table->containers().image(p.container_full_id));
  }
}

}  // namespace th
