// Every kind of mistake in a rules file gets its own code, the right file:line:col and the item
// it belongs to; all of them are collected.
#include <gtest/gtest.h>

#include "engine/rules/loader.h"

namespace th {
namespace {

struct Expect {
  const char* code;
  uint32_t line;
  uint32_t col;
};

struct Case {
  const char* name;
  const char* yaml;
  std::vector<Expect> errors;
};

class DiagnosticsTest : public ::testing::TestWithParam<Case> {};

TEST_P(DiagnosticsTest, ReportsCodeAndPosition) {
  const Case& c = GetParam();
  LoadResult r = load_rules_from_strings({{"rules.yaml", c.yaml}});
  std::vector<const Diagnostic*> errors;
  for (const auto& d : r.diags.items())
    if (d.severity == Severity::error) errors.push_back(&d);
  ASSERT_EQ(errors.size(), c.errors.size()) << c.name << "\n" << format_diagnostics_text(r.diags);
  for (std::size_t i = 0; i < errors.size(); ++i) {
    EXPECT_EQ(errors[i]->code, c.errors[i].code) << c.name << ": " << errors[i]->message;
    EXPECT_EQ(errors[i]->pos.file, "rules.yaml") << c.name;
    EXPECT_EQ(errors[i]->pos.line, c.errors[i].line) << c.name << ": " << errors[i]->message;
    EXPECT_EQ(errors[i]->pos.col, c.errors[i].col) << c.name << ": " << errors[i]->message;
  }
  EXPECT_FALSE(r.ruleset) << c.name;
}

INSTANTIATE_TEST_SUITE_P(
    RuleFiles, DiagnosticsTest,
    ::testing::Values(
        Case{"yaml_syntax", "- rule: [unclosed\n", {{"TH-E-YAML", 2, 1}}},
        Case{"not_a_sequence", "rule: x\n", {{"TH-E-BAD-TYPE", 1, 1}}},
        Case{"unknown_item", "- rulez: x\n", {{"TH-E-UNKNOWN-ITEM", 1, 3}}},
        Case{"unknown_key",
             "- rule: r\n  desc: d\n  conditon: evt.type=ptrace\n  condition: evt.type=ptrace\n"
             "  output: o\n  priority: WARNING\n",
             {{"TH-E-UNKNOWN-KEY", 3, 3}}},
        Case{"duplicate_key",
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace\n  condition: evt.type=execve\n"
             "  output: o\n  priority: WARNING\n",
             {{"TH-E-DUPLICATE-KEY", 4, 3}}},
        Case{"missing_keys", "- rule: r\n  desc: d\n  condition: evt.type=ptrace\n",
             {{"TH-E-MISSING-KEY", 1, 3}, {"TH-E-MISSING-KEY", 1, 3}}},
        Case{"bad_priority",
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace\n  output: o\n  priority: SEVERE\n",
             {{"TH-E-BAD-PRIORITY", 5, 13}}},
        Case{"unknown_field",
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace and proc.nam=x\n  output: o\n"
             "  priority: WARNING\n",
             {{"TH-E-UNKNOWN-FIELD", 3, 34}}},
        Case{"unknown_field_in_folded_condition",
             "- rule: r\n  desc: d\n  condition: >\n    evt.type=ptrace\n    and proc.nam=x\n"
             "  output: o\n  priority: WARNING\n",
             {{"TH-E-UNKNOWN-FIELD", 5, 9}}},
        Case{"unknown_field_in_output",
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace\n  output: pid=%proc.pdi\n"
             "  priority: WARNING\n",
             {{"TH-E-UNKNOWN-FIELD", 4, 15}}},
        Case{"parse_error",
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace and (proc.name=x\n  output: o\n"
             "  priority: WARNING\n",
             {{"TH-E-PARSE", 3, 46}}},
        Case{"bad_operator_for_type",
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace and proc.pid startswith 1\n"
             "  output: o\n  priority: WARNING\n",
             {{"TH-E-BAD-OPERATOR", 3, 43}}},
        Case{"bad_regex",
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace and proc.name regex '[a-'\n"
             "  output: o\n  priority: WARNING\n",
             {{"TH-E-BAD-REGEX", 3, 50}}},
        Case{"undefined_macro",
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace and not known_debuger\n"
             "  output: o\n  priority: WARNING\n",
             {{"TH-E-UNDEFINED-MACRO", 3, 38}}},
        Case{"error_inside_macro_points_into_the_macro",
             "- macro: m\n  condition: proc.nme = x\n"
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace and m\n  output: o\n"
             "  priority: WARNING\n",
             {{"TH-E-UNKNOWN-FIELD", 2, 14}}},
        Case{"macro_loop",
             "- macro: a\n  condition: b\n- macro: b\n  condition: a\n"
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace and a\n  output: o\n"
             "  priority: WARNING\n",
             {{"TH-E-MACRO-LOOP", 4, 14}}},
        Case{"list_loop",
             "- list: a\n  items: [b]\n- list: b\n  items: [a]\n"
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace and proc.name in (a)\n"
             "  output: o\n  priority: WARNING\n",
             {{"TH-E-LIST-LOOP", 1, 3}}},
        Case{"dangling_override",
             "- rule: nothere\n  condition: and proc.name=x\n  override:\n    condition: append\n",
             {{"TH-E-DANGLING-OVERRIDE", 1, 3}}},
        Case{"dangling_list_append", "- list: l\n  items: [a]\n  override:\n    items: append\n",
             {{"TH-E-DANGLING-OVERRIDE", 1, 3}}},
        Case{"duplicate_override",
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace\n  output: o\n"
             "  priority: WARNING\n"
             "- rule: r\n  condition: and proc.name=x\n  override:\n    condition: append\n"
             "    condition: replace\n",
             {{"TH-E-DUPLICATE-OVERRIDE", 10, 5}}},
        Case{"override_without_value",
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace\n  output: o\n"
             "  priority: WARNING\n"
             "- rule: r\n  override:\n    output: replace\n",
             {{"TH-E-BAD-OVERRIDE", 8, 5}}},
        Case{"value_without_override",
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace\n  output: o\n"
             "  priority: WARNING\n"
             "- rule: r\n  output: new\n  priority: ERROR\n  override:\n    output: replace\n",
             {{"TH-E-BAD-OVERRIDE", 8, 3}}},
        Case{"override_key_not_overridable",
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace\n  output: o\n"
             "  priority: WARNING\n"
             "- rule: r\n  priority: ERROR\n  override:\n    priority: append\n",
             {{"TH-E-BAD-OVERRIDE", 9, 5}, {"TH-E-BAD-OVERRIDE", 7, 3}}},
        Case{"bad_override_operation",
             "- list: l\n  items: [a]\n- list: l\n  items: [b]\n  override:\n    items: merge\n",
             {{"TH-E-BAD-OVERRIDE", 6, 12}, {"TH-E-BAD-OVERRIDE", 4, 3}}},
        Case{"bad_macro_name", "- macro: 1bad\n  condition: evt.type=ptrace\n",
             {{"TH-E-BAD-NAME", 1, 10}}},
        Case{"engine_version_too_new", "- required_engine_version: 9.0.0\n",
             {{"TH-E-ENGINE-VERSION", 1, 28}}},
        Case{"exception_shape",
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace\n  output: o\n"
             "  priority: WARNING\n  exceptions:\n    - name: e\n      fields: [proc.name, "
             "proc.pid]\n      values:\n        - [a]\n",
             {{"TH-E-BAD-EXCEPTION", 10, 11}}},
        Case{"exception_bad_comp",
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace\n  output: o\n"
             "  priority: WARNING\n  exceptions:\n    - name: e\n      fields: [proc.name]\n"
             "      comps: [like]\n      values:\n        - [a]\n",
             {{"TH-E-BAD-EXCEPTION", 9, 15}}},
        Case{"exception_unknown_field",
             "- rule: r\n  desc: d\n  condition: evt.type=ptrace\n  output: o\n"
             "  priority: WARNING\n  exceptions:\n    - name: e\n      fields: [proc.nme]\n"
             "      values:\n        - [a]\n",
             {{"TH-E-UNKNOWN-FIELD", 8, 16}}},
        Case{"several_errors_are_all_reported",
             "- rule: a\n  desc: d\n  condition: evt.type=ptrace and proc.x=1\n  output: o\n"
             "  priority: WARNING\n"
             "- rule: b\n  desc: d\n  condition: evt.type=ptrace\n  output: o\n"
             "  priority: LOUD\n",
             {{"TH-E-BAD-PRIORITY", 10, 13}, {"TH-E-UNKNOWN-FIELD", 3, 34}}}),
    [](const ::testing::TestParamInfo<Case>& i) { return std::string(i.param.name); });

TEST(Diagnostics, MissingFileIsAnError) {
  LoadResult r = load_rules({"/nonexistent/rules.yaml"});
  ASSERT_EQ(r.diags.error_count(), 1u);
  EXPECT_EQ(r.diags.items()[0].code, "TH-E-FILE");
}

TEST(Diagnostics, WarningsDoNotFailTheLoad) {
  LoadResult r = load_rules_from_strings(
      {{"w.yaml",
        "- list: unused\n  items: [a]\n"
        "- rule: r\n  desc: d\n  condition: proc.name = x\n  output: o\n  priority: INFO\n"}});
  EXPECT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  std::vector<std::string> codes;
  for (const auto& d : r.diags.items()) codes.push_back(d.code);
  EXPECT_NE(std::find(codes.begin(), codes.end(), "TH-W-UNUSED-LIST"), codes.end());
  EXPECT_NE(std::find(codes.begin(), codes.end(), "TH-W-ALL-EVENT-TYPES"), codes.end());
}

TEST(Diagnostics, JsonFormatCarriesEveryField) {
  LoadResult r = load_rules_from_strings(
      {{"j.yaml", "- rule: r\n  desc: d\n  condition: evt.type=ptrace and proc.nam=x\n"
                  "  output: o\n  priority: WARNING\n"}});
  auto j = nlohmann::json::parse(format_diagnostics_json(r.diags));
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["code"], "TH-E-UNKNOWN-FIELD");
  EXPECT_EQ(j[0]["file"], "j.yaml");
  EXPECT_EQ(j[0]["line"], 3);
  EXPECT_EQ(j[0]["col"], 34);
  EXPECT_EQ(j[0]["item_kind"], "rule");
  EXPECT_EQ(j[0]["item"], "r");
  EXPECT_EQ(j[0]["severity"], "error");
}

}  // namespace
}  // namespace th

namespace th {
namespace {

// Found by the rule-loader fuzzer: a key with an invalid UTF-8 byte made the JSON diagnostics
// throw. Rule files may hold any bytes; the report must still render.
TEST(Diagnostics, InvalidUtf8RendersAsJson) {
  LoadResult r = load_rules_from_strings({{"u.yaml", "- rule: r\n  condi\x86tion: x\n"}});
  ASSERT_TRUE(r.diags.has_errors());
  auto j = nlohmann::json::parse(format_diagnostics_json(r.diags));
  EXPECT_GE(j.size(), 1u);
}

}  // namespace
}  // namespace th

namespace th {
namespace {

// Macros and lists that use each other twice per level grow exponentially when expanded; the
// loader stops with an error instead of exhausting memory (found by the rule-loader fuzzer).
TEST(Diagnostics, ExponentialExpansionIsBounded) {
  std::string y = "- list: l0\n  items: [a, b]\n- macro: m0\n  condition: proc.name = x\n";
  for (int i = 1; i <= 40; ++i) {
    std::string p = std::to_string(i - 1), n = std::to_string(i);
    y += "- list: l" + n + "\n  items: [l" + p + ", l" + p + "]\n";
    y += "- macro: m" + n + "\n  condition: (m" + p + " or m" + p + ")\n";
  }
  y += "- rule: big\n  desc: d\n  condition: evt.type = ptrace and m40\n  output: o\n"
       "  priority: WARNING\n"
       "- rule: biglist\n  desc: d\n  condition: evt.type = ptrace and proc.name in (l40)\n"
       "  output: o\n  priority: WARNING\n";
  LoadResult r = load_rules_from_strings({{"big.yaml", y}});
  EXPECT_FALSE(r.ruleset);
  int too_large = 0;
  for (const auto& d : r.diags.items()) too_large += d.code == "TH-E-TOO-LARGE";
  EXPECT_GE(too_large, 2) << format_diagnostics_text(r.diags);
}

}  // namespace
}  // namespace th

namespace th {
namespace {

// yaml-cpp 0.7's LoadAll never returns on a stream such as a lone "," (found by the fuzzer);
// documents are split and loaded one by one, and stray text is an error, not a hang.
TEST(Diagnostics, StrayTextIsAnErrorNotAHang) {
  LoadResult r = load_rules_from_strings({{"c.yaml", ","}});
  ASSERT_EQ(r.diags.error_count(), 1u) << format_diagnostics_text(r.diags);
  EXPECT_EQ(r.diags.items()[0].code, "TH-E-YAML");
}

TEST(Diagnostics, SeveralDocumentsKeepTheirLineNumbers) {
  LoadResult r = load_rules_from_strings(
      {{"m.yaml", "- list: a\n  items: [x]\n---\n- rule: r\n  desc: d\n"
                  "  condition: evt.type=ptrace and proc.name in (a) and proc.nme=1\n"
                  "  output: o\n  priority: INFO\n...\n"}});
  ASSERT_EQ(r.diags.error_count(), 1u) << format_diagnostics_text(r.diags);
  EXPECT_EQ(r.diags.items()[0].pos.line, 6u);
  EXPECT_EQ(r.diags.items()[0].pos.col, 55u);
}

}  // namespace
}  // namespace th

namespace th {
namespace {

// An error inside a macro names the macro and the rule whose condition uses it.
TEST(Diagnostics, ErrorInsideAMacroNamesTheMacroAndItsRule) {
  LoadResult r = load_rules_from_strings(
      {{"m.yaml",
        "- macro: inner\n  condition: proc.nme = x\n"
        "- macro: outer\n  condition: evt.type=ptrace and inner\n"
        "- rule: r\n  desc: d\n  condition: outer\n  output: o\n  priority: WARNING\n"
        "- macro: broken\n  condition: proc.name = (\n"
        "- rule: s\n  desc: d\n  condition: evt.type=ptrace and broken\n  output: o\n"
        "  priority: WARNING\n"}});
  ASSERT_EQ(r.diags.error_count(), 2u) << format_diagnostics_text(r.diags);
  // Conditions are all resolved (parse errors) before they are compiled (field errors).
  const Diagnostic& field = r.diags.items()[1];
  EXPECT_EQ(field.code, "TH-E-UNKNOWN-FIELD");
  EXPECT_EQ(field.item_kind, "macro");
  EXPECT_EQ(field.item_name, "inner");
  EXPECT_EQ(field.used_by, "r");
  EXPECT_TRUE(format_diagnostic(field).starts_with(
      "m.yaml:2:14: error[TH-E-UNKNOWN-FIELD] macro 'inner' (used by rule 'r'): unknown field"))
      << format_diagnostic(field);
  const Diagnostic& parse = r.diags.items()[0];
  EXPECT_EQ(parse.code, "TH-E-PARSE");
  EXPECT_EQ(parse.item_name, "broken");
  EXPECT_EQ(parse.used_by, "s");
  auto j = nlohmann::json::parse(format_diagnostics_json(r.diags));
  EXPECT_EQ(j[1]["used_by"], "r");
}

// Snippets come from the text that was parsed: rules given in memory get them too.
TEST(Diagnostics, InMemoryRulesGetSnippets) {
  LoadResult r = load_rules_from_strings(
      {{"not-on-disk.yaml", "- rule: r\n  desc: d\n  condition: evt.type=ptrace and proc.nam=x\n"
                            "  output: o\n  priority: WARNING\n"}});
  ASSERT_EQ(r.diags.error_count(), 1u);
  EXPECT_EQ(r.diags.items()[0].snippet, "  condition: evt.type=ptrace and proc.nam=x");
  EXPECT_NE(format_diagnostic(r.diags.items()[0])
                .find("\n    " + std::string(33, ' ') + "^\n"),
            std::string::npos)
      << format_diagnostic(r.diags.items()[0]);
}

// The severity of a diagnostic is its code's, from the catalogue.
TEST(Diagnostics, SeverityComesFromTheCode) {
  Diagnostics d;
  d.report("TH-W-UNUSED-LIST", {}, "x");
  d.report("TH-E-PARSE", {}, "y");
  EXPECT_EQ(d.items()[0].severity, Severity::warning);
  EXPECT_EQ(d.items()[1].severity, Severity::error);
  EXPECT_EQ(d.warning_count(), 1u);
}

}  // namespace
}  // namespace th
