#include "engine/fields/builtin_fields.h"

namespace th {

const FieldRegistry& FieldRegistry::builtin() {
  static const FieldRegistry registry = [] {
    std::vector<FieldDef> defs;
    add_event_fields(defs);
    add_process_fields(defs);
    add_target_fields(defs);
    add_injection_fields(defs);
    add_fileless_fields(defs);
    add_host_file_fields(defs);
    return FieldRegistry(std::move(defs));
  }();
  return registry;
}

}  // namespace th
