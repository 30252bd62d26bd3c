#include "engine/eval/constants.h"

#include <charconv>

namespace th {
namespace {

// Built by appending: GCC 12 warns falsely (-Wrestrict) on "'" + std::string(...) + "'".
std::string quoted(std::string_view s, std::string_view then = {}) {
  std::string out;
  out.reserve(s.size() + then.size() + 2);
  out.append(1, '\'').append(s).append(1, '\'').append(then);
  return out;
}

// The magnitude of a number written in decimal or 0x hex, after an optional sign; `negative`
// tells whether the sign was '-'.
std::optional<uint64_t> parse_magnitude(std::string_view body, bool& negative) {
  negative = false;
  if (!body.empty() && (body[0] == '-' || body[0] == '+')) {
    negative = body[0] == '-';
    body.remove_prefix(1);
  }
  int base = 10;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    base = 16;
    body.remove_prefix(2);
  }
  if (body.empty()) return std::nullopt;
  uint64_t v = 0;
  auto r = std::from_chars(body.data(), body.data() + body.size(), v, base);
  if (r.ec != std::errc() || r.ptr != body.data() + body.size()) return std::nullopt;
  return v;
}

}  // namespace

std::optional<int64_t> parse_int_constant(std::string_view s) {
  bool neg = false;
  auto v = parse_magnitude(s, neg);
  if (!v) return std::nullopt;
  if (neg) {
    if (*v > static_cast<uint64_t>(INT64_MAX) + 1) return std::nullopt;
    return static_cast<int64_t>(0 - *v);
  }
  if (*v > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  return static_cast<int64_t>(*v);
}

std::optional<uint64_t> parse_uint_constant(std::string_view s) {
  bool neg = false;
  auto v = parse_magnitude(s, neg);
  if (!v || neg) return std::nullopt;
  return v;
}

std::optional<bool> ConstantParser::boolean(const cond::Operand& o, const std::string& lhs) {
  if (o.text == "true") return true;
  if (o.text == "false") return false;
  ctx_.error("TH-E-BAD-VALUE", o.range,
             quoted(o.text, " is not a boolean (true or false) for ").append(lhs));
  return std::nullopt;
}

std::optional<int64_t> ConstantParser::int64(const cond::Operand& o, const std::string& lhs,
                                             const FieldDef* symbols) {
  if (symbols) {
    if (auto v = symbols->parse_symbol(o.text)) return v;
  }
  if (auto v = parse_int_constant(o.text)) return v;
  std::string hint = symbols ? " (a name such as PTRACE_POKETEXT, or a number)" : "";
  ctx_.error("TH-E-BAD-VALUE", o.range,
             quoted(o.text, " is not a valid value for ").append(lhs).append(hint));
  return std::nullopt;
}

std::optional<uint64_t> ConstantParser::uint64(const cond::Operand& o, const std::string& lhs) {
  if (auto v = parse_uint_constant(o.text)) return v;
  ctx_.error("TH-E-BAD-VALUE", o.range,
             quoted(o.text, " is not a valid unsigned number for ").append(lhs));
  return std::nullopt;
}

bool ConstantParser::no_nul(const cond::Operand& o) {
  if (o.text.find('\0') == std::string::npos) return true;
  ctx_.error("TH-E-BAD-VALUE", o.range, "values cannot contain a NUL byte");
  return false;
}

}  // namespace th
