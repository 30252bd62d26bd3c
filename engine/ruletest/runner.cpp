#include "engine/ruletest/runner.h"

#include <set>
#include <sstream>

#include "engine/detect/detector.h"
#include "engine/core/closest_name.h"
#include "engine/output/sink.h"
#include "engine/proc/process_table.h"

namespace th::ruletest {
namespace {

class RecordingSink : public AlertSink {
 public:
  explicit RecordingSink(std::vector<Alert>& out) : out_(out) {}
  void emit(const Alert& a) override { out_.push_back(a); }

 private:
  std::vector<Alert>& out_;
};

bool is_summary(const Alert& a) {
  auto it = a.output_fields.find("tracehound.summary");
  return it != a.output_fields.end() && it->is_boolean() && it->get<bool>();
}

uint64_t folded_of(const Alert& a) {
  auto it = a.output_fields.find("tracehound.folded");
  return it != a.output_fields.end() && it->is_number_unsigned() ? it->get<uint64_t>() : 0;
}

std::string pair_text(const std::string& rule, std::optional<Priority> p) {
  std::string s = "'" + rule + "'";
  if (p) s += " (" + std::string(priority_upper_name(*p)) + ")";
  return s;
}

std::string list_text(const std::vector<std::string>& items) {
  if (items.empty()) return "no alerts";
  std::string s = "[";
  for (std::size_t i = 0; i < items.size(); ++i) s += (i ? ", " : "") + items[i];
  return s + "]";
}

bool rule_loaded(const Ruleset& rs, const std::string& name) {
  for (const auto& r : rs.rules())
    if (r.name == name) return true;
  return false;
}

std::string closest_rule(const Ruleset& rs, const std::string& name) {
  std::vector<std::string_view> names;
  for (const auto& r : rs.rules()) names.push_back(r.name);
  return closest_name(name, names);
}

void compare(const TestCase& c, const Ruleset& rules, CaseResult& r) {
  std::set<std::string> expected;
  for (const Expectation& e : c.expect) {
    expected.insert(e.rule);
    auto it = r.fired.find(e.rule);
    bool must_not_fire = e.alerts && *e.alerts == 0;
    if (it == r.fired.end()) {
      if (must_not_fire) continue;
      std::string why = "did not fire";
      if (!rule_loaded(rules, e.rule)) {
        std::string hint = closest_rule(rules, e.rule);
        why += ": no enabled rule of that name is loaded" +
               (hint.empty() ? std::string(" (check --rules)") : "; did you mean '" + hint + "'?");
      }
      r.problems.push_back("missing:    " + pair_text(e.rule, e.priority) + " " + why);
      continue;
    }
    const RuleOutcome& o = it->second;
    if (e.priority && *e.priority != o.priority) {
      r.problems.push_back("missing:    " + pair_text(e.rule, e.priority));
      r.problems.push_back("unexpected: " + pair_text(e.rule, o.priority));
    }
    auto count = [&](const char* what, std::optional<uint64_t> want, uint64_t got) {
      if (want && *want != got)
        r.problems.push_back("count:      '" + e.rule + "': expected " + std::to_string(*want) +
                             " " + what + ", got " + std::to_string(got));
    };
    count("alert(s)", e.alerts, o.alerts);
    if (e.alerts && *e.alerts != o.alerts && o.folded > 0)
      r.problems.push_back("            (" + std::to_string(o.folded) +
                           " more match(es) were folded into session summaries; set fold: "
                           "false on the case to count every match)");
    count("summary alert(s)", e.summaries, o.summaries);
    count("folded match(es)", e.folded, o.folded);
    for (const auto& needle : e.output_contains) {
      bool found = false;
      for (const auto& a : r.alerts)
        if (a.rule == e.rule && !is_summary(a) && a.output.find(needle) != std::string::npos)
          found = true;
      if (!found) {
        std::string sample;
        for (const auto& a : r.alerts)
          if (a.rule == e.rule && !is_summary(a)) {
            sample = a.output;
            break;
          }
        r.problems.push_back("output:     '" + e.rule + "': no alert output contains \"" +
                             needle + "\"; first output: " + sample);
      }
    }
  }
  if (c.exact)
    for (const auto& [rule, o] : r.fired)
      if (!expected.count(rule)) r.problems.push_back("unexpected: " + pair_text(rule, o.priority));
  r.passed = r.problems.empty();
}

}  // namespace

CaseResult run_case(const TestCase& c, const std::shared_ptr<const Ruleset>& rules) {
  CaseResult r;
  RecordingSink sink(r.alerts);
  // Nothing of this host leaks in: no /proc, no passwd.
  ProcessTable table(ProcessTableOptions{.proc_root = "", .passwd_path = ""});
  for (const auto& p : c.processes) table.upsert(p);
  DetectorOptions opts;
  opts.hostname = "rule-test";
  if (c.fold) opts.fold.enabled = *c.fold;
  if (c.fold_window_ns) opts.fold.window_ns = *c.fold_window_ns;
  {
    Detector detector(rules, table, sink, opts);
    for (EventRecord rec : c.events) {  // a copy: the detector enriches the event in place
      // Windows close in event time, before the event that finds them closed.
      detector.tick(rec.event.ts_ns);
      apply_record(rec, table);
      detector.process(rec.event);
    }
    detector.finish();
  }
  for (const Alert& a : r.alerts) {
    RuleOutcome& o = r.fired[a.rule];
    o.priority = a.priority;
    if (is_summary(a)) {
      ++o.summaries;
      o.folded += folded_of(a);
    } else {
      ++o.alerts;
    }
  }
  compare(c, *rules, r);
  return r;
}

std::string format_failure(const TestFile& f, const TestCase& c, const CaseResult& r) {
  std::vector<std::string> want, got;
  for (const auto& e : c.expect)
    if (!(e.alerts && *e.alerts == 0)) want.push_back(pair_text(e.rule, e.priority));
  for (const auto& [rule, o] : r.fired) got.push_back(pair_text(rule, o.priority));
  std::ostringstream out;
  out << f.path << ":" << c.pos.line << ": case '" << c.name << "': expected " << list_text(want)
      << " got " << list_text(got) << "\n";
  for (const auto& p : r.problems) out << "    " << p << "\n";
  return out.str();
}

}  // namespace th::ruletest
