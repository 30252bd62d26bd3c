// The text form of an alert: control characters a user put into a name cannot forge a line or
// drive the terminal; JSON keeps the value as it was.
#include <gtest/gtest.h>

#include "engine/core/alert.h"

namespace th {
namespace {

TEST(AlertText, EscapesControlCharacters) {
  struct Case {
    std::string in, out;
  };
  for (const auto& c : std::vector<Case>{
           {"plain text", "plain text"},
           {"a\nb", "a\\nb"},
           {"a\r\nb\tc", "a\\r\\nb\\tc"},
           {"back\\slash", "back\\\\slash"},
           {std::string("nul\0x", 5), "nul\\x00x"},
           {"\x1b[31mred", "\\x1b[31mred"},
           {"del\x7f", "del\\x7f"},
           {"csi \xc2\x9b" "2J", "csi \\u009b2J"},          // C1 control, UTF-8 encoded
           {"lone \x9b byte", "lone \\x9b byte"},           // not UTF-8
           {"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\xbe", "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x90\xbe"},
           {"overlong \xc0\xaf", "overlong \\xc0\\xaf"},
           {"truncated \xe2\x9c", "truncated \\xe2\\x9c"},
           {"surrogate \xed\xa0\x80", "surrogate \\xed\\xa0\\x80"},
       }) {
    EXPECT_EQ(escape_control(c.in), c.out) << c.in;
  }
}

TEST(AlertText, AForgedLineStaysOnTheAlertsLine) {
  Alert a;
  a.time_ns = 1'767'225'600'000'000'000ull;
  a.output = alert_prefix(a.time_ns, Priority::critical) +
             "Fileless execution from memfd (/memfd:x\n" + alert_prefix(a.time_ns, Priority::debug) +
             "all clear (deleted))";
  std::string text = alert_to_text(a);
  EXPECT_EQ(text.find('\n'), std::string::npos) << text;
  EXPECT_NE(text.find("/memfd:x\\n"), std::string::npos) << text;
  // JSON escapes on its own; the value itself is kept.
  auto back = alert_from_json(alert_to_json(a));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->output, a.output);
}

}  // namespace
}  // namespace th
