#include "engine/rules/loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/eval/analysis.h"
#include "engine/enforce/compiler.h"
#include "engine/eval/compiler.h"
#include "engine/rules/collector.h"
#include "engine/rules/falco_compat.h"
#include "engine/rules/resolver.h"
#include "engine/rules/selection.h"
#include "engine/rules/yaml_reader.h"

namespace th {
namespace fs = std::filesystem;

std::vector<std::string> expand_rule_paths(const std::vector<std::string>& paths, Diagnostics& d) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> files;
      for (const auto& entry : fs::directory_iterator(p, ec)) {
        auto ext = entry.path().extension().string();
        if (entry.is_regular_file(ec) && (ext == ".yaml" || ext == ".yml"))
          files.push_back(entry.path().string());
      }
      std::sort(files.begin(), files.end());
      if (files.empty())
        d.warning("TH-W-EMPTY-FOLDER", {p, 0, 0}, "folder holds no .yaml or .yml rules files");
      out.insert(out.end(), files.begin(), files.end());
    } else if (fs::exists(p, ec)) {
      out.push_back(p);
    } else {
      d.error("TH-E-FILE", {p, 0, 0}, "no such rules file or folder");
    }
  }
  return out;
}

namespace {

// Stage 3: resolve and compile every collected rule, noting how each came out.
class StageThree {
 public:
  StageThree(const rules::Collected& c, const LoadOptions& o, LoadResult& res)
      : c_(c), opts_(o), res_(res), diags_(res.diags), resolver_(c, sources_, res.diags) {}

  std::shared_ptr<const Ruleset> run() {
    // Resolve every rule first, so that subtrees the rules share (their macros) are known before
    // compiling: each is compiled once and evaluated once per event.
    std::vector<cond::ExprPtr> conditions(c_.rules.size());
    for (std::size_t i = 0; i < c_.rules.size(); ++i) {
      const auto& r = c_.rules[i];
      if (r.source != "syscall") continue;
      conditions[i] = resolver_.rule_condition(r);
      if (conditions[i] && r.enabled) shared_.count_uses(*conditions[i]);
    }
    for (std::size_t i = 0; i < c_.rules.size(); ++i) {
      const auto& r = c_.rules[i];
      RuleStatus st{r.name, r.pos, r.priority, r.tags, r.enabled, RuleOutcome::failed, {},
                    r.action};
      compile(r, conditions[i], st);
      note(st);
      res_.rules.push_back(std::move(st));
    }
    resolver_.report_unused();
    if (diags_.has_errors()) return nullptr;
    return std::make_shared<const Ruleset>(std::move(compiled_), shared_.slots);
  }

 private:
  CompileContext context(Diagnostics& d, const std::string& rule) {
    CompileContext ctx{*opts_.fields, sources_, d, "rule", rule};
    ctx.shared = &shared_;
    ctx.allow_falco_only = opts_.skip_falco_only;
    return ctx;
  }

  void skip(const rules::CollectedRule& r, RuleStatus& st, RuleOutcome why, std::string what,
            const cond::SrcRange& where, const std::string& message) {
    CompileContext ctx = context(diags_, r.name);
    ctx.warning("TH-W-FALCO-ONLY", where, "skipped: " + message);
    st.outcome = why;
    st.missing = std::move(what);
  }

  void compile(const rules::CollectedRule& r, const cond::ExprPtr& cond, RuleStatus& st) {
    if (r.source != "syscall") {
      diags_.warning("TH-W-SOURCE", r.pos,
                     "source '" + r.source + "' is not supported (only syscall); rule skipped",
                     "rule", r.name);
      st.outcome = RuleOutcome::skipped_source;
      st.missing = r.source;
      return;
    }
    // With skip-if-unknown-filter, a rule naming a field nobody knows is skipped, not fatal.
    Diagnostics local;
    std::size_t errors_before = diags_.error_count();
    CompileContext ctx = context(r.skip_if_unknown_filter ? local : diags_, r.name);
    PredicatePtr pred = cond ? compile_condition(*cond, ctx) : nullptr;
    uint32_t out_src = sources_.add(r.output.file, r.output.value, r.output.segments);
    auto output = OutputFormat::compile(r.output.value, out_src, ctx);
    std::optional<rules::EventTypeUse> falco_type;
    if (cond && opts_.skip_falco_only) falco_type = rules::check_event_types(*cond, ctx);
    if (r.skip_if_unknown_filter) {
      if (ctx.saw_unknown_field) {
        diags_.warning("TH-W-SKIPPED-UNKNOWN-FIELD", r.pos,
                       "rule uses a field this version does not know; skipped "
                       "(skip-if-unknown-filter)",
                       "rule", r.name);
        st.outcome = RuleOutcome::skipped_unknown_filter;
        return;
      }
      diags_.append(local);
    }
    if (diags_.error_count() != errors_before || !cond) return;
    if (ctx.falco_only)
      return skip(r, st, RuleOutcome::skipped_falco_field, ctx.falco_only->name,
                  ctx.falco_only->range,
                  "it needs Falco's field '" + ctx.falco_only->name +
                      "', which tracehound does not have");
    if (!pred || !output) return;
    std::shared_ptr<const enforce::RuleProgram> kill;
    if (r.action == RuleAction::kill) {
      bool unless_failed = false;
      cond::ExprPtr unless = resolver_.action_unless(r, unless_failed);
      CompileContext kctx{*opts_.fields, sources_, diags_, "rule", r.name};
      auto p = unless_failed ? std::nullopt : enforce::compile_kill_rule(*cond, unless.get(), kctx);
      if (!p) return;
      kill = std::make_shared<const enforce::RuleProgram>(std::move(*p));
    }
    ConditionReach reach = analyze_condition(*pred);
    if (reach.types.empty() && falco_type)
      return skip(r, st, RuleOutcome::skipped_falco_event, falco_type->name, falco_type->range,
                  "it can only match event types tracehound does not see, such as Falco's '" +
                      falco_type->name + "'");
    if (reach.types.empty()) {
      diags_.warning("TH-W-NEVER-MATCHES", r.pos,
                     "the condition cannot match any event type tracehound sees", "rule", r.name);
    } else if (reach.types.is_all() && r.warn_evttypes) {
      diags_.warning("TH-W-ALL-EVENT-TYPES", r.pos,
                     "the condition does not restrict evt.type, so it runs on every event; add "
                     "an evt.type check (or warn_evttypes: false)",
                     "rule", r.name);
    }
    st.outcome = RuleOutcome::loaded;
    if (!r.enabled) return;
    CompiledRule c;
    c.name = r.name;
    c.desc = r.desc;
    c.priority = r.priority;
    c.tags = r.tags;
    c.source = r.source;
    c.fold = r.fold.value_or(opts_.fold_default);
    c.pos = r.pos;
    c.condition = std::move(pred);
    c.output = std::move(*output);
    c.types = reach.types;
    c.interest = reach.interest;
    c.action = r.action;
    c.kill = std::move(kill);
    compiled_.push_back(std::move(c));
  }

  void note(const RuleStatus& st) {
    LoadSummary& s = res_.summary;
    if (st.outcome == RuleOutcome::loaded) {
      ++s.loaded;
      if (st.enabled) ++s.enabled;
      return;
    }
    std::string_view why = rule_outcome_reason(st.outcome);
    if (why.empty()) return;
    ++s.skipped[std::string(why)];
    if (!st.missing.empty()) ++s.missing[st.missing];
  }

  const rules::Collected& c_;
  const LoadOptions& opts_;
  LoadResult& res_;
  Diagnostics& diags_;
  cond::SourceMap sources_;
  rules::Resolver resolver_;
  SharedSubtrees shared_;
  std::vector<CompiledRule> compiled_;
};

}  // namespace

LoadResult load_rules_from_strings(const std::vector<std::pair<std::string, std::string>>& files,
                                   const LoadOptions& opts) {
  LoadResult res;
  rules::Collector collector(res.diags);
  for (const auto& [name, content] : files) {
    res.files.push_back(name);
    collector.add(rules::read_rules_yaml(name, content, res.diags));
  }
  {
    rules::Collected collected = collector.take();
    rules::apply_selections(opts.selections, collected, res.diags);
    res.ruleset = StageThree(collected, opts, res).run();
  }
  return res;
}

LoadResult load_rules(const std::vector<std::string>& paths, const LoadOptions& opts) {
  LoadResult res;
  res.files = expand_rule_paths(paths, res.diags);
  rules::Collector collector(res.diags);
  for (const auto& f : res.files) collector.add(rules::read_rules_file(f, res.diags));
  {
    rules::Collected collected = collector.take();
    rules::apply_selections(opts.selections, collected, res.diags);
    res.ruleset = StageThree(collected, opts, res).run();
  }
  res.diags.attach_snippets();
  return res;
}

std::string_view rule_outcome_reason(RuleOutcome o) {
  switch (o) {
    case RuleOutcome::skipped_falco_field: return "need a field only Falco has";
    case RuleOutcome::skipped_falco_event: return "need event types only Falco has";
    case RuleOutcome::skipped_source: return "are not syscall rules";
    case RuleOutcome::skipped_unknown_filter: return "use an unknown field (skip-if-unknown-filter)";
    case RuleOutcome::loaded:
    case RuleOutcome::failed: break;
  }
  return "";
}

std::size_t LoadSummary::skipped_total() const {
  std::size_t n = 0;
  for (const auto& [why, count] : skipped) n += count;
  return n;
}

std::string LoadSummary::describe() const {
  std::string s = std::to_string(loaded) + " rule(s) loaded (" + std::to_string(enabled) +
                  " enabled), " + std::to_string(skipped_total()) + " skipped";
  const char* sep = ": ";
  for (const auto& [why, count] : skipped) {
    s.append(sep).append(std::to_string(count)).append(" ").append(why);
    sep = ", ";
  }
  return s;
}

}  // namespace th
