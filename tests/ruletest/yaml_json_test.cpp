// YAML to JSON for rule-test events: scalar typing as YAML 1.2's core schema, key paths.
#include "engine/ruletest/yaml_json.h"

#include <gtest/gtest.h>

namespace th::ruletest {
namespace {

using json = nlohmann::json;

struct ScalarCase {
  const char* yaml;
  json expected;
};

class ScalarTyping : public ::testing::TestWithParam<ScalarCase> {};

TEST_P(ScalarTyping, TypesPlainAndQuotedScalars) {
  YAML::Node n = YAML::Load(std::string("v: ") + GetParam().yaml);
  json got = yaml_to_json(n["v"]);
  EXPECT_EQ(got, GetParam().expected) << GetParam().yaml << " gave " << got.dump();
  // Numbers may come out signed or unsigned (both read as integers); the kind must match.
  if (got.is_number() && GetParam().expected.is_number())
    EXPECT_EQ(got.is_number_float(), GetParam().expected.is_number_float()) << GetParam().yaml;
  else
    EXPECT_EQ(got.type(), GetParam().expected.type()) << GetParam().yaml;
}

INSTANTIATE_TEST_SUITE_P(
    Scalars, ScalarTyping,
    ::testing::Values(ScalarCase{"42", 42}, ScalarCase{"-1", -1}, ScalarCase{"+7", 7},
                      ScalarCase{"0x1002", 4098}, ScalarCase{"0o17", 15},
                      ScalarCase{"0x7fffffffffffffff", json(uint64_t{0x7fffffffffffffff})},
                      ScalarCase{"0xffffffffffffffff", json(uint64_t{0xffffffffffffffff})},
                      ScalarCase{"-9223372036854775808", json(INT64_MIN)},
                      ScalarCase{"1.5", 1.5}, ScalarCase{"true", true}, ScalarCase{"False", false},
                      ScalarCase{"~", nullptr}, ScalarCase{"null", nullptr},
                      ScalarCase{"\"42\"", "42"}, ScalarCase{"'true'", "true"},
                      ScalarCase{"yes", "yes"}, ScalarCase{"0x", "0x"}, ScalarCase{"12ab", "12ab"},
                      ScalarCase{"/proc/1/mem", "/proc/1/mem"},
                      ScalarCase{"PTRACE_POKETEXT", "PTRACE_POKETEXT"},
                      ScalarCase{"2026-01-01T00:00:01Z", "2026-01-01T00:00:01Z"},
                      ScalarCase{"99999999999999999999999", 1e23}));

TEST(YamlToJson, MapsAndSequences) {
  YAML::Node n = YAML::Load("{type: ptrace, ptrace: {request: PTRACE_ATTACH, pid: 300}, argv: [a, '1', 2]}");
  json j = yaml_to_json(n);
  EXPECT_EQ(j, json::parse(R"({"type":"ptrace","ptrace":{"request":"PTRACE_ATTACH","pid":300},
                                "argv":["a","1",2]})"));
}

TEST(FindPath, PointsAtTheNodeAKeyPathNames) {
  std::string text =
      "type: ptrace\n"
      "ptrace:\n"
      "  request: PTRACE_FOO\n"
      "proc:\n"
      "  ancestors:\n"
      "    - {pid: 1}\n"
      "    - {pid: x}\n";
  YAML::Node n = YAML::Load(text);
  struct Case {
    const char* path;
    uint32_t line;
  };
  for (const auto& c : {Case{"ptrace.request", 3}, Case{"proc.ancestors[1].pid", 7},
                        Case{"proc.ancestors[1]", 7}, Case{"ptrace.missing", 3},
                        Case{"proc.ancestors[9].pid", 6}, Case{"", 1}}) {
    SourcePos p = node_pos("f.yaml", find_path(n, c.path));
    EXPECT_EQ(p.line, c.line) << c.path;
    EXPECT_EQ(p.file, "f.yaml");
  }
  // Looking things up never changes the document.
  EXPECT_EQ(YAML::Dump(n), YAML::Dump(YAML::Load(text)));
}

}  // namespace
}  // namespace th::ruletest
