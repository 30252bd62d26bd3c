#include "engine/core/diagnostic_codes.h"

namespace th {

std::string diagnostic_codes_markdown() {
  std::string s =
      "# Diagnostic codes\n\n"
      "Generated from `engine/core/diagnostic_codes.h`; a test keeps this file current.\n\n"
      "Every diagnostic tracehound prints names `file:line:col`, its severity and one of these "
      "codes, the item it is about (and, inside a macro, the rule that uses it), what is wrong, "
      "and the source line. Errors stop the rules (or the config) from loading; warnings do "
      "not.\n\n"
      "| Code | Severity | Summary |\n|---|---|---|\n";
  for (const DiagnosticCodeInfo& c : kDiagnosticCodes) {
    s.append("| [").append(c.code).append("](#");
    for (char ch : c.code) s.push_back(static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch));
    s.append(") | ").append(c.severity == Severity::error ? "error" : "warning");
    s.append(" | ").append(c.summary).append(" |\n");
  }
  for (const DiagnosticCodeInfo& c : kDiagnosticCodes) {
    s.append("\n## ").append(c.code).append("\n\n");
    s.append("**").append(c.severity == Severity::error ? "error" : "warning").append("**: ");
    s.append(c.summary).append(".\n\n").append(c.description).append("\n");
  }
  return s;
}

}  // namespace th
