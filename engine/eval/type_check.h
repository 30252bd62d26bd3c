// Type checking of compiled checks: which operators apply to which field types, and which field
// types compare with each other. The compiler asks before it lowers a check.
#pragma once

#include <optional>
#include <string>

#include "engine/condition/ast.h"
#include "engine/fields/field.h"

namespace th {

// Why `op` does not apply to a field of type `t` (a message fragment), or nullopt when it does.
std::optional<std::string> operator_type_error(cond::Op op, FieldType t, const std::string& field);

// Whether a field of type `rhs` can stand on the right of a check of a field of type `lhs`.
bool comparable_types(FieldType lhs, FieldType rhs);

}  // namespace th
