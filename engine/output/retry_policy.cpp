#include "engine/output/retry_policy.h"

#include <locale.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <string>

namespace th {
namespace {

// An HTTP-date (RFC 9110 5.6.7): the preferred IMF-fixdate and the two obsolete forms a recipient
// must accept, always GMT; -1 when `text` is none of them. The C library parses, in the C locale
// (English day and month names whatever the process's locale).
int64_t parse_http_date(const std::string& text) {
  static const locale_t c_locale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(0));
  static constexpr const char* kFormats[] = {
      "%a, %d %b %Y %H:%M:%S GMT",  // Sun, 06 Nov 1994 08:49:37 GMT
      "%A, %d-%b-%y %H:%M:%S GMT",  // Sunday, 06-Nov-94 08:49:37 GMT
      "%a %b %e %H:%M:%S %Y",       // Sun Nov  6 08:49:37 1994
  };
  if (!c_locale) return -1;
  for (const char* format : kFormats) {
    struct tm tm {};
    const char* end = strptime_l(text.c_str(), format, &tm, c_locale);
    if (end && *end == '\0') return static_cast<int64_t>(timegm(&tm));
  }
  return -1;
}

}  // namespace

DeliveryVerdict classify_http(bool transport_ok, long status) {
  if (!transport_ok) return DeliveryVerdict::retry;
  if (status >= 200 && status < 300) return DeliveryVerdict::delivered;
  if (status == 429 || (status >= 500 && status < 600)) return DeliveryVerdict::retry;
  return DeliveryVerdict::reject;
}

std::chrono::milliseconds backoff_delay(uint32_t retry, std::chrono::milliseconds initial,
                                        std::chrono::milliseconds max, std::mt19937_64& rng) {
  int64_t ceiling = max.count();
  int64_t d = std::max<int64_t>(initial.count(), 1);
  for (uint32_t i = 1; i < retry && d < ceiling; ++i) d *= 2;
  d = std::min(d, ceiling);
  std::uniform_int_distribution<int64_t> jitter(d / 2, d);
  return std::chrono::milliseconds(jitter(rng));
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           int64_t now_epoch_s) {
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.front())))
    value.remove_prefix(1);
  while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back())))
    value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  constexpr int64_t kCap = 3600;
  int64_t secs = 0;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
    if (ec == std::errc::result_out_of_range) secs = kCap;
    else if (ec != std::errc() || p != value.data() + value.size()) return std::nullopt;
  } else {
    int64_t when = parse_http_date(std::string(value));
    if (when < 0) return std::nullopt;
    secs = std::max<int64_t>(0, when - now_epoch_s);
  }
  return std::chrono::milliseconds(std::min(secs, kCap) * 1000);
}

}  // namespace th
