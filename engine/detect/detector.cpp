#include "engine/detect/detector.h"

#include <unistd.h>

#include <chrono>

#include "engine/detect/enrich.h"

namespace th {
namespace {

std::string local_hostname() {
  char buf[256] = {0};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

// Rule evaluation time is sampled (one event in 64) so that the clock is not read per event.
constexpr uint64_t kEvalSampleMask = 63;

}  // namespace

Detector::Detector(std::shared_ptr<const Ruleset> rules, ProcessTable& table, AlertSink& sink,
                   DetectorOptions opts)
    : rules_(std::move(rules)), table_(table), sink_(sink), opts_(std::move(opts)),
      folder_(opts_.fold), limiter_(opts_.rate_limit) {
  if (opts_.hostname.empty()) opts_.hostname = local_hostname();
  auto& m = Metrics::global();
  for (std::size_t t = 0; t < kEvtTypeCount; ++t)
    events_by_type_[t] = &m.counter("tracehound_events_total", "Events processed, by event type",
                                    {{"type", std::string(kEvtTypeNames[t])}});
  eval_seconds_ = &m.histogram("tracehound_rule_eval_seconds",
                               "Time to evaluate the rules for one event (sampled)",
                               {1e-7, 2.5e-7, 5e-7, 1e-6, 2.5e-6, 1e-5, 1e-4, 1e-3});
  bind_rule_metrics();
}

void Detector::bind_rule_metrics() {
  matches_by_rule_.clear();
  for (const auto& r : rules_->rules())
    matches_by_rule_[&r] = &Metrics::global().counter(
        "tracehound_rule_matches_total", "Rule matches, before session folding",
        {{"rule", r.name}});
}

void Detector::set_ruleset(std::shared_ptr<const Ruleset> rules) {
  // Sessions hold alerts of the old rules: close them before the rules they name go away.
  folder_.flush(pending_);
  emit_all(pending_);
  rules_ = std::move(rules);
  bind_rule_metrics();
}

Alert Detector::make_alert(const CompiledRule& rule, const Event& e) {
  Alert a;
  a.time_ns = e.ts_ns;
  a.rule = rule.name;
  a.priority = rule.priority;
  a.source = rule.source;
  a.tags = rule.tags;
  a.hostname = opts_.hostname;
  a.uid = e.actor.uid;
  // Falco's output line is "%evt.time: %priority <rule output>", so evt.time is always a field.
  a.output = alert_prefix(e.ts_ns, rule.priority);
  a.output_fields["evt.time"] = e.ts_ns;
  rule.output.render(e, scratch_, a.output, a.output_fields);
  if (rule.action == RuleAction::kill) {
    a.output_fields["enforcement.action"] = std::string(rule_action_name(rule.action));
    a.output_fields["enforcement.mode"] = opts_.enforcement_mode;
  }
  return a;
}

void Detector::emit(const Alert& a) {
  ++alerts_;
  limiter_.charge(a);
  Metrics::global()
      .counter("tracehound_alerts_total", "Alerts emitted, by rule and priority",
               {{"rule", a.rule}, {"priority", std::string(priority_name(a.priority))}})
      .inc();
  sink_.emit(a);
}

void Detector::emit_all(std::vector<Alert>& pending) {
  for (const auto& a : pending) emit(a);
  pending.clear();
}

void Detector::on_match(const CompiledRule& r, const Event& e) {
  if (auto it = matches_by_rule_.find(&r); it != matches_by_rule_.end()) it->second->inc();
  if (folder_.try_fold(r.name, r.fold, e, pending_)) return;  // folded: nothing to render
  std::string_view binary = e.proc ? std::string_view(e.proc->exepath) : e.actor.comm;
  RateVerdict v = limiter_.admit(r.name, binary, e.actor.uid, e.ts_ns);
  if (v == RateVerdict::suppress) return;  // held back and counted: nothing to render
  Alert a = make_alert(r, e);
  if (v == RateVerdict::sample) return limiter_.keep_sample(std::move(a));
  if (Alert* first = folder_.open(r.name, r.fold, e, pending_)) *first = a;
  pending_.push_back(std::move(a));
}

void Detector::process(Event& e) {
  ++events_;
  events_by_type_[static_cast<std::size_t>(e.type)]->inc();
  enrich_event(e, table_);

  bool timed = (events_ & kEvalSampleMask) == 0;
  auto start = timed ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
  rules_->match(e, scratch_, [&](const CompiledRule& r) { on_match(r, e); });
  if (timed)
    eval_seconds_->observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());

  folder_.on_event(e, pending_);
  after_event(e, table_);
  if (opts_.hooks.after_event) opts_.hooks.after_event(e);
  if (!pending_.empty()) emit_all(pending_);
}

void Detector::tick(uint64_t now_ns) {
  if (opts_.hooks.on_tick) opts_.hooks.on_tick(table_, now_ns);
  folder_.expire(now_ns, pending_);
  limiter_.expire(now_ns, pending_);
  emit_all(pending_);
  table_.reap(now_ns);
}

void Detector::finish() {
  folder_.flush(pending_);
  limiter_.flush(pending_);
  emit_all(pending_);
}

}  // namespace th
