// Falco's verdicts on its own filter tests (tests/data/falco/falco_condition_corpus.jsonl): for
// every non-GENERIC case whose fields tracehound supports, compiling the condition must give
// Falco's verdict (ACCEPT = compiles, REJECT = a diagnostic). The GENERIC (grammar-only) cases
// are checked by tests/condition. MOCKFIELDS cases use a registry of libsinsp's mock fields.
#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/condition/parser.h"
#include "engine/eval/compiler.h"
#include "engine/fields/scratch.h"

namespace th {
namespace {

struct CorpusCase {
  std::string verdict, category, condition, note;
};

std::vector<CorpusCase> load_corpus() {
  std::ifstream in(std::string(TH_TEST_DATA_DIR) + "/falco/falco_condition_corpus.jsonl");
  std::vector<CorpusCase> out;
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    out.push_back({j["verdict"], j["category"], j["condition"], j.value("note", "")});
  }
  return out;
}

void collect_fields(const cond::Operand& o, std::set<std::string>& out) {
  if (o.kind == cond::Operand::Kind::field) out.insert(o.name);
  for (const auto& i : o.items) collect_fields(*i, out);
}
void collect_fields(const cond::Expr& e, std::set<std::string>& out) {
  for (const auto& c : e.children) collect_fields(*c, out);
  if (e.lhs) collect_fields(*e.lhs, out);
  if (e.rhs) collect_fields(*e.rhs, out);
}

// libsinsp's mock filterchecks: c.true compares as the value "1", c.false as "0", and the quote
// fields hold the strings the escaping tests compare against.
bool mock_true(const Event&, const FieldArg&, Scratch&, Values& v) {
  v.push_str("1");
  return true;
}
bool mock_false(const Event&, const FieldArg&, Scratch&, Values& v) {
  v.push_str("0");
  return true;
}
bool mock_single(const Event&, const FieldArg&, Scratch&, Values& v) {
  v.push_str("hello 'quoted'");
  return true;
}
bool mock_double(const Event&, const FieldArg&, Scratch&, Values& v) {
  v.push_str("hello \"quoted\"");
  return true;
}

const FieldRegistry& mock_registry() {
  static const FieldRegistry r({
      {.name = "c.true", .type = FieldType::string, .description = "mock", .extract = mock_true},
      {.name = "c.false", .type = FieldType::string, .description = "mock", .extract = mock_false},
      {.name = "c.singlequote", .type = FieldType::string, .description = "mock",
       .extract = mock_single},
      {.name = "c.doublequote", .type = FieldType::string, .description = "mock",
       .extract = mock_double},
  });
  return r;
}

TEST(FalcoCorpus, CompileVerdictsMatchForSupportedFields) {
  auto corpus = load_corpus();
  ASSERT_GT(corpus.size(), 1000u);
  std::size_t checked = 0, skipped = 0, evaluated = 0;
  for (const auto& c : corpus) {
    if (c.category == "GENERIC") continue;
    const FieldRegistry& reg =
        c.category == "MOCKFIELDS" ? mock_registry() : FieldRegistry::builtin();
    cond::SourceMap sources;
    uint32_t id = sources.add_simple("corpus", c.condition, 1, 1);
    auto parsed = cond::parse_condition(c.condition, id);
    if (!parsed.ok()) {
      // A condition Falco compiles must parse; a REJECT may fail at either stage.
      EXPECT_EQ(c.verdict, "REJECT") << "does not parse: " << c.condition << " ("
                                     << parsed.error->message << ")";
      ++checked;
      continue;
    }
    std::set<std::string> fields;
    collect_fields(*parsed.expr, fields);
    bool supported = !fields.empty();
    for (const auto& f : fields) supported = supported && reg.find(f) != nullptr;
    // Conditions still naming macros are rule fragments, not filters: skip them too.
    if (!supported || c.condition.find("known_ptrace_procs") != std::string::npos) {
      ++skipped;
      continue;
    }
    Diagnostics diags;
    CompileContext ctx{reg, sources, diags, "corpus", ""};
    auto pred = compile_condition(*parsed.expr, ctx);
    bool accepted = pred != nullptr;
    EXPECT_EQ(accepted, c.verdict == "ACCEPT")
        << c.category << " " << c.verdict << ": " << c.condition << "\n"
        << format_diagnostics_text(diags);
    ++checked;
    // Where the corpus records the outcome on the mock fields, evaluate too.
    if (pred && c.category == "MOCKFIELDS" && c.note.starts_with("evaluates ")) {
      bool want = c.note.starts_with("evaluates true");
      Event e;
      Scratch s;
      EXPECT_EQ(pred->eval(e, s), want) << c.condition;
      ++evaluated;
    }
  }
  std::printf("corpus: %zu non-GENERIC cases checked, %zu evaluated, %zu skipped (fields not "
              "supported)\n",
              checked, evaluated, skipped);
  EXPECT_GT(checked, 150u);
}

}  // namespace
}  // namespace th
