#include "engine/config/config.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/skip.h"
#include "support/temp.h"

namespace th {
namespace {

using namespace std::chrono_literals;

WebhookConfig webhook_named(const std::string& name, const std::string& url = {}) {
  WebhookConfig w;
  w.name = name;
  w.url = url;
  return w;
}

const std::string kExample = std::string(TH_SOURCE_DIR) + "/docker/tracehound.yaml";
const std::string kFull = std::string(TH_SOURCE_DIR) + "/tests/config/full_config.yaml";
const std::string kSchema = std::string(TH_SOURCE_DIR) + "/schema/config.schema.json";
const std::string kValidator = std::string(TH_SOURCE_DIR) + "/scripts/validate-json-schema.py";

TEST(Config, EmptyFileGivesTheDefaults) {
  Diagnostics d;
  Config c = parse_config("", "empty.yaml", d);
  EXPECT_TRUE(d.empty()) << format_diagnostics_text(d);
  EXPECT_EQ(c.minimum_priority, Priority::debug);
  EXPECT_TRUE(c.outputs.stdout_output.enabled);
  EXPECT_TRUE(c.outputs.webhooks.empty());
  EXPECT_EQ(c.metrics.address, "127.0.0.1");
  EXPECT_EQ(c.metrics.port, 8765);
  EXPECT_EQ(c.drain_timeout, 10s);
}

// The example documents the defaults: loading it must change nothing.
TEST(Config, DockerExampleLoadsCleanAndStatesTheDefaults) {
  Diagnostics d;
  Config c = load_config_file(kExample, d);
  ASSERT_TRUE(d.empty()) << format_diagnostics_text(d);
  Config def;
  EXPECT_EQ(c.rules_files, def.rules_files);
  EXPECT_EQ(c.minimum_priority, def.minimum_priority);
  EXPECT_EQ(c.format, def.format);
  EXPECT_EQ(c.outputs.queue_size, def.outputs.queue_size);
  EXPECT_EQ(c.outputs.spool_dir, def.outputs.spool_dir);
  EXPECT_EQ(c.outputs.stdout_output.enabled, def.outputs.stdout_output.enabled);
  EXPECT_EQ(c.outputs.file.enabled, def.outputs.file.enabled);
  EXPECT_EQ(c.outputs.syslog.facility, def.outputs.syslog.facility);
  EXPECT_EQ(c.outputs.syslog.socket_path, def.outputs.syslog.socket_path);
  EXPECT_EQ(c.drain_timeout, def.drain_timeout);
  EXPECT_EQ(c.metrics.enabled, def.metrics.enabled);
  EXPECT_EQ(c.metrics.address, def.metrics.address);
  EXPECT_EQ(c.metrics.port, def.metrics.port);
  EXPECT_EQ(c.folding.window, def.folding.window);
  EXPECT_EQ(c.process_table_size, def.process_table_size);
  EXPECT_EQ(c.ring_buffer_size, def.ring_buffer_size);
  EXPECT_EQ(c.passwd_path, def.passwd_path);
  EXPECT_EQ(c.hostname, def.hostname);
  EXPECT_EQ(c.container_runtime.enabled, def.container_runtime.enabled);
  EXPECT_EQ(c.enforcement.mode, EnforcementMode::off);
  EXPECT_EQ(c.container_runtime.sockets, def.container_runtime.sockets);
  EXPECT_EQ(c.container_runtime.timeout, def.container_runtime.timeout);
}

// The commented webhook in the example, uncommented, is valid and states the webhook defaults.
TEST(Config, DockerExampleCommentedWebhookStatesTheWebhookDefaults) {
  std::ifstream in(kExample);
  std::string text, line;
  bool in_block = false;
  while (std::getline(in, line)) {
    if (line.rfind("  # webhooks:", 0) == 0) in_block = true;
    if (in_block && line.rfind("  #", 0) != 0) in_block = false;
    if (in_block) line = "  " + line.substr(4);  // "  # x" -> "  x"
    if (line.rfind("  webhooks: []", 0) == 0) continue;
    text += line + "\n";
  }
  ::setenv("TRACEHOUND_WEBHOOK_TOKEN", "x", 1);
  Diagnostics d;
  Config c = parse_config(text, "uncommented.yaml", d);
  ASSERT_TRUE(d.empty()) << format_diagnostics_text(d) << text;
  ASSERT_EQ(c.outputs.webhooks.size(), 1u);
  const auto& w = c.outputs.webhooks[0];
  WebhookConfig def;
  EXPECT_EQ(w.connect_timeout, def.connect_timeout);
  EXPECT_EQ(w.timeout, def.timeout);
  EXPECT_EQ(w.keepalive, def.keepalive);
  EXPECT_EQ(w.batch.max_alerts, def.batch.max_alerts);
  EXPECT_EQ(w.batch.max_delay, def.batch.max_delay);
  EXPECT_EQ(w.retry.max_attempts, def.retry.max_attempts);
  EXPECT_EQ(w.retry.initial_backoff, def.retry.initial_backoff);
  EXPECT_EQ(w.retry.max_backoff, def.retry.max_backoff);
  EXPECT_EQ(w.queue_size, def.queue_size);
  EXPECT_EQ(w.spool.max_bytes, def.spool.max_bytes);
  EXPECT_EQ(w.auth.header, def.auth.header);
  EXPECT_EQ(webhook_spool_dir(c.outputs, w), w.spool.dir);  // the comment's default is right
  EXPECT_EQ(webhook_spool_dir(c.outputs, webhook_named("falcosidekick")), w.spool.dir);
}

TEST(Config, EveryKeyIsRead) {
  Diagnostics d;
  Config c = load_config_file(kFull, d);
  ASSERT_TRUE(d.empty()) << format_diagnostics_text(d);
  EXPECT_EQ(c.rules_files, (std::vector<std::string>{"/etc/tracehound/rules.d", "./local_rules.yaml"}));
  EXPECT_EQ(c.minimum_priority, Priority::warning);
  EXPECT_EQ(c.format, AlertFormat::text);
  EXPECT_EQ(c.outputs.queue_size, 500u);
  EXPECT_EQ(c.outputs.spool_dir, "/var/spool/th");
  EXPECT_FALSE(c.outputs.stdout_output.enabled);
  EXPECT_TRUE(c.outputs.file.enabled);
  EXPECT_EQ(c.outputs.file.path, "/var/log/th/alerts.jsonl");
  EXPECT_TRUE(c.outputs.syslog.enabled);
  EXPECT_EQ(c.outputs.syslog.facility, "local4");
  EXPECT_EQ(c.outputs.syslog.ident, "hound");
  EXPECT_EQ(c.outputs.syslog.socket_path, "/run/systemd/journal/syslog");
  ASSERT_EQ(c.outputs.webhooks.size(), 2u);
  const auto& w = c.outputs.webhooks[0];
  EXPECT_EQ(w.name, "sidekick");
  EXPECT_EQ(w.url, "https://sidekick.example:2801/");
  EXPECT_EQ(w.headers, (std::vector<std::pair<std::string, std::string>>{{"X-Tenant", "blue"}, {"X-Env", "prod"}}));
  EXPECT_EQ(w.auth.header, "X-Api-Key");
  EXPECT_EQ(w.auth.value_file, "/run/secrets/key");
  EXPECT_EQ(w.tls.ca_file, "/etc/th/ca.pem");
  EXPECT_EQ(w.tls.client_cert, "/etc/th/c.pem");
  EXPECT_EQ(w.tls.client_key, "/etc/th/c.key");
  EXPECT_TRUE(w.tls.insecure);
  EXPECT_EQ(w.connect_timeout, 1500ms);
  EXPECT_EQ(w.timeout, 120s);
  EXPECT_FALSE(w.keepalive);
  EXPECT_EQ(w.batch.max_alerts, 50u);
  EXPECT_EQ(w.batch.max_delay, 250ms);
  EXPECT_EQ(w.batch.format, BatchFormat::ndjson);
  EXPECT_EQ(w.retry.max_attempts, 7u);
  EXPECT_EQ(w.retry.initial_backoff, 1s);
  EXPECT_EQ(w.retry.max_backoff, 3600s);
  EXPECT_EQ(w.queue_size, 2000u);
  EXPECT_FALSE(w.spool.enabled);
  EXPECT_EQ(w.spool.dir, "/data/spool/sidekick");
  EXPECT_EQ(w.spool.max_bytes, 1ull << 30);
  EXPECT_EQ(w.pos.line, 19u);
  EXPECT_EQ(c.outputs.webhooks[1].name, "webhook-2");
  EXPECT_EQ(webhook_spool_dir(c.outputs, c.outputs.webhooks[1]), "/var/spool/th/webhook-2");
  EXPECT_EQ(c.drain_timeout, 2500ms);
  EXPECT_FALSE(c.metrics.enabled);
  EXPECT_EQ(c.metrics.address, "0.0.0.0");
  EXPECT_EQ(c.metrics.port, 9100);
  EXPECT_FALSE(c.folding.enabled);
  EXPECT_EQ(c.folding.window, 300s);
  EXPECT_EQ(c.process_table_size, 4096u);
  EXPECT_EQ(c.ring_buffer_size, 64ull << 20);
  EXPECT_EQ(c.syscall_hooks, SyscallHooksChoice::per_syscall);
  EXPECT_EQ(c.passwd_path, "/host/etc/passwd");
  EXPECT_EQ(c.hostname, "node-1");
  EXPECT_FALSE(c.container_runtime.enabled);
  EXPECT_EQ(c.enforcement.mode, EnforcementMode::dry_run);
  EXPECT_EQ(c.enforcement.max_kills_per_second, 5u);
  EXPECT_EQ(c.enforcement.allow, (std::vector<std::string>{"/usr/local/bin/criu", "uid:1000"}));
  EXPECT_EQ(c.container_runtime.sockets, std::vector<std::string>{"/host/run/containerd-docker.sock"});
  EXPECT_EQ(c.container_runtime.timeout, 750ms);
}

struct BadCase {
  const char* name;
  const char* yaml;
  const char* code;
  uint32_t line, col;
  const char* message_part;
  bool schema_rejects;  // the JSON Schema catches it too (some checks are beyond a schema)
};

class ConfigErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(ConfigErrors, ReportFileLineColAndCode) {
  const auto& c = GetParam();
  Diagnostics d;
  parse_config(c.yaml, "bad.yaml", d);
  ASSERT_TRUE(d.has_errors()) << c.name;
  const auto& first = d.items().front();
  EXPECT_EQ(first.code, c.code) << format_diagnostics_text(d);
  EXPECT_EQ(first.pos.file, "bad.yaml");
  EXPECT_EQ(first.pos.line, c.line) << format_diagnostics_text(d);
  EXPECT_EQ(first.pos.col, c.col) << format_diagnostics_text(d);
  EXPECT_NE(first.message.find(c.message_part), std::string::npos) << first.message;
  std::string text = format_diagnostic(first);
  EXPECT_EQ(text.rfind("bad.yaml:" + std::to_string(c.line) + ":" + std::to_string(c.col) + ": error[" + c.code + "]", 0), 0u) << text;
}

const BadCase kBadCases[] = {
    {"unknown_top", "rules_files: []\nminimum_prio: debug\n", "TH-C-UNKNOWN-KEY", 2, 1, "did you mean 'minimum_priority'", true},
    {"unknown_nested", "outputs:\n  file:\n    enabled: true\n    pth: /x\n", "TH-C-UNKNOWN-KEY", 4, 5, "'pth'", true},
    {"unknown_webhook_key", "outputs:\n  webhooks:\n    - url: http://a/\n      retries: 3\n", "TH-C-UNKNOWN-KEY", 4, 7, "'retries'", true},
    {"bool_type", "metrics:\n  enabled: maybe\n", "TH-C-BAD-TYPE", 2, 12, "true or false", true},
    {"int_type", "process_table_size: lots\n", "TH-C-BAD-TYPE", 1, 21, "whole number", true},
    {"int_range", "metrics:\n  port: 70000\n", "TH-C-BAD-VALUE", 2, 9, "between 0 and 65535", true},
    {"list_type", "rules_files: /etc/rules.yaml\n", "TH-C-BAD-TYPE", 1, 14, "list of strings", true},
    {"map_type", "outputs: [stdout]\n", "TH-C-BAD-TYPE", 1, 10, "mapping", true},
    {"priority", "minimum_priority: severe\n", "TH-C-BAD-VALUE", 1, 19, "unknown priority 'severe'", true},
    {"format", "format: xml\n", "TH-C-BAD-VALUE", 1, 9, "\"json\" or \"text\"", true},
    {"duration", "drain_timeout: 10 seconds\n", "TH-C-BAD-TYPE", 1, 16, "duration", true},
    {"size", "ring_buffer_size: 16 megs\n", "TH-C-BAD-TYPE", 1, 19, "size", true},
    {"power_of_two", "ring_buffer_size: 3000000\n", "TH-C-BAD-VALUE", 1, 19, "power of two", false},
    {"syscall_hooks", "syscall_hooks: kprobes\n", "TH-C-BAD-VALUE", 1, 16, "per_syscall", false},
    {"duplicate_key", "hostname: a\nhostname: b\n", "TH-C-DUPLICATE-KEY", 2, 1, "appears twice", false},
    {"yaml_syntax", "outputs:\n  file: {enabled: true\n", "TH-C-YAML", 3, 1, "not valid YAML", false},
    {"missing_url", "outputs:\n  webhooks:\n    - name: x\n", "TH-C-MISSING-KEY", 3, 7, "needs a 'url'", true},
    {"bad_url", "outputs:\n  webhooks:\n    - url: ftp://x/\n", "TH-C-BAD-VALUE", 3, 12, "http:// or https://", true},
    {"dup_names", "outputs:\n  webhooks:\n    - {name: a, url: 'http://x/'}\n    - {name: a, url: 'http://y/'}\n", "TH-C-BAD-VALUE", 4, 14, "used twice", false},
    {"relative_socket", "container_runtime:\n  sockets: [run/docker.sock]\n", "TH-C-BAD-VALUE", 2, 13, "absolute paths", true},
    {"unknown_runtime_key", "container_runtime:\n  socket: /run/docker.sock\n", "TH-C-UNKNOWN-KEY", 2, 3, "'socket'", true},
    {"reserved_name", "outputs:\n  webhooks:\n    - {name: file, url: 'http://x/'}\n", "TH-C-BAD-VALUE", 3, 14, "used twice", true},
    {"bad_name", "outputs:\n  webhooks:\n    - {name: ../etc, url: 'http://x/'}\n", "TH-C-BAD-VALUE", 3, 14, "may use only", true},
    {"auth_both", "outputs:\n  webhooks:\n    - url: http://x/\n      auth: {value_env: A, value_file: /b}\n", "TH-C-BAD-VALUE", 4, 13, "not both", true},
    {"auth_none", "outputs:\n  webhooks:\n    - url: http://x/\n      auth: {header: X-Key}\n", "TH-C-BAD-VALUE", 4, 13, "needs value_env or value_file", true},
    {"header_name", "outputs:\n  webhooks:\n    - url: http://x/\n      headers: {\"Bad Header\": x}\n", "TH-C-BAD-VALUE", 4, 17, "not a valid HTTP header name", true},
    {"mtls_half", "outputs:\n  webhooks:\n    - url: https://x/\n      tls:\n        client_cert: /c.pem\n", "TH-C-BAD-VALUE", 5, 9, "both client_cert and client_key", true},
    {"batch_format", "outputs:\n  webhooks:\n    - url: http://x/\n      batch: {format: csv}\n", "TH-C-BAD-VALUE", 4, 23, "\"array\" or \"ndjson\"", true},
    {"max_attempts", "outputs:\n  webhooks:\n    - url: http://x/\n      retry: {max_attempts: forever}\n", "TH-C-BAD-TYPE", 4, 29, "whole number", true},
    {"backoff_order", "outputs:\n  webhooks:\n    - url: http://x/\n      retry: {initial_backoff: 10s, max_backoff: 1s}\n", "TH-C-BAD-VALUE", 4, 14, "shorter than initial_backoff", false},
    {"file_no_path", "outputs:\n  file:\n    enabled: true\n", "TH-C-MISSING-KEY", 3, 5, "no 'path'", true},
    {"facility", "outputs:\n  syslog: {enabled: true, facility: local9}\n", "TH-C-BAD-VALUE", 2, 37, "unknown syslog facility", true},
    {"top_not_map", "- a\n- b\n", "TH-C-BAD-TYPE", 1, 1, "mapping", true},
    {"enforcement_mode", "enforcement:\n  mode: kill\n", "TH-C-BAD-VALUE", 2, 9, "\"enforce\", \"dry_run\" or \"off\"", true},
    {"enforcement_allow", "enforcement:\n  allow: [gdb]\n", "TH-C-BAD-VALUE", 2, 11, "absolute executable paths or uid:N", true},
    {"enforcement_cap", "enforcement:\n  max_kills_per_second: 0\n", "TH-C-BAD-VALUE", 2, 25, "between 1", true},
};

INSTANTIATE_TEST_SUITE_P(Table, ConfigErrors, ::testing::ValuesIn(kBadCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Config, AllErrorsAreReportedNotOnlyTheFirst) {
  Diagnostics d;
  Config c = parse_config("hostnme: a\nmetrics:\n  port: x\nformat: xml\n", "bad.yaml", d);
  EXPECT_EQ(d.error_count(), 3u) << format_diagnostics_text(d);
  EXPECT_EQ(c.format, AlertFormat::json);  // a bad value keeps the default
  EXPECT_EQ(c.metrics.port, 8765);
}

TEST(Config, UnreadableFileIsAnIoError) {
  Diagnostics d;
  load_config_file("/nonexistent/tracehound.yaml", d);
  ASSERT_EQ(d.error_count(), 1u);
  EXPECT_EQ(d.items()[0].code, "TH-C-IO");
  EXPECT_EQ(d.items()[0].pos.file, "/nonexistent/tracehound.yaml");
}

TEST(Config, ResolvePathPrefersTheFlag) {
  EXPECT_EQ(resolve_config_path("/x.yaml"), "/x.yaml");
  auto def = resolve_config_path("");
  if (std::filesystem::exists(kDefaultConfigPath))
    EXPECT_EQ(def, std::string(kDefaultConfigPath));
  else
    EXPECT_FALSE(def);
}

TEST(Config, DurationsAndSizes) {
  struct D {
    const char* text;
    std::optional<Millis> want;
  };
  for (const auto& [text, want] : std::vector<D>{{"500ms", 500ms}, {"5s", 5s}, {"5", 5s}, {"1.5", 1500ms},
                                                 {"2m", 120s}, {"1h", 3600s}, {"0", 0ms}, {"", std::nullopt},
                                                 {"5 s", std::nullopt}, {"-1s", std::nullopt}, {"1d", std::nullopt},
                                                 {"ms", std::nullopt}})
    EXPECT_EQ(parse_duration(text), want) << text;
  struct S {
    const char* text;
    std::optional<uint64_t> want;
  };
  for (const auto& [text, want] : std::vector<S>{{"4096", 4096}, {"64KiB", 65536}, {"16MiB", 16ull << 20},
                                                 {"1GiB", 1ull << 30}, {"2KB", 2000}, {"3MB", 3000000},
                                                 {"1GB", 1000000000}, {"12B", 12}, {"", std::nullopt},
                                                 {"1TiB", std::nullopt}, {"MiB", std::nullopt},
                                                 {"99999999999999999999", std::nullopt},
                                                 {"99999999999GiB", std::nullopt}})
    EXPECT_EQ(parse_size(text), want) << text;
}

TEST(Config, WebhookFlagAddsUniquelyNamedWebhooks) {
  Config c;
  c.outputs.webhooks.push_back(webhook_named("webhook-1", "http://a/"));
  Diagnostics d;
  add_webhook_url(c, "http://127.0.0.1:2801/", d);
  add_webhook_url(c, "https://user:pw@sidekick/x", d);
  EXPECT_TRUE(d.empty()) << format_diagnostics_text(d);
  ASSERT_EQ(c.outputs.webhooks.size(), 3u);
  EXPECT_EQ(c.outputs.webhooks[1].name, "webhook-2");
  EXPECT_EQ(c.outputs.webhooks[2].name, "webhook-3");
  EXPECT_EQ(c.outputs.webhooks[1].url, "http://127.0.0.1:2801/");
  add_webhook_url(c, "localhost:2801", d);
  ASSERT_EQ(d.error_count(), 1u);
  EXPECT_EQ(d.items()[0].pos.file, "--webhook");
  EXPECT_EQ(c.outputs.webhooks.size(), 3u);
}

TEST(Config, SecretFromEnvOrFileTrimmedAndNeverInDiagnostics) {
  WebhookConfig w;
  w.name = "s";
  Diagnostics d;
  EXPECT_FALSE(read_webhook_secret(w, d));  // none configured: not an error
  EXPECT_TRUE(d.empty());
  ::setenv("TH_CONFIG_TEST_SECRET", "Bearer abc", 1);
  w.auth.value_env = "TH_CONFIG_TEST_SECRET";
  EXPECT_EQ(read_webhook_secret(w, d), "Bearer abc");
  ::unsetenv("TH_CONFIG_TEST_SECRET");
  EXPECT_FALSE(read_webhook_secret(w, d));
  ASSERT_EQ(d.error_count(), 1u);
  EXPECT_EQ(d.items()[0].code, "TH-C-SECRET");

  th::test::TempFile secret("k3y-value\n", "th-config-secret");
  w.auth.value_env.clear();
  w.auth.value_file = secret.path();
  Diagnostics d2;
  EXPECT_EQ(read_webhook_secret(w, d2), "k3y-value");
  secret.write("line1\nline2\n");
  EXPECT_FALSE(read_webhook_secret(w, d2));  // a header value cannot hold a line break
  ASSERT_EQ(d2.error_count(), 1u);
  EXPECT_EQ(format_diagnostics_text(d2).find("line1"), std::string::npos);
}

// --- JSON Schema: schema/config.schema.json, checked with scripts/validate-json-schema.py ---

// Runs the validator; returns its exit status, or -1 when it cannot run here (skips the test,
// which fails under CI=true).
int run_validator(const std::vector<std::string>& docs, std::string* output = nullptr) {
  std::string cmd = "python3 '" + kValidator + "' '" + kSchema + "'";
  for (const auto& d : docs) cmd += " '" + d + "'";
  cmd += " 2>&1";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (!p) return -1;
  std::string out;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) out += buf;
  int status = ::pclose(p);
  if (output) *output = out;
  if (!WIFEXITED(status)) return -1;
  int code = WEXITSTATUS(status);
  return code == 2 || code == 127 ? -1 : code;
}

bool validator_available(std::string& why) {
  std::string out;
  if (run_validator({kExample}, &out) >= 0) return true;
  why = "python3 with jsonschema and yaml is needed (apt-get install python3-jsonschema "
        "python3-yaml): " + out;
  return false;
}

#define REQUIRE_VALIDATOR()                       \
  do {                                            \
    std::string why;                              \
    if (!validator_available(why)) TH_SKIP_OR_FAIL(why); \
  } while (0)

TEST(ConfigSchema, ExampleAndFullConfigValidate) {
  REQUIRE_VALIDATOR();
  std::string out;
  EXPECT_EQ(run_validator({kExample, kFull}, &out), 0) << out;
}

TEST(ConfigSchema, RejectsWhatTheLoaderRejects) {
  REQUIRE_VALIDATOR();
  th::test::TempDir dir("th-config-schema");
  std::vector<std::string> paths;
  for (const auto& c : kBadCases) {
    if (!c.schema_rejects) continue;
    paths.push_back(dir / (std::string(c.name) + ".yaml"));
    std::ofstream(paths.back()) << c.yaml;
  }
  std::string out;
  EXPECT_EQ(run_validator(paths, &out), 1) << out;
  for (const auto& p : paths)  // each file has at least one problem line
    EXPECT_NE(out.find(p + ": at "), std::string::npos) << p << " was accepted by the schema";
}

}  // namespace
}  // namespace th
