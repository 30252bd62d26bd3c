#include <algorithm>

#include "engine/fields/field.h"

namespace th {

std::string_view field_type_name(FieldType t) {
  switch (t) {
    case FieldType::string: return "string";
    case FieldType::int64: return "int64";
    case FieldType::uint64: return "uint64";
    case FieldType::boolean: return "bool";
    case FieldType::abstime: return "abstime";
  }
  return "?";
}

FieldRegistry::FieldRegistry(std::vector<FieldDef> defs) : defs_(std::move(defs)) {
  std::sort(defs_.begin(), defs_.end(),
            [](const FieldDef& a, const FieldDef& b) { return a.name < b.name; });
}

const FieldDef* FieldRegistry::find(std::string_view name) const {
  auto it = std::lower_bound(defs_.begin(), defs_.end(), name,
                             [](const FieldDef& d, std::string_view n) { return d.name < n; });
  if (it != defs_.end() && it->name == name) return &*it;
  return nullptr;
}

}  // namespace th
