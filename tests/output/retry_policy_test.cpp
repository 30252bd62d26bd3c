#include "engine/output/retry_policy.h"

#include <gtest/gtest.h>

#include "engine/output/http_client.h"

namespace th {
namespace {

using namespace std::chrono_literals;

TEST(RetryPolicy, ClassifiesAnswers) {
  struct Case {
    bool transport_ok;
    long status;
    DeliveryVerdict want;
  };
  const Case cases[] = {
      {true, 200, DeliveryVerdict::delivered}, {true, 204, DeliveryVerdict::delivered},
      {true, 500, DeliveryVerdict::retry},     {true, 503, DeliveryVerdict::retry},
      {true, 429, DeliveryVerdict::retry},     {false, 0, DeliveryVerdict::retry},
      {true, 400, DeliveryVerdict::reject},    {true, 401, DeliveryVerdict::reject},
      {true, 404, DeliveryVerdict::reject},    {true, 413, DeliveryVerdict::reject},
      {true, 301, DeliveryVerdict::reject},    {true, 100, DeliveryVerdict::reject},
  };
  for (const auto& c : cases)
    EXPECT_EQ(classify_http(c.transport_ok, c.status), c.want) << c.status;
}

TEST(RetryPolicy, BackoffDoublesUpToTheCapWithJitterInTheUpperHalf) {
  std::mt19937_64 rng(42);
  for (uint32_t retry = 1; retry <= 12; ++retry) {
    int64_t ceiling = std::min<int64_t>(100 << (retry - 1), 5000);
    for (int i = 0; i < 50; ++i) {
      auto d = backoff_delay(retry, 100ms, 5000ms, rng).count();
      EXPECT_GE(d, ceiling / 2) << retry;
      EXPECT_LE(d, ceiling) << retry;
    }
  }
}

TEST(RetryPolicy, ParsesRetryAfter) {
  const int64_t now = 1445412480;  // Wed, 21 Oct 2015 07:28:00 GMT
  EXPECT_EQ(parse_retry_after("120", now), 120000ms);
  EXPECT_EQ(parse_retry_after(" 0 ", now), 0ms);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now), 30000ms);
  EXPECT_EQ(parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now), 0ms);  // in the past
  EXPECT_EQ(parse_retry_after("99999999", now), 3600000ms);                 // capped
  // The two obsolete HTTP-date forms a recipient must accept too (RFC 9110 5.6.7).
  EXPECT_EQ(parse_retry_after("Wednesday, 21-Oct-15 07:29:00 GMT", now), 60000ms);
  EXPECT_EQ(parse_retry_after("Wed Oct 21 07:28:05 2015", now), 5000ms);
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:30 PST", now));  // always GMT
  EXPECT_FALSE(parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT trailing", now));
  EXPECT_FALSE(parse_retry_after("Wed, 32 Oct 2015 07:28:30 GMT", now));
  EXPECT_FALSE(parse_retry_after("soon", now));
  EXPECT_FALSE(parse_retry_after("12abc", now));
  EXPECT_FALSE(parse_retry_after("", now));
}

TEST(RetryPolicy, RedactsCredentialsInUrls) {
  EXPECT_EQ(redact_url("https://user:pw@example.test:8443/x?y=1"), "https://***@example.test:8443/x?y=1");
  EXPECT_EQ(redact_url("http://example.test/a@b"), "http://example.test/a@b");
  EXPECT_EQ(redact_url("http://127.0.0.1:2801/"), "http://127.0.0.1:2801/");
}

}  // namespace
}  // namespace th
