// `-o key=value` (Falco's -o): one config key set from the command line, read and checked as the
// file's keys are, errors naming the override.
#include <gtest/gtest.h>

#include "engine/config/config.h"

namespace th {
namespace {

using namespace std::chrono_literals;

Config with(const std::vector<std::string>& overrides, Diagnostics& d,
            const std::string& file_text = "") {
  Config c = parse_config(file_text, "base.yaml", d);
  for (const auto& o : overrides) apply_config_override(c, o, d);
  return c;
}

TEST(ConfigOverride, SetsNestedKeysOverTheFile) {
  Diagnostics d;
  Config c = with({"metrics.port=9100", "format=text", "folding.window=5s",
                   "outputs.file={enabled: true, path: /tmp/a.jsonl}", "rules_files=[a.yaml, b/]",
                   "minimum_priority=warning"},
                  d, "metrics:\n  port: 9000\n  address: 0.0.0.0\n");
  EXPECT_TRUE(d.empty()) << format_diagnostics_text(d);
  EXPECT_EQ(c.metrics.port, 9100);
  EXPECT_EQ(c.metrics.address, "0.0.0.0") << "keys not overridden keep the file's value";
  EXPECT_EQ(c.format, AlertFormat::text);
  EXPECT_EQ(c.folding.window, 5s);
  EXPECT_TRUE(c.outputs.file.enabled);
  EXPECT_EQ(c.outputs.file.path, "/tmp/a.jsonl");
  EXPECT_EQ(c.rules_files, (std::vector<std::string>{"a.yaml", "b/"}));
  EXPECT_EQ(c.minimum_priority, Priority::warning);
}

TEST(ConfigOverride, AWebhookListReplacesTheFiles) {
  Diagnostics d;
  Config c = with({"outputs.webhooks=[{url: http://127.0.0.1:2801/}]"}, d,
                  "outputs:\n  webhooks:\n    - url: http://old/\n");
  EXPECT_TRUE(d.empty()) << format_diagnostics_text(d);
  ASSERT_EQ(c.outputs.webhooks.size(), 1u);
  EXPECT_EQ(c.outputs.webhooks[0].url, "http://127.0.0.1:2801/");
}

struct BadCase {
  const char* override_text;
  const char* code;
  const char* message;
};

TEST(ConfigOverride, MistakesNameTheOverride) {
  const BadCase cases[] = {
      {"metrics.prot=1", "TH-C-UNKNOWN-KEY", "unknown key 'prot' in 'metrics' (did you mean 'port'?)"},
      {"metrics.port=99999", "TH-C-BAD-VALUE", "'port': must be between 0 and 65535"},
      {"metrics.port=-5", "TH-C-BAD-TYPE", "'port' must be a whole number, not '-5'"},
      {"folding.window=soon", "TH-C-BAD-TYPE", "'window' must be a duration"},
      {"ring_buffer_size=3000000", "TH-C-BAD-VALUE", "power of two"},
      {"nonsense=1", "TH-C-UNKNOWN-KEY", "unknown key 'nonsense' in '<top level>'"},
      {"metrics", "TH-C-BAD-VALUE", "expected key=value"},
      {"metrics.port=", "TH-C-BAD-VALUE", "expected key=value"},
      {"=1", "TH-C-BAD-VALUE", "expected key=value"},
      {"metrics..port=1", "TH-C-UNKNOWN-KEY", "is not a config key"},
      {"format=[unclosed", "TH-C-YAML", "not valid YAML"},
      {"metrics=3", "TH-C-BAD-TYPE", "'metrics' must be a mapping"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.override_text);
    Diagnostics d;
    with({c.override_text}, d);
    ASSERT_EQ(d.error_count(), 1u) << format_diagnostics_text(d);
    const auto& diag = d.items()[0];
    EXPECT_EQ(diag.code, c.code);
    EXPECT_EQ(diag.pos.file, std::string("-o ") + c.override_text);
    EXPECT_NE(diag.message.find(c.message), std::string::npos) << diag.message;
  }
}

}  // namespace
}  // namespace th
