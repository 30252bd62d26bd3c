// What to do with a webhook's answer, and how long to wait before trying again.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>
#include <string_view>

namespace th {

enum class DeliveryVerdict : uint8_t {
  delivered,  // 2xx
  retry,      // no answer (connection error, timeout, TLS failure), 5xx, 429
  reject,     // any other status: the receiver will never take this alert as it is
};

// `transport_ok` is false when no HTTP answer came back at all.
DeliveryVerdict classify_http(bool transport_ok, long status);

// Exponential backoff with jitter: the n-th retry (n >= 1) waits a random time between half and
// all of min(initial * 2^(n-1), max), so that many tracehounds do not retry in step.
std::chrono::milliseconds backoff_delay(uint32_t retry, std::chrono::milliseconds initial,
                                        std::chrono::milliseconds max, std::mt19937_64& rng);

// A Retry-After header value: delay-seconds or an HTTP-date, relative to `now_epoch_s`.
// nullopt when malformed. Never negative; capped at one hour against nonsense.
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value,
                                                           int64_t now_epoch_s);

}  // namespace th
