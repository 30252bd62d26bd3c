// User mistakes are values: every stage appends Diagnostics and carries on, so that all of them
// are reported, not only the first. Infrastructure failures (a file that cannot be read at all)
// are reported the same way with their own codes; nothing here throws. Every code comes from the
// catalogue (engine/core/diagnostic_codes.h), which also fixes its severity.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/diagnostic_codes.h"

namespace th {

// A position in a source file; line and col are 1-based, 0 when unknown.
struct SourcePos {
  std::string file;
  uint32_t line = 0;
  uint32_t col = 0;
};

struct Diagnostic {
  Severity severity = Severity::error;
  std::string code;       // stable, e.g. "TH-E-UNKNOWN-FIELD" (see docs/diagnostics.md)
  SourcePos pos;
  std::string item_kind;  // "rule", "macro", "list", "event", "config"... empty when none
  std::string item_name;  // the item's name, empty when none
  std::string message;    // what is wrong, one sentence, no trailing period
  std::string snippet;    // the source line, when known
  std::string used_by;    // inside a macro: the rule whose condition uses it
};

class Diagnostics {
 public:
  // The severity is the code's (see the catalogue); error() and warning() accept only codes of
  // that severity, so a call site reads as what it reports.
  void report(DiagCode code, SourcePos pos, std::string message, std::string item_kind = {},
              std::string item_name = {}, std::string used_by = {});
  void error(ErrorCode code, SourcePos pos, std::string message, std::string item_kind = {},
             std::string item_name = {}) {
    report(code, std::move(pos), std::move(message), std::move(item_kind), std::move(item_name));
  }
  void warning(WarningCode code, SourcePos pos, std::string message, std::string item_kind = {},
               std::string item_name = {}) {
    report(code, std::move(pos), std::move(message), std::move(item_kind), std::move(item_name));
  }
  void append(const Diagnostics& other);

  bool has_errors() const;
  std::size_t error_count() const;
  std::size_t warning_count() const;
  bool empty() const { return items_.empty(); }
  const std::vector<Diagnostic>& items() const { return items_; }
  std::vector<Diagnostic>& items() { return items_; }

  // The text a reader parsed, so that diagnostics about it show the line at fault. Diagnostics
  // get their snippet from these texts (files are never read again, and in-memory rules get
  // snippets too): when reported, or by attach_snippets() for those reported earlier.
  void add_source(const std::string& file, std::string text);
  void attach_snippets();

 private:
  void attach_snippet(Diagnostic& d) const;

  std::vector<Diagnostic> items_;
  // File name -> its text; shared, since results holding Diagnostics are copied.
  std::shared_ptr<std::map<std::string, std::string>> sources_;
};

// "rules.yaml:12:7: error[TH-E-UNKNOWN-FIELD] rule 'X': unknown field 'proc.nme'" plus the
// snippet and a caret line under the column; inside a macro
// "macro 'm' (used by rule 'X'): ...".
std::string format_diagnostic(const Diagnostic& d);
std::string format_diagnostics_text(const Diagnostics& ds);
// A JSON array of objects {severity, code, file, line, col, item_kind, item, used_by, message,
// snippet}.
std::string format_diagnostics_json(const Diagnostics& ds);

}  // namespace th
