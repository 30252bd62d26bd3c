#include "engine/eval/type_check.h"

namespace th {
namespace {

using cond::Op;

bool op_allowed(Op op, FieldType t) {
  if (op == Op::exists) return true;
  switch (t) {
    case FieldType::string:
      return op != Op::bcontains && op != Op::bstartswith;
    case FieldType::boolean:
      return op == Op::eq || op == Op::ne || op == Op::in || op == Op::intersects;
    case FieldType::int64:
    case FieldType::uint64:
    case FieldType::abstime:
      return op == Op::eq || op == Op::ne || op == Op::lt || op == Op::le || op == Op::gt ||
             op == Op::ge || op == Op::in || op == Op::intersects;
  }
  return false;
}

std::string type_family(FieldType t) {
  switch (t) {
    case FieldType::string: return "string";
    case FieldType::boolean: return "boolean";
    default: return "numeric";
  }
}

}  // namespace

std::optional<std::string> operator_type_error(Op op, FieldType t, const std::string& field) {
  if (op_allowed(op, t)) return std::nullopt;
  std::string why =
      (op == Op::bcontains || op == Op::bstartswith) ? " (it works on byte buffers only)" : "";
  return "operator '" + std::string(cond::op_name(op)) + "' is not supported for " +
         type_family(t) + " field " + field + why;
}

bool comparable_types(FieldType lhs, FieldType rhs) {
  return lhs == rhs || (field_type_is_numeric(lhs) && field_type_is_numeric(rhs));
}

}  // namespace th
