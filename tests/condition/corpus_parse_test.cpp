// Conformance with Falco's own tests: every condition of the Falco corpus
// (tests/data/falco/falco_condition_corpus.jsonl, extracted from falcosecurity/libs) is parsed.
//  - GENERIC cases are grammar-level: parse_condition must give Falco's verdict. Falco's
//    test_accept() also re-parses each accepted input with a blank added on both ends, then with
//    every space turned into '\n', then into '\t'; the same is done here for the cases that went
//    through test_accept() (not for those checked by position or AST tests).
//  - MOCKFIELDS, FIELDS and FALCO-RULES-DERIVED verdicts depend on field types and are the
//    compiler's business; here every ACCEPT case must at least parse.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "engine/condition/parser.h"

namespace th::cond {
namespace {

struct CorpusCase {
  std::string verdict;
  std::string category;
  std::string condition;
  std::string source;
  std::string note;

  // The Falco test function the case comes from ("parse_smoke_test", "position_or", ...).
  std::string falco_test() const {
    auto dot = source.rfind('.');
    return dot == std::string::npos ? std::string() : source.substr(dot + 1);
  }
};

std::vector<CorpusCase> load_corpus() {
  std::ifstream in(std::string(TH_TEST_DATA_DIR) + "/falco/falco_condition_corpus.jsonl");
  std::vector<CorpusCase> cases;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    cases.push_back({j.at("verdict"), j.at("category"), j.at("condition"), j.at("source"),
                     j.value("note", "")});
  }
  return cases;
}

const std::vector<CorpusCase>& corpus() {
  static const std::vector<CorpusCase> cases = load_corpus();
  return cases;
}

// Falco test functions in filter_parser.ut.cpp that accept through test_accept(input) without
// an out_pos, which is what enables the blank variations.
bool uses_blank_variations(const CorpusCase& c) {
  static const std::set<std::string> kWithVariations = {
      "parse_smoke_test", "parse_str", "parse_numbers", "parse_lists", "parse_operators",
      "parse_transformers_left_hand", "parse_transformers_right_hand",
      "parse_transformer_list_basic", "parse_transformer_list_nested_transformers",
      "parse_transformer_list_with_values", "parse_transformer_list_with_operators",
      "parse_transformer_list_in_expressions", "parse_transformer_list_right_hand",
      "parse_transformer_list_with_outer_transformer", "parse_transformer_list_with_spaces",
      "parse_transformer_list_empty", "parse_str_op_modifier_accept"};
  // parse_str accepts this one with an out_pos (Falco marks it "reject this in the future").
  if (c.condition == "test.str = \"bad escape \\ \" ") return false;
  return kWithVariations.count(c.falco_test()) > 0;
}

std::vector<std::string> blank_variations(const std::string& in) {
  std::string padded = " " + in + " ";
  std::string newlines = padded;
  std::replace(newlines.begin(), newlines.end(), ' ', '\n');
  std::string tabs = newlines;
  std::replace(tabs.begin(), tabs.end(), '\n', '\t');
  return {padded, newlines, tabs};
}

std::string describe(const ParseResult& r) {
  if (r.ok()) return "parsed as: " + to_string(*r.expr);
  return "error at offset " + std::to_string(r.error->offset) + ": " + r.error->message;
}

TEST(FalcoCorpus, IsLoadedWithAllCategories) {
  std::map<std::string, int> per_category;
  for (const auto& c : corpus()) per_category[c.category + " " + c.verdict]++;
  EXPECT_GT(per_category["GENERIC ACCEPT"], 300);
  EXPECT_GT(per_category["GENERIC REJECT"], 150);
  EXPECT_GT(per_category["MOCKFIELDS ACCEPT"], 0);
  EXPECT_GT(per_category["FIELDS ACCEPT"], 0);
  EXPECT_GT(per_category["FALCO-RULES-DERIVED ACCEPT"], 0);
}

TEST(FalcoCorpus, GenericCasesGetFalcosVerdict) {
  int accept_total = 0, accept_ok = 0, reject_total = 0, reject_ok = 0;
  int variation_total = 0, variation_ok = 0;
  for (const auto& c : corpus()) {
    if (c.category != "GENERIC") continue;
    ParseResult r = parse_condition(c.condition);
    if (c.verdict == "ACCEPT") {
      ++accept_total;
      EXPECT_TRUE(r.ok()) << "Falco accepts: [" << c.condition << "] (" << c.falco_test()
                          << ") but " << describe(r);
      if (r.ok()) ++accept_ok;
      if (!uses_blank_variations(c)) continue;
      // Re-spacing cannot change the tree unless a quoted string holds the spaces.
      bool same_tree = c.condition.find_first_of("'\"") == std::string::npos;
      for (const auto& v : blank_variations(c.condition)) {
        ++variation_total;
        ParseResult rv = parse_condition(v);
        EXPECT_TRUE(rv.ok()) << "blank variation of [" << c.condition << "] fails: [" << v
                             << "] " << describe(rv);
        if (!rv.ok()) continue;
        ++variation_ok;
        if (same_tree && r.ok()) {
          EXPECT_TRUE(equal(*r.expr, *rv.expr)) << "[" << v << "] parses differently from ["
                                                << c.condition << "]: " << describe(rv);
        }
      }
    } else {
      ++reject_total;
      EXPECT_FALSE(r.ok()) << "Falco rejects: [" << c.condition << "] (" << c.falco_test()
                           << ") but " << describe(r);
      if (!r.ok()) {
        ++reject_ok;
        EXPECT_FALSE(r.error->message.empty());
        EXPECT_LE(r.error->offset, c.condition.size()) << c.condition;
      }
    }
  }
  std::cout << "[ corpus   ] GENERIC ACCEPT: " << accept_ok << "/" << accept_total
            << " parse; blank variations: " << variation_ok << "/" << variation_total
            << " parse; GENERIC REJECT: " << reject_ok << "/" << reject_total << " rejected\n";
  EXPECT_EQ(accept_ok, accept_total);
  EXPECT_EQ(reject_ok, reject_total);
  EXPECT_EQ(variation_ok, variation_total);
  EXPECT_GT(variation_total, 0);
}

TEST(FalcoCorpus, FalcoReportsTheSameErrorMessages) {
  // The corpus notes carry Falco's message for a few rejects; they must be ours word for word.
  int checked = 0;
  for (const auto& c : corpus()) {
    if (c.category != "GENERIC" || c.verdict != "REJECT" || c.note.rfind("error: ", 0) != 0)
      continue;
    ParseResult r = parse_condition(c.condition);
    ASSERT_FALSE(r.ok()) << c.condition;
    EXPECT_EQ(r.error->message, c.note.substr(7)) << c.condition;
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

TEST(FalcoCorpus, CompilerLevelAcceptCasesParse) {
  std::map<std::string, std::pair<int, int>> accepted;  // category -> (parsed, total)
  std::map<std::string, std::pair<int, int>> rejected;  // category -> (parse errors, total)
  for (const auto& c : corpus()) {
    if (c.category == "GENERIC") continue;
    ParseResult r = parse_condition(c.condition);
    if (c.verdict == "ACCEPT") {
      // A compile ACCEPT implies a parse ACCEPT.
      EXPECT_TRUE(r.ok()) << c.category << " case Falco compiles: [" << c.condition << "] but "
                          << describe(r);
      accepted[c.category].second++;
      if (r.ok()) accepted[c.category].first++;
    } else {
      // Not asserted: most of these are rejected by the compiler, not by the grammar.
      rejected[c.category].second++;
      if (!r.ok()) rejected[c.category].first++;
    }
  }
  for (const auto& [cat, n] : accepted)
    std::cout << "[ corpus   ] " << cat << " ACCEPT: " << n.first << "/" << n.second
              << " parse\n";
  for (const auto& [cat, n] : rejected)
    std::cout << "[ corpus   ] " << cat << " REJECT (compiler verdict, not asserted): " << n.first
              << "/" << n.second << " already fail to parse\n";
  EXPECT_FALSE(accepted.empty());
}

// The mock fields of Falco's str_escape test hold these values; the note says whether the
// comparison is expected to hold, i.e. whether unescaping yields exactly that text.
TEST(FalcoCorpus, EscapesUnescapeLikeFalco) {
  const std::map<std::string, std::string> kMockValues = {
      {"c.singlequote", "hello 'quoted'"}, {"c.doublequote", "hello \"quoted\""}};
  int checked = 0;
  for (const auto& c : corpus()) {
    if (c.category != "MOCKFIELDS" || c.falco_test() != "str_escape") continue;
    ParseResult r = parse_condition(c.condition);
    ASSERT_TRUE(r.ok()) << c.condition << ": " << describe(r);
    ASSERT_EQ(r.expr->kind, Expr::Kind::binary) << c.condition;
    const std::string& field = r.expr->lhs->name;
    ASSERT_TRUE(kMockValues.count(field)) << c.condition;
    ASSERT_EQ(r.expr->rhs->kind, Operand::Kind::literal);
    bool expect_true = c.note.find("evaluates true") != std::string::npos;
    bool expect_false = c.note.find("evaluates false") != std::string::npos;
    ASSERT_TRUE(expect_true != expect_false) << "unclear note: " << c.note;
    EXPECT_EQ(r.expr->rhs->text == kMockValues.at(field), expect_true)
        << c.condition << " unescaped to [" << r.expr->rhs->text << "]";
    ++checked;
  }
  EXPECT_EQ(checked, 8);
}

TEST(FalcoCorpus, GenericAcceptCasesRoundTrip) {
  int round_trips = 0;
  for (const auto& c : corpus()) {
    if (c.category != "GENERIC" || c.verdict != "ACCEPT") continue;
    ParseResult r = parse_condition(c.condition);
    ASSERT_TRUE(r.ok()) << c.condition;
    std::string text = to_string(*r.expr);
    ParseResult again = parse_condition(text);
    ASSERT_TRUE(again.ok()) << "[" << c.condition << "] printed as [" << text
                            << "] does not parse: " << describe(again);
    EXPECT_TRUE(equal(*r.expr, *again.expr))
        << "[" << c.condition << "] printed as [" << text << "] reads back as ["
        << to_string(*again.expr) << "]";
    ++round_trips;
  }
  std::cout << "[ corpus   ] round trips: " << round_trips << " GENERIC ACCEPT cases\n";
  EXPECT_GT(round_trips, 300);
}

}  // namespace
}  // namespace th::cond
