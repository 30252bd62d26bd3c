// Bounds the alerts of every rule, so that no user can flood delivery (a memfd exec loop, a fork
// bomb of tracers) and still nothing is hidden. Two limits, both decided before an alert is
// rendered:
//  - per (rule, acting binary, user): a token bucket of `burst` alerts, one more per `interval`;
//  - per user, all rules together: a budget of alert bytes (`user_budget` a day, of which
//    `user_burst` at once), charged with the size of each alert as delivered (its JSON line).
// A match either limit holds back is counted per (rule, user), with its binary; once per
// `summary_interval` a summary alert in Falco's format carries the counts, the binaries and the
// first held-back alert of the interval (rendered, so the summary says what happened). A summary
// that is due has precedence over new alerts of its user; it waits only for the user's budget.
//
// Bound (docs in engine/fold/README.md): what one user can make tracehound deliver in a time T is
// at most user_burst + user_budget * T / day plus the debt of session summaries (which are never
// held back), at most twice what the user was let through in one folding window.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "engine/core/alert.h"

namespace th {

class Counter;
class Metrics;

struct RateLimitOptions {
  bool enabled = false;  // off unless asked for: `run` turns it on (config rate_limit.enabled)
  uint32_t burst = 10;                           // per (rule, binary, user), at once
  uint64_t interval_ns = 60'000'000'000ull;      // then one more per interval
  uint64_t user_budget = 64ull << 20;            // alert bytes per user and day, all rules
  uint64_t user_burst = 1ull << 20;              // of which this much at once
  uint64_t summary_interval_ns = 60'000'000'000ull;
  std::size_t max_buckets = 65536;               // (rule, binary, user) buckets held at most
  Metrics* metrics = nullptr;                    // registry for the metrics; nullptr: global
};

// What to do with a match, decided before rendering.
enum class RateVerdict : uint8_t {
  alert,     // render and emit it (then charge() its size when it is emitted)
  suppress,  // held back and counted; nothing to render
  sample,    // held back and counted; render it and hand it to keep_sample() for the summary
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimitOptions opts = {});

  RateVerdict admit(std::string_view rule, std::string_view binary, uint32_t uid,
                    uint64_t now_ns);
  // The rendered alert of a `sample` verdict: the summary of its (rule, user) repeats it.
  void keep_sample(Alert a);
  // An alert is being emitted (a rule alert, a session summary, a rate-limit summary): charges
  // its delivered size to its user's budget. A no-op for alerts without a user.
  void charge(const Alert& a);
  // Appends the summaries that are due at `now_ns` and that their users' budgets allow.
  void expire(uint64_t now_ns, std::vector<Alert>& out);
  // Appends every pending summary, budgets notwithstanding (shutdown, end of a replay).
  void flush(std::vector<Alert>& out);

  const RateLimitOptions& options() const { return opts_; }
  std::size_t buckets() const { return buckets_.size(); }
  // The user's remaining budget in bytes (tests); the full burst for a user never seen.
  double user_tokens(uint32_t uid) const;

 private:
  struct Bucket {
    double tokens = 0;
    uint64_t last_ns = 0;
  };
  struct User {
    double tokens = 0;  // bytes; negative while in debt
    uint64_t last_ns = 0;
    uint32_t due = 0;   // summaries of this user that are due and wait for budget
  };
  // What was held back for one (rule, user) since its last summary.
  struct Held {
    uint64_t count = 0;
    uint64_t first_ns = 0;
    uint64_t last_ns = 0;
    uint64_t window_start_ns = 0;      // the summary is due at window_start + summary_interval
    std::map<std::string, uint64_t, std::less<>> binaries;  // the first few binaries named
    uint64_t other_binaries = 0;       // matches of binaries beyond those
    bool due = false;
    bool has_sample = false;
    Alert sample;
    Counter* suppressed = nullptr;     // tracehound_alerts_suppressed_total{rule}
  };
  using BucketKey = std::tuple<std::string, std::string, uint32_t>;  // rule, binary, uid
  using BucketView = std::tuple<std::string_view, std::string_view, uint32_t>;
  using HeldKey = std::tuple<std::string, uint32_t>;                  // rule, uid
  using HeldView = std::tuple<std::string_view, uint32_t>;

  using HeldMap = std::map<HeldKey, Held, std::less<>>;

  User& user(uint32_t uid, uint64_t now_ns);
  bool take_bucket(std::string_view rule, std::string_view binary, uint32_t uid, uint64_t now_ns);
  void hold(std::string_view binary, uint64_t now_ns, Held& h);
  Alert summary(const HeldKey& key, const Held& h) const;
  void emit_summary(HeldMap::iterator it, std::vector<Alert>& out);
  void sweep_buckets(uint64_t now_ns);

  RateLimitOptions opts_;
  Metrics* metrics_;
  double user_refill_per_ns_;
  std::map<BucketKey, Bucket, std::less<>> buckets_;
  std::unordered_map<uint32_t, User> users_;
  HeldMap held_;
  uint64_t last_sweep_ns_ = 0;
};

}  // namespace th
