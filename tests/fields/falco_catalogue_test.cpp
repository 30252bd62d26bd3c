// The catalogue of Falco's names is generated from Falco's own lists; this keeps the generated
// tables equal to those files (rerun scripts/gen_falco_catalogue.py after updating them).
#include "engine/fields/falco_catalogue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace th {
namespace {

std::string read(const std::string& name) {
  std::ifstream in(std::string(TH_TEST_DATA_DIR) + "/falco/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::set<std::string> as_set(std::span<const std::string_view> names) {
  return {names.begin(), names.end()};
}

TEST(FalcoCatalogue, SyscallFieldsAreFalcosList) {
  auto doc = nlohmann::json::parse(read("falco_fields_syscall.json"));
  std::set<std::string> want;
  for (const auto& cls : doc.at("fieldclasses"))
    for (const auto& f : cls.at("fields")) want.insert(f.at("name").get<std::string>());
  ASSERT_GT(want.size(), 150u);
  EXPECT_EQ(as_set(falco::syscall_fields()), want);
}

TEST(FalcoCatalogue, EventTypesAndArgumentsAreFalcosList) {
  std::istringstream md(read("falco_events.md"));
  std::set<std::string> types, args;
  const std::regex event(R"(^[<>] ([a-z0-9_]+)\((.*)\)\s*$)");
  const std::regex arg(R"(\*\*([A-Za-z0-9_]+)\*\*)");
  std::smatch m;
  for (std::string line; std::getline(md, line);) {
    if (!std::regex_match(line, m, event)) continue;
    types.insert(m[1]);
    std::string rest = m[2];
    for (std::sregex_iterator it(rest.begin(), rest.end(), arg), end; it != end; ++it)
      args.insert((*it)[1]);
  }
  ASSERT_GT(types.size(), 200u);
  EXPECT_EQ(as_set(falco::event_types()), types);
  EXPECT_EQ(as_set(falco::event_arg_names()), args);
}

TEST(FalcoCatalogue, TablesAreSortedForBinarySearch) {
  for (auto t : {falco::syscall_fields(), falco::event_types(), falco::event_arg_names(),
                 falco::container_plugin_fields()}) {
    EXPECT_TRUE(std::is_sorted(t.begin(), t.end()));
    EXPECT_EQ(std::adjacent_find(t.begin(), t.end()), t.end());
  }
}

TEST(FalcoCatalogue, FieldLookup) {
  EXPECT_TRUE(falco::has_field("fd.sip"));
  EXPECT_TRUE(falco::has_field("evt.num"));
  EXPECT_TRUE(falco::has_field("evt.arg.res"));     // an argument of some event
  EXPECT_TRUE(falco::has_field("evt.rawarg.flags"));
  EXPECT_TRUE(falco::has_field("container.image.repository"));
  EXPECT_TRUE(falco::has_field("k8s.pod.label.app"));
  EXPECT_FALSE(falco::has_field("fd.sipp"));
  EXPECT_FALSE(falco::has_field("evt.arg.no_such_argument"));
  EXPECT_FALSE(falco::has_field("evt.arg."));
  EXPECT_FALSE(falco::has_field("proc.nam"));
  EXPECT_TRUE(falco::has_event_type("connect"));
  EXPECT_TRUE(falco::has_event_type("procexit"));
  EXPECT_FALSE(falco::has_event_type("conect"));
}

}  // namespace
}  // namespace th
