#include "engine/fold/rate_limiter.h"

#include <algorithm>

#include "engine/fold/counts.h"
#include "engine/metrics/metrics.h"

namespace th {
namespace {

constexpr double kNsPerDay = 86'400e9;
constexpr std::size_t kMaxBinaries = 8;                 // named in one summary; the rest counted
constexpr uint64_t kSweepEveryNs = 10'000'000'000ull;  // idle state is dropped this often

// What the alert costs where it is delivered and spooled: its JSON line.
double delivered_size(const Alert& a) { return static_cast<double>(alert_to_json(a).size() + 1); }

}  // namespace

RateLimiter::RateLimiter(RateLimitOptions opts)
    : opts_(opts),
      metrics_(opts.metrics ? opts.metrics : &Metrics::global()),
      user_refill_per_ns_(static_cast<double>(opts.user_budget) / kNsPerDay) {}

RateLimiter::User& RateLimiter::user(uint32_t uid, uint64_t now_ns) {
  auto [it, fresh] = users_.try_emplace(uid);
  User& u = it->second;
  if (fresh) {
    u.tokens = static_cast<double>(opts_.user_burst);
    u.last_ns = now_ns;
  } else if (now_ns > u.last_ns) {
    u.tokens = std::min(static_cast<double>(opts_.user_burst),
                        u.tokens + static_cast<double>(now_ns - u.last_ns) * user_refill_per_ns_);
    u.last_ns = now_ns;
  }
  return u;
}

double RateLimiter::user_tokens(uint32_t uid) const {
  auto it = users_.find(uid);
  return it == users_.end() ? static_cast<double>(opts_.user_burst) : it->second.tokens;
}

bool RateLimiter::take_bucket(std::string_view rule, std::string_view binary, uint32_t uid,
                              uint64_t now_ns) {
  auto it = buckets_.find(BucketView{rule, binary, uid});
  if (it == buckets_.end()) {
    if (buckets_.size() >= opts_.max_buckets && now_ns >= last_sweep_ns_ + kSweepEveryNs)
      sweep_buckets(now_ns);
    // Still full: forget an arbitrary bucket. Its key starts over with a full burst, which the
    // user's byte budget still bounds.
    while (!buckets_.empty() && buckets_.size() >= opts_.max_buckets) buckets_.erase(buckets_.begin());
    it = buckets_
             .emplace(BucketKey{rule, binary, uid},
                      Bucket{static_cast<double>(opts_.burst), now_ns})
             .first;
  }
  Bucket& b = it->second;
  if (now_ns > b.last_ns) {
    b.tokens = std::min(static_cast<double>(opts_.burst),
                        b.tokens + static_cast<double>(now_ns - b.last_ns) /
                                       static_cast<double>(std::max<uint64_t>(opts_.interval_ns, 1)));
    b.last_ns = now_ns;
  }
  if (b.tokens < 1) return false;
  b.tokens -= 1;
  return true;
}

RateVerdict RateLimiter::admit(std::string_view rule, std::string_view binary, uint32_t uid,
                               uint64_t now_ns) {
  if (!opts_.enabled) return RateVerdict::alert;
  User& u = user(uid, now_ns);
  // A due summary goes out before anything new of its user; the budget is checked, not taken:
  // the rendered alert's size is charged when it is emitted.
  if (u.due == 0 && u.tokens > 0 && take_bucket(rule, binary, uid, now_ns))
    return RateVerdict::alert;
  auto it = held_.find(HeldView{rule, uid});
  if (it == held_.end()) {
    it = held_.emplace(HeldKey{rule, uid}, Held{}).first;
    it->second.window_start_ns = it->second.first_ns = now_ns;
    it->second.suppressed = &metrics_->counter(
        "tracehound_alerts_suppressed_total",
        "Alerts held back by the rate limit and counted in a summary", {{"rule", std::string(rule)}});
  }
  Held& h = it->second;
  hold(binary, now_ns, h);
  if (h.has_sample) return RateVerdict::suppress;
  h.has_sample = true;  // keep_sample() fills it
  return RateVerdict::sample;
}

void RateLimiter::hold(std::string_view binary, uint64_t now_ns, Held& h) {
  ++h.count;
  h.last_ns = std::max(h.last_ns, now_ns);
  h.suppressed->inc();
  if (auto b = h.binaries.find(binary); b != h.binaries.end())
    ++b->second;
  else if (h.binaries.size() < kMaxBinaries)
    h.binaries.emplace(std::string(binary), 1);
  else
    ++h.other_binaries;
}

void RateLimiter::keep_sample(Alert a) {
  auto it = held_.find(HeldView{a.rule, a.uid});
  if (it != held_.end()) it->second.sample = std::move(a);
}

void RateLimiter::charge(const Alert& a) {
  if (!opts_.enabled || a.uid == kNoUid) return;
  user(a.uid, a.time_ns).tokens -= delivered_size(a);
}

Alert RateLimiter::summary(const HeldKey& key, const Held& h) const {
  const auto& [rule, uid] = key;
  Alert a = h.sample;
  a.rule = rule;
  a.uid = uid;
  a.time_ns = h.last_ns;
  auto [binaries, list] = render_counts(h.binaries);
  if (h.other_binaries > 0)
    binaries += ", other binaries x" + std::to_string(h.other_binaries);
  a.output = alert_prefix(h.last_ns, a.priority) + "Rate limit summary: " +
             std::to_string(h.count) + " alert(s) of this rule held back for user uid " +
             std::to_string(uid) + " from " + format_rfc3339_ns(h.first_ns) + " to " +
             format_rfc3339_ns(h.last_ns) + "; binaries: " + binaries + " | first held back: " +
             std::string(alert_body(h.sample));
  a.output_fields["tracehound.summary"] = true;
  a.output_fields["tracehound.summary_kind"] = "rate_limit";
  a.output_fields["tracehound.rate_limited"] = h.count;
  a.output_fields["tracehound.binaries"] = std::move(list);
  a.output_fields["tracehound.other_binaries"] = h.other_binaries;
  a.output_fields["tracehound.user_uid"] = uid;
  a.output_fields["tracehound.interval_start"] = format_rfc3339_ns(h.first_ns);
  a.output_fields["tracehound.interval_end"] = format_rfc3339_ns(h.last_ns);
  return a;
}

void RateLimiter::emit_summary(HeldMap::iterator it, std::vector<Alert>& out) {
  out.push_back(summary(it->first, it->second));
  if (it->second.due) {
    auto u = users_.find(std::get<1>(it->first));
    if (u != users_.end() && u->second.due > 0) --u->second.due;
  }
  metrics_
      ->counter("tracehound_rate_limit_summaries_total",
                "Summaries of alerts held back by the rate limit")
      .inc();
  held_.erase(it);  // the next held-back match opens a new interval
}

void RateLimiter::expire(uint64_t now_ns, std::vector<Alert>& out) {
  if (!opts_.enabled) return;
  // Budget left per user in this pass: each summary let through is deducted at once, so that
  // several summaries due together do not overdraw it.
  std::unordered_map<uint32_t, double> left;
  for (auto it = held_.begin(); it != held_.end();) {
    Held& h = it->second;
    if (now_ns < h.window_start_ns + opts_.summary_interval_ns) {
      ++it;
      continue;
    }
    uint32_t uid = std::get<1>(it->first);
    auto [l, fresh] = left.try_emplace(uid, 0.0);
    User& u = user(uid, now_ns);
    if (fresh) l->second = u.tokens;
    if (l->second <= 0) {
      if (!h.due) ++u.due;  // holds back the user's new alerts until this goes out
      h.due = true;
      ++it;
      continue;
    }
    auto next = std::next(it);
    emit_summary(it, out);
    l->second -= delivered_size(out.back());
    it = next;
  }
  if (now_ns >= last_sweep_ns_ + kSweepEveryNs) sweep_buckets(now_ns);
}

void RateLimiter::flush(std::vector<Alert>& out) {
  while (!held_.empty()) emit_summary(held_.begin(), out);
}

void RateLimiter::sweep_buckets(uint64_t now_ns) {
  last_sweep_ns_ = now_ns;
  // A bucket that has refilled holds no state: a new one would start the same.
  double interval = static_cast<double>(std::max<uint64_t>(opts_.interval_ns, 1));
  std::erase_if(buckets_, [&](const auto& kv) {
    const Bucket& b = kv.second;
    return now_ns > b.last_ns &&
           b.tokens + static_cast<double>(now_ns - b.last_ns) / interval >= opts_.burst;
  });
  double burst = static_cast<double>(opts_.user_burst);
  std::erase_if(users_, [&](const auto& kv) {
    const User& u = kv.second;
    return u.due == 0 && now_ns > u.last_ns &&
           u.tokens + static_cast<double>(now_ns - u.last_ns) * user_refill_per_ns_ >= burst;
  });
}

}  // namespace th
