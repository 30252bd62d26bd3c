#include "engine/metrics/metrics.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace th {
namespace {

std::string escape_label(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

std::string render_labels(const Labels& labels, const std::string& extra = {}) {
  if (labels.empty() && extra.empty()) return {};
  std::string s = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) s += ',';
    first = false;
    s += k + "=\"" + escape_label(v) + "\"";
  }
  if (!extra.empty()) {
    if (!first) s += ',';
    s += extra;
  }
  return s + "}";
}

std::string fmt_double(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  std::ostringstream o;
  o.precision(17);
  o << v;
  return o.str();
}

}  // namespace

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  std::sort(bounds_.begin(), bounds_.end());
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::observe(double v) {
  std::size_t i = std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  double cur = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(cur, cur + v, std::memory_order_relaxed)) {
  }
  count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t acc = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    acc += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(acc);
  }
  s.sum = sum_.load(std::memory_order_relaxed);
  s.count = count_.load(std::memory_order_relaxed);
  return s;
}

Metrics& Metrics::global() {
  static Metrics* m = new Metrics();  // never destroyed: workers may still count at exit
  return *m;
}

Counter& Metrics::counter(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& fam = families_[std::string(name)];
  if (fam.type.empty()) {
    fam.type = "counter";
    fam.help = help;
  }
  auto& slot = fam.counters[labels];
  if (!slot) slot = std::make_unique<Counter>();
  return *slot;
}

Gauge& Metrics::gauge(std::string_view name, std::string_view help, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& fam = families_[std::string(name)];
  if (fam.type.empty()) {
    fam.type = "gauge";
    fam.help = help;
  }
  auto& slot = fam.gauges[labels];
  if (!slot) slot = std::make_unique<Gauge>();
  return *slot;
}

Histogram& Metrics::histogram(std::string_view name, std::string_view help,
                              const std::vector<double>& bounds, const Labels& labels) {
  std::lock_guard lock(mu_);
  auto& fam = families_[std::string(name)];
  if (fam.type.empty()) {
    fam.type = "histogram";
    fam.help = help;
  }
  auto& slot = fam.histograms[labels];
  if (!slot) slot = std::make_unique<Histogram>(bounds);
  return *slot;
}

double Metrics::value(std::string_view name, const Labels& labels) const {
  std::lock_guard lock(mu_);
  auto it = families_.find(name);
  if (it == families_.end()) return 0;
  if (auto c = it->second.counters.find(labels); c != it->second.counters.end())
    return static_cast<double>(c->second->value());
  if (auto g = it->second.gauges.find(labels); g != it->second.gauges.end())
    return g->second->value();
  return 0;
}

std::string Metrics::render_prometheus() const {
  std::lock_guard lock(mu_);
  std::ostringstream out;
  for (const auto& [name, fam] : families_) {
    out << "# HELP " << name << ' ' << fam.help << '\n';
    out << "# TYPE " << name << ' ' << fam.type << '\n';
    for (const auto& [labels, c] : fam.counters)
      out << name << render_labels(labels) << ' ' << c->value() << '\n';
    for (const auto& [labels, g] : fam.gauges)
      out << name << render_labels(labels) << ' ' << fmt_double(g->value()) << '\n';
    for (const auto& [labels, h] : fam.histograms) {
      auto s = h->snapshot();
      for (std::size_t i = 0; i < s.bounds.size(); ++i)
        out << name << "_bucket"
            << render_labels(labels, "le=\"" + fmt_double(s.bounds[i]) + "\"") << ' '
            << s.cumulative[i] << '\n';
      out << name << "_bucket" << render_labels(labels, "le=\"+Inf\"") << ' '
          << s.cumulative.back() << '\n';
      out << name << "_sum" << render_labels(labels) << ' ' << fmt_double(s.sum) << '\n';
      out << name << "_count" << render_labels(labels) << ' ' << s.count << '\n';
    }
  }
  return out.str();
}

}  // namespace th
