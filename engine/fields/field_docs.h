// Renders the field registry for `tracehound list-fields` and the generated docs: one source of
// truth for field names, types and descriptions.
#pragma once

#include <string>

#include "engine/fields/field.h"

namespace th {

std::string fields_as_text(const FieldRegistry& r);
std::string fields_as_json(const FieldRegistry& r);
std::string fields_as_markdown(const FieldRegistry& r);

}  // namespace th
