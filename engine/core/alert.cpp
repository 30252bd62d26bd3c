#include "engine/core/alert.h"

#include <ctime>
#include <cstdio>

namespace th {

std::string format_rfc3339_ns(uint64_t time_ns) {
  std::time_t secs = static_cast<std::time_t>(time_ns / 1000000000ull);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%09lluZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned long long>(time_ns % 1000000000ull));
  return buf;
}

std::string format_evt_time(uint64_t time_ns) {
  std::time_t secs = static_cast<std::time_t>(time_ns / 1000000000ull);
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02d:%02d:%02d.%09llu", tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<unsigned long long>(time_ns % 1000000000ull));
  return buf;
}

std::string alert_prefix(uint64_t time_ns, Priority p) {
  std::string s = format_evt_time(time_ns);
  s += ": ";
  s += priority_name(p);
  s += ' ';
  return s;
}

std::string_view alert_body(const Alert& a) {
  std::string prefix = alert_prefix(a.time_ns, a.priority);
  std::string_view out(a.output);
  if (out.substr(0, prefix.size()) == prefix) out.remove_prefix(prefix.size());
  return out;
}

std::string alert_to_json(const Alert& a) {
  nlohmann::ordered_json j;
  j["hostname"] = a.hostname;
  j["output"] = a.output;
  j["output_fields"] = a.output_fields;
  j["priority"] = priority_name(a.priority);
  j["rule"] = a.rule;
  j["source"] = a.source;
  j["tags"] = a.tags;
  j["time"] = format_rfc3339_ns(a.time_ns);
  if (!a.uuid.empty()) j["uuid"] = a.uuid;
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

namespace {

void append_hex_escape(std::string& out, const char* form, unsigned v) {
  char buf[8];
  std::snprintf(buf, sizeof buf, form, v);
  out += buf;
}

// Length of the valid UTF-8 sequence at s[i] (0 when it is not one), and its code point.
std::size_t utf8_sequence(std::string_view s, std::size_t i, uint32_t& cp) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b >= 0xf5 ? 0 : b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc2 ? 2 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  cp = b & (0x7f >> n);
  for (std::size_t k = 1; k < n; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (c & 0x3f);
  }
  bool overlong = (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000);
  if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

}  // namespace

std::string escape_control(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b >= 0x20 && b < 0x7f) {
      if (b == '\\') out += '\\';
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    switch (b) {
      case '\n': out += "\\n"; ++i; continue;
      case '\r': out += "\\r"; ++i; continue;
      case '\t': out += "\\t"; ++i; continue;
      default: break;
    }
    uint32_t cp = 0;
    std::size_t n = b >= 0x80 ? utf8_sequence(s, i, cp) : 0;
    if (n == 0) {
      append_hex_escape(out, "\\x%02x", b);  // C0 controls, DEL, bytes that are not UTF-8
      ++i;
    } else if (cp < 0xa0) {
      append_hex_escape(out, "\\u%04x", cp);  // C1 controls (a terminal takes U+009B as CSI)
      i += n;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string alert_to_text(const Alert& a) { return escape_control(a.output); }

namespace {
// Inverse of format_rfc3339_ns; returns false on malformed input.
bool parse_rfc3339_ns(const std::string& s, uint64_t& out) {
  int y, mo, d, h, mi, sec;
  char frac[16] = {0};
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d.%15[0-9]Z", &y, &mo, &d, &h, &mi, &sec,
                  frac) < 6)
    return false;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  std::time_t t = timegm(&tm);
  if (t < 0) return false;
  uint64_t ns = 0;
  int digits = 0;
  for (const char* p = frac; *p && digits < 9; ++p, ++digits) ns = ns * 10 + (*p - '0');
  for (; digits < 9; ++digits) ns *= 10;
  out = static_cast<uint64_t>(t) * 1000000000ull + ns;
  return true;
}
}  // namespace

std::optional<Alert> alert_from_json(std::string_view line) {
  auto j = nlohmann::ordered_json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  Alert a;
  try {
    a.hostname = j.value("hostname", "");
    a.output = j.at("output").get<std::string>();
    a.output_fields = j.value("output_fields", nlohmann::ordered_json::object());
    auto p = priority_from_name(j.at("priority").get<std::string>());
    if (!p) return std::nullopt;
    a.priority = *p;
    a.rule = j.at("rule").get<std::string>();
    a.source = j.value("source", "syscall");
    a.tags = j.value("tags", std::vector<std::string>{});
    if (!parse_rfc3339_ns(j.at("time").get<std::string>(), a.time_ns)) return std::nullopt;
    a.uuid = j.value("uuid", "");
  } catch (const nlohmann::ordered_json::exception&) {
    return std::nullopt;
  }
  return a;
}

}  // namespace th
