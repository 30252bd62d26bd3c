// The JSON Schemas in schema/ against the code they document: event types, ptrace request names,
// and every key that capture writes (so that captured events validate).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <iterator>
#include <set>

#include "engine/core/ptrace_request.h"
#include "engine/io/event_json.h"
#include "engine/rules/rule_keys.h"
#include "engine/ruletest/event_builder.h"

namespace th::ruletest {
namespace {

using json = nlohmann::json;

json load_schema(const std::string& name) {
  std::ifstream in(std::string(TH_SOURCE_DIR) + "/schema/" + name);
  EXPECT_TRUE(in) << name;
  return json::parse(in, nullptr, /*allow_exceptions=*/false);
}

std::set<std::string> keys_of(const json& properties) {
  std::set<std::string> out;
  for (auto it = properties.begin(); it != properties.end(); ++it) out.insert(it.key());
  return out;
}

TEST(EventSchema, ListsEveryEventType) {
  json s = load_schema("event.schema.json");
  ASSERT_FALSE(s.is_discarded());
  std::set<std::string> schema_types = s["properties"]["type"]["enum"];
  std::set<std::string> code_types(kEvtTypeNames.begin(), kEvtTypeNames.end());
  EXPECT_EQ(schema_types, code_types);
}

TEST(EventSchema, ListsEveryPtraceRequestName) {
  json s = load_schema("event.schema.json");
  std::set<std::string> names = s["properties"]["ptrace"]["properties"]["request"]["oneOf"][0]["enum"];
  for (const auto& r : ptrace_requests()) EXPECT_TRUE(names.count(std::string(r.name))) << r.name;
  for (const auto& n : names) EXPECT_TRUE(ptrace_request_from_name(n)) << n << " does not parse";
}

// Every key event_to_json writes is one the schema allows, so captures validate.
TEST(EventSchema, AllowsEveryKeyCaptureWrites) {
  json s = load_schema("event.schema.json");
  std::set<std::string> top = keys_of(s["properties"]);
  std::set<std::string> process = keys_of(s["$defs"]["process_fields"]["properties"]);
  std::set<std::string> actor = process, target = process;
  for (auto k : keys_of(s["$defs"]["actor"]["properties"])) actor.insert(k);
  for (auto k : keys_of(s["$defs"]["target"]["properties"])) target.insert(k);

  ProcessTable table(ProcessTableOptions{.proc_root = "", .passwd_path = ""});
  const char* events[] = {
      R"({"type":"ptrace","proc":{"pid":100,"ancestors":[{"pid":50}]},"ptrace":{"request":"PTRACE_POKETEXT","pid":300},"target":{"pid":300,"is_descendant":false}})",
      R"({"type":"process_vm_writev","proc":{"pid":100},"vm":{"bytes":8,"pid":300},"target":{"pid":300}})",
      R"({"type":"openat","proc":{"pid":100},"open":{"path":"/proc/300/mem","flags":2,"pid":300},"target":{"pid":300}})",
      R"({"type":"execve","proc":{"pid":100},"exec":{"exepath":"/memfd:x","memfd":true}})",
      R"({"type":"clone","proc":{"pid":100},"fork":{"child_pid":101}})",
      R"({"type":"procexit","proc":{"pid":101},"exit":{"code":0}})",
  };
  for (const char* text : events) {
    std::string error;
    auto rec = event_from_json_line(text, EventDefaults{}, error);
    ASSERT_TRUE(rec) << error;
    apply_record(*rec, table);
    Event e = rec->event;
    e.table = &table;
    e.proc = table.find(e.actor.pid);
    e.target = e.target_pid ? table.find(e.target_pid) : nullptr;
    json out = json::parse(event_to_json(e, table).dump());
    for (auto it = out.begin(); it != out.end(); ++it) {
      EXPECT_TRUE(top.count(it.key())) << text << ": top-level key " << it.key();
      if (it.value().is_object() && s["properties"][it.key()].contains("properties")) {
        std::set<std::string> sub = keys_of(s["properties"][it.key()]["properties"]);
        for (auto jt = it.value().begin(); jt != it.value().end(); ++jt)
          EXPECT_TRUE(sub.count(jt.key())) << text << ": " << it.key() << "." << jt.key();
      }
    }
    for (auto it = out["proc"].begin(); it != out["proc"].end(); ++it)
      EXPECT_TRUE(actor.count(it.key())) << text << ": proc." << it.key();
    if (out.contains("target")) {
      for (auto it = out["target"].begin(); it != out["target"].end(); ++it)
        EXPECT_TRUE(target.count(it.key())) << text << ": target." << it.key();
    }
    // And the rule-test runner's key check accepts what capture writes.
    auto problem = check_event_keys(out);
    EXPECT_FALSE(problem) << text << ": " << (problem ? problem->message : "");
  }
}

template <class Keys>
std::set<std::string> set_of(const Keys& keys) {
  return {std::begin(keys), std::end(keys)};
}

// The keys event_from_json accepts (engine/io/event_keys.h) are exactly the schema's.
TEST(EventSchema, HasExactlyTheKeysReplayAccepts) {
  json s = load_schema("event.schema.json");
  EXPECT_EQ(keys_of(s["properties"]), set_of(event_keys::kEvent));
  EXPECT_EQ(keys_of(s["$defs"]["process_fields"]["properties"]), set_of(event_keys::kProcess));
  EXPECT_EQ(keys_of(s["$defs"]["actor"]["properties"]), set_of(event_keys::kProcExtra));
  EXPECT_EQ(keys_of(s["$defs"]["target"]["properties"]), set_of(event_keys::kTargetExtra));
  std::set<std::string> arg_objects;
  for (const auto& f : event_keys::kFamilyArgs) {
    std::string k(f.key);
    arg_objects.insert(k);
    EXPECT_EQ(keys_of(s["properties"][k]["properties"]), set_of(f.keys)) << k;
  }
  for (std::size_t i = 0; i < kEvtTypeCount; ++i)
    EXPECT_FALSE(event_keys::args_key(static_cast<EvtType>(i)).empty()) << kEvtTypeNames[i];
  for (const auto& k : arg_objects) EXPECT_TRUE(set_of(event_keys::kEvent).count(k)) << k;
}

TEST(RuleTestSchema, ListsTheKeysTheParserAccepts) {
  json s = load_schema("rule-tests.schema.json");
  EXPECT_EQ(keys_of(s["properties"]), (std::set<std::string>{"processes", "cases"}));
  EXPECT_EQ(keys_of(s["$defs"]["case"]["properties"]),
            (std::set<std::string>{"name", "description", "fold", "fold_window", "exact",
                                   "processes", "events", "expect"}));
  EXPECT_EQ(keys_of(s["$defs"]["expectation"]["properties"]),
            (std::set<std::string>{"rule", "priority", "alerts", "summaries", "folded",
                                   "output_contains"}));
}

// The reader's key lists (engine/rules/rule_keys.h) and the schema's properties are the same sets.
TEST(RulesSchema, HasExactlyTheKeysTheReaderAccepts) {
  namespace keys = rules::keys;
  json s = load_schema("rules.schema.json");
  const json& defs = s["$defs"];
  EXPECT_EQ(keys_of(defs["rule"]["properties"]), set_of(keys::kRule));
  EXPECT_EQ(keys_of(defs["list"]["properties"]), set_of(keys::kList));
  EXPECT_EQ(keys_of(defs["macro"]["properties"]), set_of(keys::kMacro));
  EXPECT_EQ(keys_of(defs["exception"]["properties"]), set_of(keys::kException));
  EXPECT_EQ(keys_of(defs["required_engine_version"]["properties"]), set_of(keys::kEngineVersion));
  EXPECT_EQ(keys_of(defs["required_plugin_versions"]["properties"]),
            set_of(keys::kPluginVersions));
  EXPECT_EQ(keys_of(defs["list"]["properties"]["override"]["properties"]),
            set_of(keys::kListOverridable));
  EXPECT_EQ(keys_of(defs["macro"]["properties"]["override"]["properties"]),
            set_of(keys::kMacroOverridable));
  // A rule's override: append where the reader allows it, replace only otherwise.
  const json& rule_override = defs["rule"]["properties"]["override"]["properties"];
  std::set<std::string> overridable = set_of(keys::kRuleReplaceable);
  for (auto k : keys::kRuleAppendable) overridable.insert(std::string(k));
  EXPECT_EQ(keys_of(rule_override), overridable);
  for (auto it = rule_override.begin(); it != rule_override.end(); ++it) {
    bool schema_appends = it.value().contains("enum");
    EXPECT_EQ(schema_appends, keys::contains(keys::kRuleAppendable, it.key())) << it.key();
    EXPECT_EQ(it.value().contains("const") || schema_appends,
              keys::contains(keys::kRuleReplaceable, it.key()))
        << it.key();
  }
  // The keys the first version documented are all still there.
  for (const char* k : {"rule", "desc", "condition", "output", "priority", "tags", "enabled",
                        "exceptions", "source", "append", "override", "warn_evttypes",
                        "skip-if-unknown-filter", "fold", "capture", "capture_duration"})
    EXPECT_TRUE(keys::contains(keys::kRule, k)) << k;
  EXPECT_TRUE(keys_of(rule_override).count("fold"));
}

}  // namespace
}  // namespace th::ruletest
