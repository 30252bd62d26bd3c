#include "engine/eval/output_format.h"

#include <charconv>

#include "engine/core/alert.h"
#include "engine/eval/extractors.h"
#include "engine/fields/falco_catalogue.h"

namespace th {
namespace {

bool is_field_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.';
}

}  // namespace

void append_field_text(std::string& out, const FieldDef& def, const Value& v) {
  if (def.type == FieldType::int64 && def.render_symbol) {
    std::string_view name = def.render_symbol(v.i);
    if (!name.empty()) {
      out += name;
      return;
    }
  }
  append_value_text(out, def.type, v);
}

nlohmann::ordered_json field_json(const FieldDef& def, const Value& v) {
  switch (def.type) {
    case FieldType::string: return std::string(v.str);
    case FieldType::boolean: return v.i != 0;
    case FieldType::int64:
      if (def.render_symbol) {
        std::string_view name = def.render_symbol(v.i);
        if (!name.empty()) return std::string(name);
      }
      return v.i;
    case FieldType::uint64:
    case FieldType::abstime: return v.u;
  }
  return nullptr;
}

std::optional<OutputFormat> OutputFormat::compile(const std::string& text, uint32_t source,
                                                  CompileContext& ctx) {
  OutputFormat f;
  Segment cur;
  bool ok = true;
  // Falco trims the output of surrounding whitespace at load (a folded `>` scalar ends in
  // "\n"); positions stay those of the text as written.
  constexpr std::string_view kSpace = " \t\n\r\f\v";
  std::size_t i = std::min(text.find_first_not_of(kSpace), text.size());
  std::size_t stop = text.find_last_not_of(kSpace) + 1;  // 0 when all space
  while (i < stop) {
    char c = text[i];
    if (c != '%' || i + 1 >= stop || !is_field_char(text[i + 1])) {
      cur.literal.push_back(c);
      ++i;
      continue;
    }
    std::size_t start = i + 1, end = start;
    while (end < stop && is_field_char(text[end])) ++end;
    // The longest registered field that the token starts with, as Falco resolves it; what
    // follows (a trailing dot, say) stays literal text.
    std::string_view token(text.data() + start, end - start);
    const FieldDef* def = nullptr;
    std::size_t len = token.size();
    for (; len > 0; --len) {
      if (len < token.size() && token[len] != '.') continue;
      def = ctx.fields.find(token.substr(0, len));
      if (def) break;
    }
    cond::SrcRange range{source, static_cast<uint32_t>(i), static_cast<uint32_t>(end)};
    if (!def) {
      cond::Operand probe;
      probe.name = std::string(token);
      // A Falco field followed by text (`%fd.name.`): named as Falco would resolve it.
      for (std::size_t n = token.size(); ctx.allow_falco_only && n > 0; --n)
        if ((n == token.size() || token[n] == '.') && falco::has_field(token.substr(0, n))) {
          probe.name = std::string(token.substr(0, n));
          break;
        }
      probe.range = range;
      FieldArg unused;
      resolve_field(probe, unused, ctx);  // reports the unknown field with a suggestion
      ok = false;
      i = end;
      continue;
    }
    std::size_t after = start + len;
    cond::Operand field;
    field.kind = cond::Operand::Kind::field;
    field.name = std::string(def->name);
    field.range = range;
    if (after < stop && text[after] == '[' && def->arg != FieldArgKind::none) {
      std::size_t close = text.find(']', after);
      if (close == std::string::npos) {
        ctx.error("TH-E-OUTPUT", range, "missing ']' after %" + field.name + "[");
        ok = false;
        break;
      }
      field.arg = text.substr(after + 1, close - after - 1);
      field.arg_range = {source, static_cast<uint32_t>(after + 1), static_cast<uint32_t>(close)};
      after = close + 1;
    }
    FieldArg arg;
    if (!resolve_field(field, arg, ctx)) {
      ok = false;
      i = after;
      continue;
    }
    cur.field = def;
    cur.arg = std::move(arg);
    cur.name = field.name + (field.arg ? "[" + *field.arg + "]" : "");
    f.segments_.push_back(std::move(cur));
    cur = Segment{};
    i = after;
  }
  if (!cur.literal.empty()) f.segments_.push_back(std::move(cur));
  if (!ok) return std::nullopt;
  return f;
}

void OutputFormat::render(const Event& e, Scratch& s, std::string& text,
                          nlohmann::ordered_json& fields) const {
  for (const Segment& seg : segments_) {
    text += seg.literal;
    if (!seg.field) continue;
    Values v;
    if (!seg.field->extract(e, seg.arg, s, v) || v.empty()) {
      text += "<NA>";
      fields[seg.name] = nullptr;
      continue;
    }
    // evt.time goes into JSON as nanoseconds since the epoch, as Falco writes it.
    if (seg.field->name == "evt.time") {
      text += v[0].str;
      fields[seg.name] = e.ts_ns;
      continue;
    }
    if (v.size() == 1) {
      append_field_text(text, *seg.field, v[0]);
      fields[seg.name] = field_json(*seg.field, v[0]);
      continue;
    }
    // Several values render as Falco renders a list field: "(a,b,c)".
    auto arr = nlohmann::ordered_json::array();
    text += '(';
    for (std::size_t k = 0; k < v.size(); ++k) {
      if (k) text += ',';
      append_field_text(text, *seg.field, v[k]);
      arr.push_back(field_json(*seg.field, v[k]));
    }
    text += ')';
    fields[seg.name] = std::move(arr);
  }
}

std::vector<std::string> OutputFormat::field_names() const {
  std::vector<std::string> out;
  for (const auto& s : segments_)
    if (s.field && std::find(out.begin(), out.end(), s.name) == out.end()) out.push_back(s.name);
  return out;
}

}  // namespace th
