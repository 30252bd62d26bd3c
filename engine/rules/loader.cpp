#include "engine/rules/loader.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "engine/eval/analysis.h"
#include "engine/enforce/compiler.h"
#include "engine/eval/compiler.h"
#include "engine/rules/collector.h"
#include "engine/rules/resolver.h"
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

// Stage 3: resolve and compile every collected rule.
std::shared_ptr<const Ruleset> compile_collected(const rules::Collected& collected,
                                                 const LoadOptions& opts, Diagnostics& diags) {
  cond::SourceMap sources;
  rules::Resolver resolver(collected, sources, diags);
  std::vector<CompiledRule> compiled;
  // Resolve every rule first, so that subtrees the rules share (their macros) are known before
  // compiling: each is compiled once and evaluated once per event.
  std::vector<cond::ExprPtr> conditions(collected.rules.size());
  SharedSubtrees shared;
  for (std::size_t i = 0; i < collected.rules.size(); ++i) {
    const auto& r = collected.rules[i];
    if (r.source != "syscall") continue;
    conditions[i] = resolver.rule_condition(r);
    if (conditions[i] && r.enabled) shared.count_uses(*conditions[i]);
  }
  for (std::size_t i = 0; i < collected.rules.size(); ++i) {
    const auto& r = collected.rules[i];
    if (r.source != "syscall") {
      diags.warning("TH-W-SOURCE", r.pos,
                    "source '" + r.source + "' is not supported (only syscall); rule skipped",
                    "rule", r.name);
      continue;
    }
    const cond::ExprPtr& cond = conditions[i];
    CompileContext ctx{*opts.fields, sources, diags, "rule", r.name};
    ctx.shared = &shared;
    // With skip-if-unknown-filter, a rule naming a field this build lacks is skipped, not fatal.
    Diagnostics local;
    CompileContext& use = ctx;
    CompileContext skip_ctx{*opts.fields, sources, local, "rule", r.name};
    skip_ctx.shared = &shared;
    CompileContext& cctx = r.skip_if_unknown_filter ? skip_ctx : use;
    PredicatePtr pred = cond ? compile_condition(*cond, cctx) : nullptr;
    uint32_t out_src = sources.add(r.output.file, r.output.value, r.output.segments);
    auto output = OutputFormat::compile(r.output.value, out_src, cctx);
    if (r.skip_if_unknown_filter) {
      if (cctx.saw_unknown_field) {
        diags.warning("TH-W-SKIPPED-UNKNOWN-FIELD", r.pos,
                      "rule uses a field this version does not know; skipped "
                      "(skip-if-unknown-filter)",
                      "rule", r.name);
        continue;
      }
      diags.append(local);
    }
    if (!pred || !output || !cond) continue;
    std::shared_ptr<const enforce::RuleProgram> kill;
    if (r.action == RuleAction::kill) {
      bool unless_failed = false;
      cond::ExprPtr unless = resolver.action_unless(r, unless_failed);
      CompileContext kctx{*opts.fields, sources, diags, "rule", r.name};
      auto p = unless_failed ? std::nullopt : enforce::compile_kill_rule(*cond, unless.get(), kctx);
      if (!p) continue;
      kill = std::make_shared<const enforce::RuleProgram>(std::move(*p));
    }
    ConditionReach reach = analyze_condition(*pred);
    if (reach.types.empty()) {
      diags.warning("TH-W-NEVER-MATCHES", r.pos,
                    "the condition cannot match any event type tracehound sees", "rule", r.name);
    } else if (reach.types.is_all() && r.warn_evttypes) {
      diags.warning("TH-W-ALL-EVENT-TYPES", r.pos,
                    "the condition does not restrict evt.type, so it runs on every event; add "
                    "an evt.type check (or warn_evttypes: false)",
                    "rule", r.name);
    }
    if (!r.enabled) continue;
    CompiledRule c;
    c.name = r.name;
    c.desc = r.desc;
    c.priority = r.priority;
    c.tags = r.tags;
    c.source = r.source;
    c.fold = r.fold.value_or(opts.fold_default);
    c.pos = r.pos;
    c.condition = std::move(pred);
    c.output = std::move(*output);
    c.types = reach.types;
    c.interest = reach.interest;
    c.action = r.action;
    c.kill = std::move(kill);
    compiled.push_back(std::move(c));
  }
  resolver.report_unused();
  if (diags.has_errors()) return nullptr;
  return std::make_shared<const Ruleset>(std::move(compiled), shared.slots);
}

}  // namespace

LoadResult load_rules_from_strings(const std::vector<std::pair<std::string, std::string>>& files,
                                   const LoadOptions& opts) {
  LoadResult res;
  rules::Collector collector(res.diags);
  for (const auto& [name, content] : files) {
    res.files.push_back(name);
    collector.add(rules::read_rules_yaml(name, content, res.diags));
  }
  res.ruleset = compile_collected(collector.take(), opts, res.diags);
  return res;
}

LoadResult load_rules(const std::vector<std::string>& paths, const LoadOptions& opts) {
  LoadResult res;
  res.files = expand_rule_paths(paths, res.diags);
  rules::Collector collector(res.diags);
  for (const auto& f : res.files) collector.add(rules::read_rules_file(f, res.diags));
  res.ruleset = compile_collected(collector.take(), opts, res.diags);
  res.diags.attach_snippets();
  return res;
}

}  // namespace th
