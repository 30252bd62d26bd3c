// Falco's stock rules files load as they are: the rules that need a field or event type only
// Falco has are skipped, each with one warning naming the rule, the field or type and where it is
// used; the rest load. A name neither tracehound nor Falco knows stays an error.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "engine/core/evt_type.h"
#include "engine/fields/falco_catalogue.h"
#include "engine/fields/field.h"
#include "engine/rules/loader.h"

namespace th {
namespace {

std::string stock(const std::string& name) {
  return std::string(TH_TEST_DATA_DIR) + "/falco/stock/" + name;
}

const std::vector<std::string> kAllStock = {stock("falco_rules.yaml"),
                                            stock("falco-incubating_rules.yaml"),
                                            stock("falco-sandbox_rules.yaml")};

std::vector<const Diagnostic*> with_code(const Diagnostics& d, std::string_view code) {
  std::vector<const Diagnostic*> out;
  for (const auto& x : d.items())
    if (x.code == code) out.push_back(&x);
  return out;
}

// The rule a diagnostic is about: its item, or the rule using the macro it points into.
std::string rule_of(const Diagnostic& d) { return d.used_by.empty() ? d.item_name : d.used_by; }

TEST(FalcoStockRules, AllThreeFilesLoadWithSkips) {
  LoadResult r = load_rules(kAllStock);
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  EXPECT_EQ(r.diags.error_count(), 0u);
  // 25 + 31 + 37 rules; counts verified with `tracehound validate` on the three files.
  ASSERT_EQ(r.rules.size(), 93u);
  EXPECT_EQ(r.summary.loaded, 11u);
  EXPECT_EQ(r.summary.enabled, 11u);
  EXPECT_EQ(r.summary.skipped_total(), 82u);
  EXPECT_EQ(r.summary.skipped.at("need a field only Falco has"), 81u);
  EXPECT_EQ(r.summary.skipped.at("need event types only Falco has"), 1u);
  EXPECT_EQ(r.ruleset->rules().size(), r.summary.enabled);
  EXPECT_EQ(r.summary.loaded + r.summary.skipped_total(), r.rules.size());
}

TEST(FalcoStockRules, EverySkipNamesAFalcoNameTracehoundLacks) {
  LoadResult r = load_rules(kAllStock);
  auto warnings = with_code(r.diags, "TH-W-FALCO-ONLY");
  std::multiset<std::string> warned;
  for (const Diagnostic* d : warnings) {
    warned.insert(rule_of(*d));
    EXPECT_GT(d->pos.line, 0u) << d->message;
    EXPECT_GT(d->pos.col, 0u) << d->message;
    EXPECT_FALSE(d->pos.file.empty());
  }
  std::size_t skipped = 0;
  for (const RuleStatus& s : r.rules) {
    if (s.outcome == RuleOutcome::loaded) continue;
    ++skipped;
    EXPECT_EQ(warned.count(s.name), 1u) << "one warning per skipped rule: " << s.name;
    if (s.outcome == RuleOutcome::skipped_falco_field) {
      EXPECT_TRUE(falco::has_field(s.missing)) << s.name << ": " << s.missing;
      EXPECT_EQ(FieldRegistry::builtin().find(s.missing), nullptr) << s.missing;
    } else {
      ASSERT_EQ(s.outcome, RuleOutcome::skipped_falco_event) << s.name;
      EXPECT_TRUE(falco::has_event_type(s.missing)) << s.missing;
      EXPECT_FALSE(evt_type_from_name(s.missing)) << s.missing;
    }
  }
  EXPECT_EQ(warnings.size(), skipped);
  // Each warning names its field or type in the message.
  for (const Diagnostic* d : warnings) {
    auto it = std::find_if(r.rules.begin(), r.rules.end(),
                           [&](const RuleStatus& s) { return s.name == rule_of(*d); });
    ASSERT_NE(it, r.rules.end());
    EXPECT_NE(d->message.find("'" + it->missing + "'"), std::string::npos) << d->message;
  }
}

TEST(FalcoStockRules, PtraceRulesLoadEnabled) {
  LoadResult r = load_rules({stock("falco_rules.yaml")});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  EXPECT_EQ(r.summary.loaded, 4u);
  EXPECT_EQ(r.summary.skipped_total(), 21u);
  std::set<std::string> names;
  for (const auto& c : r.ruleset->rules()) names.insert(c.name);
  EXPECT_TRUE(names.contains("PTRACE attached to process"));
  EXPECT_TRUE(names.contains("PTRACE anti-debug attempt"));
  // Unused-item warnings would mean the skipped rules' macros count as unused.
  EXPECT_TRUE(with_code(r.diags, "TH-W-UNUSED-MACRO").empty()) << format_diagnostics_text(r.diags);
}

constexpr const char* kHead = "- rule: r\n  desc: d\n  priority: WARNING\n";

LoadResult load_one(const std::string& body) {
  return load_rules_from_strings({{"r.yaml", std::string(kHead) + body}});
}

TEST(FalcoCompat, FalcoFieldInAMacroSkipsTheRuleAtTheField) {
  LoadResult r = load_rules_from_strings(
      {{"r.yaml",
        "- macro: outbound\n  condition: fd.sip != \"127.0.0.1\"\n"
        "- list: l\n  items: [a]\n"
        "- rule: r\n  desc: d\n  priority: WARNING\n  output: o\n"
        "  condition: evt.type = ptrace and outbound and proc.name in (l)\n"}});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  EXPECT_TRUE(r.ruleset->rules().empty());
  auto w = with_code(r.diags, "TH-W-FALCO-ONLY");
  ASSERT_EQ(w.size(), 1u) << format_diagnostics_text(r.diags);
  EXPECT_EQ(w[0]->pos.line, 2u);
  EXPECT_EQ(w[0]->pos.col, 14u);
  EXPECT_EQ(w[0]->used_by, "r");
  EXPECT_NE(w[0]->message.find("'fd.sip'"), std::string::npos);
  EXPECT_TRUE(with_code(r.diags, "TH-W-UNUSED-MACRO").empty());
  EXPECT_TRUE(with_code(r.diags, "TH-W-UNUSED-LIST").empty());
}

TEST(FalcoCompat, FalcoFieldInTheOutputSkips) {
  LoadResult r = load_one("  condition: evt.type = ptrace\n  output: to %fd.sip.\n");
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  auto w = with_code(r.diags, "TH-W-FALCO-ONLY");
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(r.rules.at(0).missing, "fd.sip");
}

TEST(FalcoCompat, TyposStayErrorsWithSuggestions) {
  LoadResult a = load_one("  condition: evt.type = ptrace and proc.nmae = x\n  output: o\n");
  auto e = with_code(a.diags, "TH-E-UNKNOWN-FIELD");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0]->message.find("did you mean 'proc.name'"), std::string::npos) << e[0]->message;
  EXPECT_FALSE(a.ruleset);

  LoadResult b = load_one("  condition: evt.type = ptrace and fd.sipp = x\n  output: o\n");
  e = with_code(b.diags, "TH-E-UNKNOWN-FIELD");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_NE(e[0]->message.find("Falco's 'fd.sip'"), std::string::npos) << e[0]->message;

  LoadResult c = load_one("  condition: evt.type in (ptrace, procexitt)\n  output: o\n");
  e = with_code(c.diags, "TH-E-UNKNOWN-EVENT-TYPE");
  ASSERT_EQ(e.size(), 1u) << format_diagnostics_text(c.diags);
  EXPECT_NE(e[0]->message.find("did you mean 'procexit'"), std::string::npos) << e[0]->message;
  EXPECT_EQ(e[0]->pos.line, 4u);
  EXPECT_EQ(e[0]->pos.col, 35u);
}

TEST(FalcoCompat, FalcoOnlyEventTypeSkipsARuleThatCouldMatchNothingElse) {
  LoadResult r = load_one("  condition: evt.type in (connect, accept) and proc.name = nc\n  output: o\n");
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  ASSERT_EQ(r.rules.at(0).outcome, RuleOutcome::skipped_falco_event);
  EXPECT_EQ(r.rules.at(0).missing, "connect");
  // A rule that names a Falco-only type next to one tracehound sees loads.
  LoadResult mixed = load_one("  condition: evt.type in (connect, ptrace)\n  output: o\n");
  ASSERT_TRUE(mixed.ruleset);
  EXPECT_EQ(mixed.rules.at(0).outcome, RuleOutcome::loaded);
}

TEST(FalcoCompat, OffMeansFalcoFieldsAreErrors) {
  LoadOptions o;
  o.skip_falco_only = false;
  LoadResult r = load_rules_from_strings(
      {{"r.yaml", std::string(kHead) + "  condition: fd.sip = x\n  output: o\n"}}, o);
  EXPECT_FALSE(r.ruleset);
  EXPECT_EQ(with_code(r.diags, "TH-E-UNKNOWN-FIELD").size(), 1u);
}

}  // namespace
}  // namespace th
