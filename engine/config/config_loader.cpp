// YAML -> Config. Each section has one function; every value goes through YamlReader, which
// reports problems at file:line:col and keeps the default for anything wrong.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/config/config.h"
#include "engine/config/yaml_reader.h"

namespace th {
namespace {

using config_detail::YamlReader;

constexpr uint64_t kMaxRingBuffer = 1ull << 30;

class Loader {
 public:
  Loader(Config& cfg, YamlReader& r) : cfg_(cfg), r_(r) {}

  void top(const YAML::Node& root) {
    if (!r_.check_map(root, "<top level>",
                      {"rules_files", "minimum_priority", "format", "outputs", "drain_timeout",
                       "metrics", "folding", "rate_limit", "process_table_size", "ring_buffer_size",
                       "passwd_path", "hostname", "container_runtime", "syscall_hooks",
                       "enforcement"}))
      return;
    note(root, "rules_files", "rules_files");
    r_.read_string_list(root, "rules_files", cfg_.rules_files);
    r_.read_priority(root, "minimum_priority", cfg_.minimum_priority);
    format(root);
    r_.read_duration(root, "drain_timeout", cfg_.drain_timeout, Millis(0));
    r_.read(root, "process_table_size", cfg_.process_table_size, 1024, 1u << 24);
    ring_buffer(root);
    syscall_hooks(root);
    r_.read(root, "passwd_path", cfg_.passwd_path, false);
    r_.read(root, "hostname", cfg_.hostname);
    if (auto n = root["outputs"]; n.IsDefined() && !n.IsNull()) outputs(n);
    if (auto n = root["metrics"]; n.IsDefined() && !n.IsNull()) metrics(n);
    if (auto n = root["folding"]; n.IsDefined() && !n.IsNull()) folding(n);
    if (auto n = root["rate_limit"]; n.IsDefined() && !n.IsNull()) rate_limit(n);
    if (auto n = root["container_runtime"]; n.IsDefined() && !n.IsNull()) container_runtime(n);
    if (auto n = root["enforcement"]; n.IsDefined() && !n.IsNull()) enforcement(n);
  }

 private:
  void note(const YAML::Node& map, const char* key, const std::string& path) {
    if (auto n = map[key]; n.IsDefined()) cfg_.positions[path] = r_.pos(n);
  }

  void format(const YAML::Node& root) {
    auto n = root["format"];
    if (!n.IsDefined() || n.IsNull()) return;
    auto s = r_.scalar(n, "format", "\"json\" or \"text\"");
    if (!s) return;
    if (*s == "json")
      cfg_.format = AlertFormat::json;
    else if (*s == "text")
      cfg_.format = AlertFormat::text;
    else
      r_.bad_value(n, "format", "must be \"json\" or \"text\", not '" + *s + "'");
  }

  void syscall_hooks(const YAML::Node& root) {
    auto n = root["syscall_hooks"];
    if (!n.IsDefined() || n.IsNull()) return;
    auto s = r_.scalar(n, "syscall_hooks", "\"automatic\", \"raw_syscalls\" or \"per_syscall\"");
    if (!s) return;
    if (*s == "automatic")
      cfg_.syscall_hooks = SyscallHooksChoice::automatic;
    else if (*s == "raw_syscalls")
      cfg_.syscall_hooks = SyscallHooksChoice::raw_syscalls;
    else if (*s == "per_syscall")
      cfg_.syscall_hooks = SyscallHooksChoice::per_syscall;
    else
      r_.bad_value(n, "syscall_hooks",
                   "must be \"automatic\", \"raw_syscalls\" or \"per_syscall\", not '" + *s + "'");
  }

  void ring_buffer(const YAML::Node& root) {
    uint64_t v = cfg_.ring_buffer_size;
    r_.read_size(root, "ring_buffer_size", v, 4096);
    if (v > kMaxRingBuffer) {
      r_.bad_value(root["ring_buffer_size"], "ring_buffer_size", "must be at most 1GiB");
      return;
    }
    if (v & (v - 1)) {
      r_.bad_value(root["ring_buffer_size"], "ring_buffer_size", "must be a power of two");
      return;
    }
    cfg_.ring_buffer_size = v;
  }

  void outputs(const YAML::Node& n) {
    if (!r_.check_map(n, "outputs",
                      {"stdout", "file", "syslog", "webhooks", "queue_size", "spool_dir"}))
      return;
    auto& o = cfg_.outputs;
    r_.read(n, "queue_size", o.queue_size, 1, 10'000'000);
    r_.read(n, "spool_dir", o.spool_dir, false);
    if (auto s = n["stdout"]; s.IsDefined() && !s.IsNull()) {
      if (r_.check_map(s, "outputs.stdout", {"enabled"})) r_.read(s, "enabled", o.stdout_output.enabled);
    }
    if (auto f = n["file"]; f.IsDefined() && !f.IsNull()) {
      cfg_.positions["outputs.file"] = r_.pos(f);
      if (r_.check_map(f, "outputs.file", {"enabled", "path"})) {
        r_.read(f, "enabled", o.file.enabled);
        r_.read(f, "path", o.file.path);
        note(f, "path", "outputs.file.path");
      }
    }
    if (auto s = n["syslog"]; s.IsDefined() && !s.IsNull()) {
      if (r_.check_map(s, "outputs.syslog", {"enabled", "facility", "ident", "socket_path"})) {
        r_.read(s, "enabled", o.syslog.enabled);
        r_.read(s, "facility", o.syslog.facility, false);
        note(s, "facility", "outputs.syslog.facility");
        r_.read(s, "ident", o.syslog.ident, false);
        r_.read(s, "socket_path", o.syslog.socket_path, false);
      }
    }
    if (auto w = n["webhooks"]; w.IsDefined() && !w.IsNull()) {
      if (!w.IsSequence()) {
        r_.bad_type(w, "webhooks", "a list of webhooks");
      } else {
        for (std::size_t i = 0; i < w.size(); ++i) webhook(w[i], i);
      }
    }
  }

  void webhook(const YAML::Node& n, std::size_t index) {
    const std::string path = "outputs.webhooks[" + std::to_string(index) + "]";
    WebhookConfig w;
    w.pos = r_.pos(n);
    if (!r_.check_map(n, path,
                      {"name", "url", "headers", "auth", "tls", "connect_timeout", "timeout",
                       "keepalive", "batch", "retry", "queue_size", "spool"}))
      return;
    w.name = "webhook-" + std::to_string(index + 1);
    r_.read(n, "name", w.name, false);
    note(n, "name", path + ".name");
    if (!n["url"].IsDefined())
      r_.diags().error("TH-C-MISSING-KEY", w.pos, "webhook needs a 'url'", "config", w.name);
    r_.read(n, "url", w.url, false);
    note(n, "url", path + ".url");
    if (auto h = n["headers"]; h.IsDefined() && !h.IsNull()) headers(h, w);
    if (auto a = n["auth"]; a.IsDefined() && !a.IsNull()) {
      if (r_.check_map(a, path + ".auth", {"header", "value_env", "value_file"})) {
        r_.read(a, "header", w.auth.header, false);
        r_.read(a, "value_env", w.auth.value_env, false);
        r_.read(a, "value_file", w.auth.value_file, false);
        if (!w.auth.value_env.empty() && !w.auth.value_file.empty())
          r_.bad_value(a, "auth", "give value_env or value_file, not both");
        else if (!w.auth.configured())
          r_.bad_value(a, "auth", "needs value_env or value_file");
      }
    }
    if (auto t = n["tls"]; t.IsDefined() && !t.IsNull()) {
      if (r_.check_map(t, path + ".tls", {"ca_file", "client_cert", "client_key", "insecure"})) {
        for (auto [key, out] : {std::pair{"ca_file", &w.tls.ca_file},
                                std::pair{"client_cert", &w.tls.client_cert},
                                std::pair{"client_key", &w.tls.client_key}}) {
          r_.read(t, key, *out, false);
          note(t, key, path + ".tls." + key);
        }
        r_.read(t, "insecure", w.tls.insecure);
        cfg_.positions[path + ".tls"] = r_.pos(t);
      }
    }
    r_.read_duration(n, "connect_timeout", w.connect_timeout, Millis(1));
    r_.read_duration(n, "timeout", w.timeout, Millis(1));
    r_.read(n, "keepalive", w.keepalive);
    if (auto b = n["batch"]; b.IsDefined() && !b.IsNull()) batch(b, path, w);
    if (auto rt = n["retry"]; rt.IsDefined() && !rt.IsNull()) retry(rt, path, w);
    r_.read(n, "queue_size", w.queue_size, 1, 10'000'000);
    if (auto s = n["spool"]; s.IsDefined() && !s.IsNull()) {
      if (r_.check_map(s, path + ".spool", {"enabled", "dir", "max_bytes"})) {
        r_.read(s, "enabled", w.spool.enabled);
        r_.read(s, "dir", w.spool.dir, false);
        r_.read_size(s, "max_bytes", w.spool.max_bytes, 4096);
      }
    }
    cfg_.outputs.webhooks.push_back(std::move(w));
  }

  void headers(const YAML::Node& h, WebhookConfig& w) {
    if (!h.IsMap()) return r_.bad_type(h, "headers", "a mapping of header name to value");
    for (auto it = h.begin(); it != h.end(); ++it) {
      auto name = r_.scalar(it->first, "headers", "a header name");
      if (!name) continue;
      auto value = r_.scalar(it->second, *name, "a string");
      if (!value) continue;
      w.headers.emplace_back(*name, *value);
      cfg_.positions["headers:" + w.name + ":" + *name] = r_.pos(it->first);
    }
  }

  void batch(const YAML::Node& b, const std::string& path, WebhookConfig& w) {
    if (!r_.check_map(b, path + ".batch", {"max_alerts", "max_delay", "format"})) return;
    r_.read(b, "max_alerts", w.batch.max_alerts, 1, 10000);
    r_.read_duration(b, "max_delay", w.batch.max_delay, Millis(0));
    if (auto f = b["format"]; f.IsDefined() && !f.IsNull()) {
      auto s = r_.scalar(f, "format", "\"array\" or \"ndjson\"");
      if (s && *s == "array")
        w.batch.format = BatchFormat::json_array;
      else if (s && *s == "ndjson")
        w.batch.format = BatchFormat::ndjson;
      else if (s)
        r_.bad_value(f, "format", "must be \"array\" or \"ndjson\", not '" + *s + "'");
    }
  }

  void retry(const YAML::Node& rt, const std::string& path, WebhookConfig& w) {
    if (!r_.check_map(rt, path + ".retry", {"max_attempts", "initial_backoff", "max_backoff"}))
      return;
    if (auto m = rt["max_attempts"]; m.IsDefined() && !m.IsNull()) {
      if (m.IsScalar() && m.Scalar() == "unlimited")
        w.retry.max_attempts = 0;
      else
        r_.read(rt, "max_attempts", w.retry.max_attempts, 1, 1'000'000);
    }
    r_.read_duration(rt, "initial_backoff", w.retry.initial_backoff, Millis(1));
    r_.read_duration(rt, "max_backoff", w.retry.max_backoff, Millis(1));
    if (w.retry.max_backoff < w.retry.initial_backoff)
      r_.bad_value(rt, "retry", "max_backoff is shorter than initial_backoff");
  }

  void metrics(const YAML::Node& n) {
    if (!r_.check_map(n, "metrics", {"enabled", "address", "port"})) return;
    r_.read(n, "enabled", cfg_.metrics.enabled);
    r_.read(n, "address", cfg_.metrics.address, false);
    r_.read(n, "port", cfg_.metrics.port, 0, 65535);
  }

  void folding(const YAML::Node& n) {
    if (!r_.check_map(n, "folding", {"enabled", "window"})) return;
    r_.read(n, "enabled", cfg_.folding.enabled);
    r_.read_duration(n, "window", cfg_.folding.window, Millis(1));
  }

  void rate_limit(const YAML::Node& n) {
    if (!r_.check_map(n, "rate_limit", {"enabled", "burst", "interval", "user_budget",
                                        "user_burst", "summary_interval"}))
      return;
    auto& c = cfg_.rate_limit;
    r_.read(n, "enabled", c.enabled);
    r_.read(n, "burst", c.burst, 1, 1u << 20);
    r_.read_duration(n, "interval", c.interval, Millis(1));
    r_.read_size(n, "user_budget", c.user_budget, 4096);
    r_.read_size(n, "user_burst", c.user_burst, 4096);
    r_.read_duration(n, "summary_interval", c.summary_interval, Millis(100));
  }

  void container_runtime(const YAML::Node& n) {
    if (!r_.check_map(n, "container_runtime", {"enabled", "sockets", "timeout"})) return;
    auto& c = cfg_.container_runtime;
    r_.read(n, "enabled", c.enabled);
    std::vector<std::string> sockets = c.sockets;
    r_.read_string_list(n, "sockets", sockets);
    bool ok = true;
    for (std::size_t i = 0; i < sockets.size(); ++i) {
      if (sockets[i].empty() || sockets[i].front() != '/') {
        r_.bad_value(n["sockets"][i], "sockets", "must be absolute paths, not '" + sockets[i] + "'");
        ok = false;
      }
    }
    if (ok) c.sockets = std::move(sockets);
    r_.read_duration(n, "timeout", c.timeout, Millis(1));
  }

  void enforcement(const YAML::Node& n) {
    if (!r_.check_map(n, "enforcement", {"mode", "max_kills_per_second", "allow"})) return;
    auto& c = cfg_.enforcement;
    if (auto m = n["mode"]; m.IsDefined() && !m.IsNull()) {
      auto s = r_.scalar(m, "mode", "\"enforce\", \"dry_run\" or \"off\"");
      if (s && *s == "enforce")
        c.mode = EnforcementMode::enforce;
      else if (s && *s == "dry_run")
        c.mode = EnforcementMode::dry_run;
      else if (s && *s == "off")
        c.mode = EnforcementMode::off;
      else if (s)
        r_.bad_value(m, "mode", "must be \"enforce\", \"dry_run\" or \"off\", not '" + *s + "'");
    }
    r_.read(n, "max_kills_per_second", c.max_kills_per_second, 1, 1u << 20);
    std::vector<std::string> allow = c.allow;
    r_.read_string_list(n, "allow", allow);
    bool ok = true;
    for (std::size_t i = 0; i < allow.size(); ++i) {
      if (!enforcement_allow_entry_valid(allow[i])) {
        r_.bad_value(n["allow"][i], "allow",
                     "entries are absolute executable paths or uid:N, not '" + allow[i] + "'");
        ok = false;
      }
    }
    if (ok) c.allow = std::move(allow);
  }

  Config& cfg_;
  YamlReader& r_;
};

}  // namespace

Config parse_config(std::string_view yaml_text, const std::string& file_name,
                    Diagnostics& diags) {
  Config cfg;
  cfg.source_file = file_name;
  Diagnostics local;
  local.add_source(file_name, std::string(yaml_text));
  YamlReader reader(file_name, local);
  try {
    YAML::Node root = YAML::Load(std::string(yaml_text));
    if (root.IsDefined() && !root.IsNull()) Loader(cfg, reader).top(root);
  } catch (const YAML::Exception& e) {
    SourcePos pos{file_name, 0, 0};
    if (e.mark.line >= 0)
      pos = {file_name, static_cast<uint32_t>(e.mark.line + 1),
             static_cast<uint32_t>(e.mark.column + 1)};
    local.error("TH-C-YAML", pos, "not valid YAML: " + e.msg, "config");
  }
  if (!local.has_errors()) validate_config(cfg, local);
  diags.append(local);
  return cfg;
}

Config load_config_file(const std::string& path, Diagnostics& diags) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diags.error("TH-C-IO", {path, 0, 0}, "cannot read the config file", "config");
    Config cfg;
    cfg.source_file = path;
    return cfg;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse_config(text.str(), path, diags);
}

namespace {

// The nested mappings `a: {b: {c: <leaf>}}` for the dotted key "a.b.c"; false for a malformed key.
bool nest(const std::string& key, const YAML::Node& leaf, YAML::Node& root) {
  std::vector<std::string> parts;
  std::size_t start = 0;
  for (std::size_t dot; (dot = key.find('.', start)) != std::string::npos; start = dot + 1)
    parts.push_back(key.substr(start, dot - start));
  parts.push_back(key.substr(start));
  for (const auto& p : parts)
    if (p.empty() || p.find_first_of(" \t[]{}:") != std::string::npos) return false;
  root = YAML::Node(YAML::NodeType::Map);
  YAML::Node cur = root;
  for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
    YAML::Node next(YAML::NodeType::Map);
    cur[parts[i]] = next;
    cur.reset(next);  // rebinds: `cur = next` would overwrite the node cur refers to
  }
  cur[parts.back()] = leaf;
  return true;
}

}  // namespace

void apply_config_override(Config& cfg, std::string_view key_value, Diagnostics& diags) {
  std::string origin = "-o ";
  origin.append(key_value);
  auto eq = key_value.find('=');
  std::string key(key_value.substr(0, eq));
  std::string value(eq == std::string_view::npos ? "" : key_value.substr(eq + 1));
  if (eq == std::string_view::npos || key.empty() || value.empty()) {
    diags.error("TH-C-BAD-VALUE", {origin, 0, 0},
                "expected key=value, for example metrics.port=9000", "config");
    return;
  }
  Diagnostics local;
  YamlReader reader(origin, local);
  YAML::Node root;
  try {
    if (!nest(key, YAML::Load(value), root))
      local.error("TH-C-UNKNOWN-KEY", {origin, 0, 0},
                  "'" + key + "' is not a config key (keys are dotted: outputs.file.path)",
                  "config");
    else {
      // A list given on the command line replaces the file's (webhooks would otherwise add up).
      if (key == "outputs.webhooks" || key == "outputs") cfg.outputs.webhooks.clear();
      Loader(cfg, reader).top(root);
    }
  } catch (const YAML::Exception& e) {
    local.error("TH-C-YAML", {origin, 0, 0}, "the value of '" + key + "' is not valid YAML: " + e.msg,
                "config");
  }
  diags.append(local);
}

std::optional<std::string> resolve_config_path(const std::string& explicit_path) {
  if (!explicit_path.empty()) return explicit_path;
  std::error_code ec;
  if (std::filesystem::exists(kDefaultConfigPath, ec)) return std::string(kDefaultConfigPath);
  return std::nullopt;
}

}  // namespace th
