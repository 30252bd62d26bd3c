// Bad lines of an event file are reported as catalogue diagnostics pointing at the key at fault.
#include <gtest/gtest.h>

#include "engine/io/event_diagnostics.h"
#include "engine/io/event_json.h"

namespace th {
namespace {

Diagnostic bad_line(const std::string& line) {
  std::string error;
  EXPECT_FALSE(event_from_json_line(line, EventDefaults{}, error)) << line;
  Diagnostics d;
  report_event_line(d, "e.jsonl", 7, line, error);
  EXPECT_EQ(d.items().size(), 1u);
  return d.items().at(0);
}

TEST(EventDiagnostics, PointAtTheKeyAtFault) {
  // The second "pid" (inside ptrace), not the first (inside proc).
  std::string line =
      R"({"type":"ptrace","proc":{"pid":3},"ptrace":{"request":4,"pid":"x"}})";
  Diagnostic d = bad_line(line);
  EXPECT_EQ(d.code, "TH-E-EVENT");
  EXPECT_EQ(d.severity, Severity::error);
  EXPECT_EQ(d.pos.line, 7u);
  EXPECT_EQ(d.pos.col, line.rfind("\"pid\"") + 1);
  EXPECT_EQ(d.snippet, line);
  EXPECT_TRUE(format_diagnostic(d).starts_with("e.jsonl:7:57: error[TH-E-EVENT] ptrace.pid: expected"))
      << format_diagnostic(d);
}

TEST(EventDiagnostics, UnknownKeysAndInvalidJson) {
  std::string line = R"({"type":"execve","proc":{"ancestors":[{"pid":1},{"pid":2,"nmae":"x"}]}})";
  Diagnostic d = bad_line(line);
  EXPECT_EQ(d.pos.col, line.find("\"nmae\"") + 1);
  EXPECT_NE(d.message.find("did you mean 'name'?"), std::string::npos) << d.message;
  // No key to point at: the line only.
  Diagnostic j = bad_line("{broken");
  EXPECT_EQ(j.pos.col, 0u);
  EXPECT_TRUE(format_diagnostic(j).starts_with("e.jsonl:7: error[TH-E-EVENT] not valid JSON"))
      << format_diagnostic(j);
}

TEST(EventDiagnostics, KeyPathColumn) {
  EXPECT_EQ(key_path_column(R"({"a":{"b":1},"c":{"b":2}})", "c.b"), 19u);
  EXPECT_EQ(key_path_column(R"({"a":1})", "z"), 0u);
  EXPECT_EQ(key_path_column(R"({"p":{"an":[{"x":1}]}})", "p.an[0].x"), 14u);
}

}  // namespace
}  // namespace th
