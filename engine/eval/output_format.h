// A rule's `output:` string, compiled once: literal text and %field references. Rendering gives
// the text (missing values as <NA>, as Falco does) and the typed output_fields of a JSON alert.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/eval/compiler.h"

namespace th {

class OutputFormat {
 public:
  // nullopt when a field is unknown or invalid (reported in ctx).
  static std::optional<OutputFormat> compile(const std::string& text, uint32_t source,
                                             CompileContext& ctx);

  // Appends the rendered text to `text` and sets one entry per referenced field in `fields`.
  void render(const Event& e, Scratch& s, std::string& text, nlohmann::ordered_json& fields) const;

  // The referenced field names (with arguments), in order of first appearance.
  std::vector<std::string> field_names() const;

 private:
  struct Segment {
    std::string literal;              // text before the field (or the whole tail)
    const FieldDef* field = nullptr;  // null for a trailing literal
    FieldArg arg;
    std::string name;                 // "proc.aname[2]"
  };
  std::vector<Segment> segments_;
};

// Renders one value of a field as text (ptrace.request by name) and as JSON.
void append_field_text(std::string& out, const FieldDef& def, const Value& v);
nlohmann::ordered_json field_json(const FieldDef& def, const Value& v);

}  // namespace th
