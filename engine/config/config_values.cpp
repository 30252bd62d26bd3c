// Value parsing (durations, sizes), cross-field validation, `--webhook URL`, and secrets.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "engine/config/config.h"

namespace th {
namespace {

bool is_token_char(char c) {
  // RFC 9110 token characters: what a header name may contain.
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool valid_header_name(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), is_token_char);
}

bool valid_header_value(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

// Output names become directory names and metric labels: keep them plain.
bool valid_output_name(std::string_view s) {
  if (s.empty() || s == "." || s == ".." || s.size() > 64) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
  });
}

// Returns the problem with `url`, or empty when it is a usable http(s) URL.
std::string url_problem(std::string_view url) {
  std::string_view rest;
  if (url.substr(0, 7) == "http://")
    rest = url.substr(7);
  else if (url.substr(0, 8) == "https://")
    rest = url.substr(8);
  else
    return "must start with http:// or https://";
  auto host_end = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, host_end);
  if (auto at = authority.rfind('@'); at != std::string_view::npos)
    authority = authority.substr(at + 1);
  if (authority.empty() || authority[0] == ':') return "has no host";
  if (url.find_first_of(" \t\r\n") != std::string_view::npos) return "contains white space";
  return {};
}

const std::set<std::string, std::less<>> kFacilities = {
    "kern",   "user",   "mail",   "daemon", "auth",   "syslog", "lpr",    "news",
    "uucp",   "cron",   "authpriv", "ftp",  "local0", "local1", "local2", "local3",
    "local4", "local5", "local6", "local7"};

SourcePos pos_or_file(const Config& cfg, const std::string& key) {
  if (auto it = cfg.positions.find(key); it != cfg.positions.end()) return it->second;
  return {cfg.source_file, 0, 0};
}

}  // namespace

std::optional<Millis> parse_duration(std::string_view text) {
  std::string s(text);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  if (s.empty()) return std::nullopt;
  std::size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == 0) return std::nullopt;
  double v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + i, v);
  if (ec != std::errc() || p != s.data() + i || !std::isfinite(v)) return std::nullopt;
  std::string_view unit = std::string_view(s).substr(i);
  double ms;
  if (unit.empty() || unit == "s")
    ms = v * 1000;
  else if (unit == "ms")
    ms = v;
  else if (unit == "m")
    ms = v * 60'000;
  else if (unit == "h")
    ms = v * 3'600'000;
  else
    return std::nullopt;
  if (ms > 1e12) return std::nullopt;
  return Millis(static_cast<int64_t>(std::llround(ms)));
}

std::optional<uint64_t> parse_size(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) ++i;
  if (i == 0) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + i, v);
  if (ec != std::errc()) return std::nullopt;
  std::string_view unit = text.substr(i);
  uint64_t mult = 1;
  if (unit.empty() || unit == "B")
    mult = 1;
  else if (unit == "KiB")
    mult = 1ull << 10;
  else if (unit == "MiB")
    mult = 1ull << 20;
  else if (unit == "GiB")
    mult = 1ull << 30;
  else if (unit == "KB")
    mult = 1000;
  else if (unit == "MB")
    mult = 1000'000;
  else if (unit == "GB")
    mult = 1000'000'000;
  else
    return std::nullopt;
  if (v > UINT64_MAX / mult) return std::nullopt;
  return v * mult;
}

void validate_config(const Config& cfg, Diagnostics& diags) {
  const auto& o = cfg.outputs;
  if (o.file.enabled && o.file.path.empty())
    diags.error("TH-C-MISSING-KEY", pos_or_file(cfg, "outputs.file"),
                "the file output is enabled but has no 'path'", "config");
  if (o.syslog.enabled && !kFacilities.count(o.syslog.facility))
    diags.error("TH-C-BAD-VALUE", pos_or_file(cfg, "outputs.syslog.facility"),
                "unknown syslog facility '" + o.syslog.facility + "'", "config");
  std::set<std::string, std::less<>> names = {"stdout", "file", "syslog"};
  for (std::size_t i = 0; i < o.webhooks.size(); ++i) {
    const auto& w = o.webhooks[i];
    const std::string path = "outputs.webhooks[" + std::to_string(i) + "]";
    auto at = [&](const std::string& key) {
      auto p = pos_or_file(cfg, path + key);
      return p.line ? p : (w.pos.line ? w.pos : p);
    };
    if (!valid_output_name(w.name))
      diags.error("TH-C-BAD-VALUE", at(".name"),
                  "webhook name '" + w.name + "' may use only letters, digits, '-', '_' and '.'",
                  "config", w.name);
    else if (!names.insert(w.name).second)
      diags.error("TH-C-BAD-VALUE", at(".name"),
                  "output name '" + w.name + "' is used twice", "config", w.name);
    if (auto why = url_problem(w.url); !why.empty() && !w.url.empty())
      diags.error("TH-C-BAD-VALUE", at(".url"), "webhook url " + why, "config", w.name);
    for (const auto& [k, v] : w.headers) {
      auto hp = pos_or_file(cfg, "headers:" + w.name + ":" + k);
      if (!valid_header_name(k))
        diags.error("TH-C-BAD-VALUE", hp, "'" + k + "' is not a valid HTTP header name",
                    "config", w.name);
      else if (!valid_header_value(v))
        diags.error("TH-C-BAD-VALUE", hp, "header '" + k + "' has a line break in its value",
                    "config", w.name);
    }
    if (w.auth.configured() && !valid_header_name(w.auth.header))
      diags.error("TH-C-BAD-VALUE", at(".name"),
                  "auth header '" + w.auth.header + "' is not a valid HTTP header name",
                  "config", w.name);
    if (w.tls.client_cert.empty() != w.tls.client_key.empty())
      diags.error("TH-C-BAD-VALUE", at(".tls"),
                  "mutual TLS needs both client_cert and client_key", "config", w.name);
  }
}

void check_config_files(const Config& cfg, Diagnostics& diags) {
  for (std::size_t i = 0; i < cfg.outputs.webhooks.size(); ++i) {
    const auto& w = cfg.outputs.webhooks[i];
    const std::string path = "outputs.webhooks[" + std::to_string(i) + "].tls.";
    for (auto [key, file] : {std::pair{"ca_file", &w.tls.ca_file},
                             std::pair{"client_cert", &w.tls.client_cert},
                             std::pair{"client_key", &w.tls.client_key}}) {
      if (file->empty()) continue;
      std::ifstream in(*file, std::ios::binary);
      std::error_code ec;
      if (in && std::filesystem::is_regular_file(*file, ec)) continue;
      std::string why = std::filesystem::exists(*file, ec) ? "is not a readable file"
                                                            : "does not exist";
      diags.error("TH-C-BAD-VALUE", pos_or_file(cfg, path + key),
                  "'tls." + std::string(key) + "': '" + *file + "' " + why, "config", w.name);
    }
  }
}

void add_webhook_url(Config& cfg, const std::string& url, Diagnostics& diags) {
  if (auto why = url_problem(url); !why.empty()) {
    diags.error("TH-C-BAD-VALUE", {"--webhook", 0, 0}, "'" + url + "' " + why, "config");
    return;
  }
  std::set<std::string, std::less<>> used;
  for (const auto& w : cfg.outputs.webhooks) used.insert(w.name);
  WebhookConfig w;
  for (int n = 1;; ++n) {
    w.name = "webhook-" + std::to_string(n);
    if (!used.count(w.name)) break;
  }
  w.url = url;
  w.pos = {"--webhook", 0, 0};
  cfg.outputs.webhooks.push_back(std::move(w));
}

std::optional<std::string> read_webhook_secret(const WebhookConfig& w, Diagnostics& diags) {
  if (!w.auth.configured()) return std::nullopt;
  std::string value;
  if (!w.auth.value_env.empty()) {
    const char* v = std::getenv(w.auth.value_env.c_str());
    if (!v || !*v) {
      diags.error("TH-C-SECRET", w.pos,
                  "environment variable " + w.auth.value_env +
                      " (auth header value) is not set or empty",
                  "webhook", w.name);
      return std::nullopt;
    }
    value = v;
  } else {
    std::ifstream in(w.auth.value_file, std::ios::binary);
    if (!in) {
      diags.error("TH-C-SECRET", w.pos,
                  "cannot read the auth header value file " + w.auth.value_file, "webhook",
                  w.name);
      return std::nullopt;
    }
    std::ostringstream s;
    s << in.rdbuf();
    value = s.str();
    while (!value.empty() && (value.back() == '\n' || value.back() == '\r')) value.pop_back();
    if (value.empty()) {
      diags.error("TH-C-SECRET", w.pos, "the auth header value file " + w.auth.value_file +
                                            " is empty", "webhook", w.name);
      return std::nullopt;
    }
  }
  if (!valid_header_value(value)) {
    diags.error("TH-C-SECRET", w.pos, "the auth header value has a line break in it", "webhook",
                w.name);
    return std::nullopt;
  }
  return value;
}

std::string webhook_spool_dir(const OutputsConfig& outputs, const WebhookConfig& w) {
  if (!w.spool.dir.empty()) return w.spool.dir;
  std::string base = outputs.spool_dir;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  return base + "/" + w.name;
}

std::string_view enforcement_mode_name(EnforcementMode m) {
  switch (m) {
    case EnforcementMode::enforce: return "enforce";
    case EnforcementMode::dry_run: return "dry_run";
    case EnforcementMode::off: break;
  }
  return "off";
}

std::optional<uint32_t> enforcement_allow_uid(std::string_view entry) {
  if (!entry.starts_with("uid:") || entry.size() == 4 || entry.size() > 14) return std::nullopt;
  uint64_t v = 0;
  for (char c : entry.substr(4)) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  if (v > 0xfffffffeull) return std::nullopt;
  return static_cast<uint32_t>(v);
}

bool enforcement_allow_entry_valid(std::string_view entry) {
  return (entry.size() > 1 && entry.front() == '/') || enforcement_allow_uid(entry).has_value();
}

}  // namespace th
