// The tracehound configuration: a plain struct with the defaults the command runs with, and the
// YAML loader that fills it. Loading never throws: every unknown key, wrong type or bad value is a
// Diagnostic with file:line:col (codes TH-C-*), and the returned Config keeps the default for each
// value that was wrong. Command-line flags are applied by the command on top of the loaded Config.
//
// The file format is documented in engine/config/README.md; docker/tracehound.yaml is a commented
// example and schema/config.schema.json its JSON Schema.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/core/diagnostics.h"
#include "engine/core/priority.h"
#include "engine/core/rule_selection.h"

namespace th {

// Used when --config is not given and this file exists.
inline constexpr const char* kDefaultConfigPath = "/etc/tracehound/tracehound.yaml";
// Parent of the per-webhook spool directories when a webhook does not name its own.
inline constexpr const char* kDefaultSpoolDir = "/var/lib/tracehound/spool";

using Millis = std::chrono::milliseconds;

enum class AlertFormat : uint8_t { json, text };
// Where the probe hooks system calls (probe/loader.h, SyscallHooks): raw_syscalls sees every ABI
// (ia32 too) at a cost on every syscall; per_syscall costs less but never sees ia32 syscalls;
// automatic picks raw_syscalls exactly when this host can run ia32 or x32 syscalls.
enum class SyscallHooksChoice : uint8_t { automatic, raw_syscalls, per_syscall };
// How a batch of several alerts is sent in one POST: a JSON array, or one alert per line.
enum class BatchFormat : uint8_t { json_array, ndjson };

struct StdoutOutputConfig {
  bool enabled = true;
};

struct FileOutputConfig {
  bool enabled = false;
  std::string path;  // JSON Lines, appended; reopened on SIGUSR1 (logrotate)
};

struct SyslogOutputConfig {
  bool enabled = false;
  std::string facility = "daemon";  // syslog facility name: daemon, user, auth, local0..local7...
  std::string ident = "tracehound";
  std::string socket_path = "/dev/log";  // the local syslog daemon's datagram socket
};

struct WebhookConfig {
  std::string name;  // unique among outputs: metrics label and spool directory name
  std::string url;   // http:// or https://
  std::vector<std::pair<std::string, std::string>> headers;
  // The auth header's value is read at start-up from an environment variable or a file (one of
  // them), never from the config file itself, and never logged.
  struct Auth {
    std::string header = "Authorization";
    std::string value_env;
    std::string value_file;
    bool configured() const { return !value_env.empty() || !value_file.empty(); }
  } auth;
  struct Tls {
    std::string ca_file;      // CA bundle to verify the server with (default: the system's)
    std::string client_cert;  // PEM, for mutual TLS
    std::string client_key;   // PEM, for mutual TLS
    bool insecure = false;    // skip server verification: explicit, and logged at start-up
  } tls;
  Millis connect_timeout{5000};
  Millis timeout{10000};  // whole request
  bool keepalive = true;
  struct Batch {
    uint32_t max_alerts = 1;  // 1 = one POST per alert (what Falcosidekick expects)
    Millis max_delay{1000};   // how long to wait for a batch to fill
    BatchFormat format = BatchFormat::json_array;
  } batch;
  struct Retry {
    uint32_t max_attempts = 0;  // per alert; 0 = unlimited (the spool absorbs the backlog)
    Millis initial_backoff{500};
    Millis max_backoff{30000};
  } retry;
  uint32_t queue_size = 10000;  // alerts held in memory before spilling to the spool
  struct Spool {
    bool enabled = true;
    std::string dir;  // empty: <outputs.spool_dir>/<name>
    uint64_t max_bytes = 256ull << 20;
  } spool;
  SourcePos pos;  // where the webhook was defined, for start-up errors
};

struct OutputsConfig {
  StdoutOutputConfig stdout_output;
  FileOutputConfig file;
  SyslogOutputConfig syslog;
  std::vector<WebhookConfig> webhooks;
  uint32_t queue_size = 10000;  // for stdout, file and syslog
  std::string spool_dir = kDefaultSpoolDir;
};

struct MetricsConfig {
  bool enabled = true;
  std::string address = "127.0.0.1";
  uint16_t port = 8765;
};

struct FoldingConfig {
  bool enabled = true;
  Millis window{60000};
};

// Alert rate limits of `run` (engine/fold/rate_limiter.h, bound in engine/fold/README.md).
struct RateLimitConfig {
  bool enabled = true;
  uint32_t burst = 10;                  // alerts per (rule, acting binary, user) at once
  Millis interval{60000};               // then one more per interval
  uint64_t user_budget = 64ull << 20;   // alert bytes per user and day, all rules together
  uint64_t user_burst = 1ull << 20;     // of which at once
  Millis summary_interval{60000};       // a summary of what was held back, at most this often
};

// Container names and images (container.name, container.image, container.start_ts) from the
// container runtime's API: Docker's, which podman serves too, over a unix socket. The sockets
// that exist are asked in order until one knows the container; without any the fields stay
// empty (engine/proc/container_meta.h).
struct ContainerRuntimeConfig {
  bool enabled = true;
  std::vector<std::string> sockets = {
      "/run/podman/podman.sock",      "/var/run/docker.sock",      "/run/docker.sock",
      "/host/run/podman/podman.sock", "/host/var/run/docker.sock", "/host/run/docker.sock"};
  Millis timeout{2000};  // per request to the runtime
};

// Prevention (README "Prevention"): what the kernel does when a rule with `action: kill` matches.
// off: nothing, as without the key; dry_run: the kernel decides and the alert says what would
// have been done; enforce: the caller is killed (SIGKILL) in the syscall, before its write.
enum class EnforcementMode : uint8_t { off, dry_run, enforce };
std::string_view enforcement_mode_name(EnforcementMode m);
// An `enforcement.allow` entry: "uid:N" gives N, anything else nullopt (a path).
std::optional<uint32_t> enforcement_allow_uid(std::string_view entry);
// An absolute path or uid:N.
bool enforcement_allow_entry_valid(std::string_view entry);

struct EnforcementConfig {
  EnforcementMode mode = EnforcementMode::off;
  // Kills the kernel makes per second, all rules together; beyond it a match is alerted on
  // (result "rate_limited") and an internal alert says so.
  uint32_t max_kills_per_second = 10;
  // Never killed: absolute executable paths (matched by file identity in the kernel, like the
  // known-debugger lists), or "uid:N" for every process of a user.
  std::vector<std::string> allow;
};

struct Config {
  std::vector<std::string> rules_files;  // files or directories; empty: the built-in default
  // Falco 0.38's `rules:` list: enable/disable by rule name (wildcards) or tag, applied in order
  // after loading; the command line's -D/-T/-t and `-o rules[]...` append to it.
  std::vector<RuleSelection> rule_selections;
  // Reload when the config file or a rules file or folder changes (Falco's watch_config_files).
  bool watch_config_files = true;
  Priority minimum_priority = Priority::debug;
  AlertFormat format = AlertFormat::json;  // stdout and syslog; the file and webhooks are JSON
  OutputsConfig outputs;
  Millis drain_timeout{10000};  // on SIGTERM: time to deliver queued alerts before spooling
  MetricsConfig metrics;
  FoldingConfig folding;
  RateLimitConfig rate_limit;
  uint32_t process_table_size = 65536;
  // Bytes, a power of two, resident in full once the probe is loaded (the `bulk` ring adds a
  // quarter); 4 MiB holds tens of thousands of records between two polls.
  uint64_t ring_buffer_size = 4ull << 20;
  SyscallHooksChoice syscall_hooks = SyscallHooksChoice::automatic;
  std::string passwd_path = "/etc/passwd";
  ContainerRuntimeConfig container_runtime;
  EnforcementConfig enforcement;
  std::string hostname;     // empty: gethostname()
  std::string source_file;  // the file this was loaded from; empty for built-in defaults
  // Where each value was read, by dotted key ("outputs.file.path", "outputs.webhooks[0].url"),
  // so that checks made after loading (validate_config) still point at file:line:col.
  std::map<std::string, SourcePos> positions;
};

// Parses YAML text; `file_name` is used in positions. Returns the defaults overlaid with every
// valid value; problems are appended to `diags` (errors for anything wrong, never an exception).
Config parse_config(std::string_view yaml_text, const std::string& file_name, Diagnostics& diags);
// Reads and parses a file; TH-C-IO when it cannot be read.
Config load_config_file(const std::string& path, Diagnostics& diags);
// `-o key=value` (Falco's -o): sets one config key, a dotted path ("metrics.port",
// "outputs.file.path"), to a YAML value ("9000", "true", "[a, b]", "{url: http://x/}"), read and
// checked exactly as the file's keys are; errors name the override ("-o metrics.prot=1: ...
// unknown key 'prot' in 'metrics' (did you mean 'port'?)"). A list replaces the file's list.
// Call validate_config afterwards (the cross-field checks).
void apply_config_override(Config& cfg, std::string_view key_value, Diagnostics& diags);
// The file to load: `explicit_path` when given (even if missing: the load reports it), else
// kDefaultConfigPath when it exists, else nullopt (run on built-in defaults).
std::optional<std::string> resolve_config_path(const std::string& explicit_path);

// Cross-field checks (unique output names, URL scheme, TLS pairs...). parse_config calls it; the
// command calls it again after applying flags.
void validate_config(const Config& cfg, Diagnostics& diags);
// Start-up checks of the files the config names (TLS CA bundle, client certificate and key): each
// must be a readable file. Not part of validate_config, so that a config can be checked on
// another machine than the one it is for.
void check_config_files(const Config& cfg, Diagnostics& diags);
// `--webhook URL`: appends a webhook with default settings named webhook-1, webhook-2... (the
// first free name); a bad URL is a TH-C-BAD-VALUE error naming the flag.
void add_webhook_url(Config& cfg, const std::string& url, Diagnostics& diags);
// The auth header value from the environment variable or file (trailing newlines trimmed);
// nullopt with no diagnostic when no auth is configured, nullopt with TH-C-SECRET when it is
// configured but cannot be read. The value is never put in a diagnostic.
std::optional<std::string> read_webhook_secret(const WebhookConfig& w, Diagnostics& diags);
// The spool directory of a webhook: its own spool.dir or <outputs.spool_dir>/<name>.
std::string webhook_spool_dir(const OutputsConfig& outputs, const WebhookConfig& w);

// "500ms", "5s", "2m", "1h", or a bare number of seconds (may be fractional).
std::optional<Millis> parse_duration(std::string_view text);
// "1048576", "64KiB", "16MiB", "1GiB" (also KB/MB/GB as powers of 1000).
std::optional<uint64_t> parse_size(std::string_view text);

}  // namespace th
