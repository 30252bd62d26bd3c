// The field registry: the names the issue and Falco's rules rely on exist with the right types,
// the generated docs are current, and every accessor is safe on every event type.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "engine/fields/field.h"
#include "engine/fields/field_docs.h"
#include "engine/fields/scratch.h"

namespace th {
namespace {

TEST(Registry, HasTheFieldsRulesRelyOn) {
  struct Want {
    const char* name;
    FieldType type;
  };
  const Want fields[] = {
      {"evt.type", FieldType::string},        {"evt.time", FieldType::string},
      {"evt.res", FieldType::string},         {"evt.arg.request", FieldType::string},
      {"proc.pid", FieldType::int64},         {"proc.name", FieldType::string},
      {"proc.exe", FieldType::string},        {"proc.exepath", FieldType::string},
      {"proc.cmdline", FieldType::string},    {"proc.args", FieldType::string},
      {"proc.ppid", FieldType::int64},        {"proc.pname", FieldType::string},
      {"proc.pexepath", FieldType::string},   {"proc.pcmdline", FieldType::string},
      {"proc.aname", FieldType::string},      {"proc.apid", FieldType::int64},
      {"proc.tty", FieldType::int64},         {"proc.is_exe_from_memfd", FieldType::boolean},
      {"user.uid", FieldType::uint64},        {"user.name", FieldType::string},
      {"user.loginuid", FieldType::int64},    {"container.id", FieldType::string},
      {"ptrace.request", FieldType::int64},   {"ptrace.addr", FieldType::uint64},
      {"ptrace.data", FieldType::uint64},     {"target.pid", FieldType::int64},
      {"target.name", FieldType::string},     {"target.exepath", FieldType::string},
      {"target.cmdline", FieldType::string},  {"target.uid", FieldType::uint64},
      {"target.container.id", FieldType::string},
      {"target.is_descendant", FieldType::boolean},
      {"target.is_self", FieldType::boolean},
  };
  const auto& r = FieldRegistry::builtin();
  for (const auto& w : fields) {
    const FieldDef* d = r.find(w.name);
    ASSERT_NE(d, nullptr) << w.name;
    EXPECT_EQ(d->type, w.type) << w.name;
    EXPECT_FALSE(d->description.empty()) << w.name;
  }
  EXPECT_EQ(r.find("proc.aname")->arg, FieldArgKind::index_optional);
  EXPECT_NE(r.find("ptrace.request")->parse_symbol, nullptr);
  EXPECT_EQ(r.find("no.such.field"), nullptr);
}

TEST(Registry, GeneratedDocsAreCurrent) {
  std::ifstream in(std::string(TH_SOURCE_DIR) + "/engine/fields/FIELDS.md");
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), fields_as_markdown(FieldRegistry::builtin()))
      << "regenerate with: build/tracehound list-fields --markdown > engine/fields/FIELDS.md";
}

TEST(Registry, JsonListsEveryField) {
  auto j = nlohmann::json::parse(fields_as_json(FieldRegistry::builtin()));
  EXPECT_EQ(j.size(), FieldRegistry::builtin().all().size());
  for (const auto& f : j) {
    EXPECT_TRUE(f.contains("name") && f.contains("type") && f.contains("description"));
  }
}

// Every field on every event type, with and without a process table: no crash, and fields
// limited to some event types give no value on the others.
TEST(Registry, AccessorsAreSafeOnEveryEventType) {
  for (std::size_t t = 0; t < kEvtTypeCount; ++t) {
    Event e;
    e.type = static_cast<EvtType>(t);
    for (const auto& d : FieldRegistry::builtin().all()) {
      Scratch s;
      Values v;
      FieldArg arg;
      if (d.arg == FieldArgKind::index_optional) arg = {true, 3, {}};
      bool has = d.extract(e, arg, s, v);
      if (!d.types.contains(e.type)) {
        EXPECT_FALSE(has) << d.name << " on " << kEvtTypeNames[t];
      }
    }
  }
}

}  // namespace
}  // namespace th
