// User mistakes are values: every stage appends Diagnostics and carries on, so that all of them
// are reported, not only the first. Infrastructure failures (a file that cannot be read at all)
// are reported the same way with their own codes; nothing here throws.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace th {

enum class Severity : uint8_t { error, warning };

// A position in a source file; line and col are 1-based, 0 when unknown.
struct SourcePos {
  std::string file;
  uint32_t line = 0;
  uint32_t col = 0;
};

struct Diagnostic {
  Severity severity = Severity::error;
  std::string code;       // stable, e.g. "TH-E-UNKNOWN-FIELD" (see engine/core/diagnostics.cpp)
  SourcePos pos;
  std::string item_kind;  // "rule", "macro", "list", "event", "config"... empty when none
  std::string item_name;  // the item's name, empty when none
  std::string message;    // what is wrong, one sentence, no trailing period
  std::string snippet;    // the source line, when known
};

class Diagnostics {
 public:
  void add(Diagnostic d) { items_.push_back(std::move(d)); }
  void error(std::string code, SourcePos pos, std::string message, std::string item_kind = {},
             std::string item_name = {});
  void warning(std::string code, SourcePos pos, std::string message, std::string item_kind = {},
               std::string item_name = {});
  void append(const Diagnostics& other);

  bool has_errors() const;
  std::size_t error_count() const;
  std::size_t warning_count() const;
  bool empty() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  std::vector<Diagnostic>& items() { return items_; }

  // Fills in `snippet` for every diagnostic that has a file and line, reading each file once.
  void attach_snippets();

 private:
  std::vector<Diagnostic> items_;
};

// "rules.yaml:12:7: error[TH-E-UNKNOWN-FIELD] rule 'X': unknown field 'proc.nme'" plus the
// snippet and a caret line under the column.
std::string format_diagnostic(const Diagnostic& d);
std::string format_diagnostics_text(const Diagnostics& ds);
// A JSON array of objects {severity, code, file, line, col, item_kind, item, message, snippet}.
std::string format_diagnostics_json(const Diagnostics& ds);

}  // namespace th
