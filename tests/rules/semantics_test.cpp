// Falco's rule-file semantics: lists and macros resolved on the tree, several files in order,
// redefinition, legacy append, override append/replace, enabled toggles, exceptions, sources,
// skip-if-unknown-filter, and the per-event-type index.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../eval/test_event.h"
#include "engine/rules/loader.h"

namespace th {
namespace {

using testing::World;

const char* kBase = R"Y(
- list: debuggers
  items: [/usr/bin/gdb, /usr/bin/strace]
- list: more_debuggers
  items: [debuggers, /usr/bin/lldb]
- macro: poke
  condition: evt.type = ptrace and ptrace.request in (PTRACE_POKETEXT, PTRACE_POKEDATA)
- rule: Poke by non-debugger
  desc: a poke
  condition: poke and not proc.exepath in (more_debuggers)
  output: "%proc.name poked %target.pid (%ptrace.request)"
  priority: CRITICAL
  tags: [T1055.008]
)Y";

std::vector<std::string> fired(const LoadResult& r, Event e) {
  std::vector<std::string> out;
  if (!r.ruleset) return out;
  Scratch s;
  r.ruleset->match(e, s, [&](const CompiledRule& rule) { out.push_back(rule.name); });
  return out;
}

using Names = std::vector<std::string>;

TEST(Semantics, MacrosAndNestedListsResolve) {
  auto r = load_rules_from_strings({{"base.yaml", kBase}});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  World w;
  EXPECT_EQ(fired(r, w.ptrace(4)), Names{"Poke by non-debugger"});
  EXPECT_EQ(fired(r, w.ptrace(16)), Names{});
  // A debugger by exe path is excluded through the nested list.
  Process gdb = testing::make_proc(400, 100, "gdb", "/usr/bin/lldb", {"lldb"});
  w.table.upsert(gdb);
  EXPECT_EQ(fired(r, w.ptrace(4, 400, 300)), Names{});
}

TEST(Semantics, OutputRendersFieldsWithSymbolicRequest) {
  auto r = load_rules_from_strings({{"base.yaml", kBase}});
  ASSERT_TRUE(r.ruleset);
  World w;
  Event e = w.ptrace(4);
  std::string text;
  nlohmann::ordered_json fields;
  Scratch s;
  r.ruleset->rules()[0].output.render(e, s, text, fields);
  EXPECT_EQ(text, "inject poked 300 (PTRACE_POKETEXT)");
  EXPECT_EQ(fields["target.pid"], 300);
  EXPECT_EQ(fields["ptrace.request"], "PTRACE_POKETEXT");
}

TEST(Semantics, LaterFilesAppendToListsAndConditions) {
  const char* local = R"Y(
- list: debuggers
  items: [/tmp/inject]
  override:
    items: append
- rule: Poke by non-debugger
  condition: and target.pid != 999
  override:
    condition: append
)Y";
  auto r = load_rules_from_strings({{"base.yaml", kBase}, {"local.yaml", local}});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  World w;
  EXPECT_EQ(fired(r, w.ptrace(4)), Names{});  // /tmp/inject is now a debugger
}

TEST(Semantics, LegacyAppendStillWorksWithAWarning) {
  const char* local = R"Y(
- rule: Poke by non-debugger
  condition: and target.pid = 12345
  append: true
)Y";
  auto r = load_rules_from_strings({{"base.yaml", kBase}, {"local.yaml", local}});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  EXPECT_EQ(r.diags.warning_count(), 1u);
  EXPECT_EQ(r.diags.items()[0].code, "TH-W-DEPRECATED-APPEND");
  World w;
  EXPECT_EQ(fired(r, w.ptrace(4)), Names{});
}

TEST(Semantics, OverrideReplaceSwapsOnlyTheNamedKeys) {
  const char* local = R"Y(
- rule: Poke by non-debugger
  priority: NOTICE
  output: replaced %proc.pid
  override:
    priority: replace
    output: replace
)Y";
  auto r = load_rules_from_strings({{"base.yaml", kBase}, {"local.yaml", local}});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  const CompiledRule& rule = r.ruleset->rules()[0];
  EXPECT_EQ(rule.priority, Priority::notice);
  EXPECT_EQ(rule.desc, "a poke");
  EXPECT_EQ(rule.tags, Names{"T1055.008"});
  World w;
  std::string text;
  nlohmann::ordered_json f;
  Scratch s;
  Event e = w.ptrace(4);
  rule.output.render(e, s, text, f);
  EXPECT_EQ(text, "replaced 200");
}

TEST(Semantics, RedefinitionReplacesInPlace) {
  const char* local = R"Y(
- rule: Poke by non-debugger
  desc: replaced
  condition: evt.type = ptrace and ptrace.request = PTRACE_ATTACH
  output: o
  priority: ERROR
)Y";
  auto r = load_rules_from_strings({{"base.yaml", kBase}, {"local.yaml", local}});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  ASSERT_EQ(r.ruleset->rules().size(), 1u);
  World w;
  EXPECT_EQ(fired(r, w.ptrace(4)), Names{});
  EXPECT_EQ(fired(r, w.ptrace(16)), Names{"Poke by non-debugger"});
}

TEST(Semantics, EnabledCanBeToggled) {
  const char* off = R"Y(
- rule: Poke by non-debugger
  enabled: false
  override:
    enabled: replace
)Y";
  auto r = load_rules_from_strings({{"base.yaml", kBase}, {"off.yaml", off}});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  EXPECT_TRUE(r.ruleset->rules().empty());
  // The legacy form: a rule item with only `enabled`.
  const char* legacy = "- rule: Poke by non-debugger\n  enabled: false\n";
  auto l = load_rules_from_strings({{"base.yaml", kBase}, {"legacy.yaml", legacy}});
  ASSERT_TRUE(l.ruleset) << format_diagnostics_text(l.diags);
  EXPECT_TRUE(l.ruleset->rules().empty());
}

TEST(Semantics, ExceptionsExcludeTuplesAndSingleFields) {
  const char* rules = R"Y(
- rule: Attach
  desc: d
  condition: evt.type = ptrace and ptrace.request = PTRACE_ATTACH
  output: o
  priority: ERROR
  exceptions:
    - name: tracer_and_target
      fields: [proc.name, target.name]
      comps: [=, startswith]
      values:
        - [inject, nomatch]
        - [inject, victim]
    - name: by_pid
      fields: proc.pid
      values: [7, 8]
)Y";
  auto r = load_rules_from_strings({{"r.yaml", rules}});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  World w;
  EXPECT_EQ(fired(r, w.ptrace(16)), Names{});  // (inject, victim-service) is excepted
  EXPECT_EQ(fired(r, w.ptrace(16, 200, 1)), Names{"Attach"});
  w.table.upsert(testing::make_proc(7, 1, "seven", "/bin/seven", {"seven"}));
  EXPECT_EQ(fired(r, w.ptrace(16, 7, 1)), Names{});
}

TEST(Semantics, AppendedExceptionValuesMergeByName) {
  const char* base = R"Y(
- rule: Attach
  desc: d
  condition: evt.type = ptrace and ptrace.request = PTRACE_ATTACH
  output: o
  priority: ERROR
  exceptions:
    - name: allowed
      fields: [proc.name]
      values: [[nobody]]
)Y";
  const char* local = R"Y(
- rule: Attach
  exceptions:
    - name: allowed
      values: [[inject]]
  override:
    exceptions: append
)Y";
  auto r = load_rules_from_strings({{"b.yaml", base}, {"l.yaml", local}});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  World w;
  EXPECT_EQ(fired(r, w.ptrace(16)), Names{});
}

TEST(Semantics, OtherSourcesAreSkippedWithAWarning) {
  const char* rules = R"Y(
- rule: K8s thing
  desc: d
  condition: ka.verb = create
  output: o
  priority: ERROR
  source: k8s_audit
)Y";
  auto r = load_rules_from_strings({{"k.yaml", rules}});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  EXPECT_TRUE(r.ruleset->rules().empty());
  EXPECT_EQ(r.diags.items().at(0).code, "TH-W-SOURCE");
}

TEST(Semantics, SkipIfUnknownFilterSkipsInsteadOfFailing) {
  const char* rules = R"Y(
- rule: Future
  desc: d
  condition: evt.type = ptrace and proc.some_future_field = 1
  output: o
  priority: ERROR
  skip-if-unknown-filter: true
)Y";
  auto r = load_rules_from_strings({{"f.yaml", rules}});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  EXPECT_TRUE(r.ruleset->rules().empty());
  EXPECT_EQ(r.diags.error_count(), 0u);
}

TEST(Semantics, RulesAreIndexedByEventType) {
  const char* rules = R"Y(
- rule: Exec
  desc: d
  condition: evt.type in (execve, execveat) and proc.is_exe_from_memfd = true
  output: o
  priority: CRITICAL
- rule: Attach
  desc: d
  condition: evt.type = ptrace and evt.arg.request contains PTRACE_ATTACH
  output: o
  priority: ERROR
)Y";
  auto r = load_rules_from_strings({{"i.yaml", rules}});
  ASSERT_TRUE(r.ruleset);
  EXPECT_EQ(r.ruleset->rules_for(EvtType::ptrace).size(), 1u);
  EXPECT_EQ(r.ruleset->rules_for(EvtType::ptrace)[0].rule->name, "Attach");
  EXPECT_EQ(r.ruleset->rules_for(EvtType::execve).size(), 1u);
  EXPECT_TRUE(r.ruleset->rules_for(EvtType::openat).empty());
  const Interest& i = r.ruleset->interest();
  EXPECT_TRUE(i.wants_ptrace(16));
  EXPECT_FALSE(i.wants_ptrace(4));
  EXPECT_FALSE(i.mem_open_write);
}

TEST(Semantics, FoldersLoadTheirYamlFilesInNameOrder) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("th-rules-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "10-base.yaml") << kBase;
  std::ofstream(dir / "20-local.yml") << "- list: debuggers\n  items: [/tmp/inject]\n"
                                         "  override:\n    items: append\n";
  std::ofstream(dir / "notes.txt") << "not rules";
  auto r = load_rules({dir.string()});
  fs::remove_all(dir);
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  ASSERT_EQ(r.files.size(), 2u);
  World w;
  EXPECT_EQ(fired(r, w.ptrace(4)), Names{});
}

TEST(Semantics, FalcoPtraceRulesLoadUnmodifiedAndFire) {
  auto r = load_rules({std::string(TH_TEST_DATA_DIR) + "/falco/falco_ptrace_rules.yaml"});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  EXPECT_EQ(r.diags.error_count(), 0u);
  World w;
  EXPECT_EQ(fired(r, w.ptrace(16)), Names{"PTRACE attached to process"});
  EXPECT_EQ(fired(r, w.ptrace(4)), Names{"PTRACE attached to process"});
  EXPECT_EQ(fired(r, w.ptrace(0)), Names{"PTRACE anti-debug attempt"});
  EXPECT_EQ(fired(r, w.ptrace(24)), Names{});
  EXPECT_EQ(fired(r, w.exec(250, "memfd:x", true)), Names{"Fileless execution via memfd_create"});
}

}  // namespace
}  // namespace th

namespace th {
namespace {

// A macro several rules use is compiled once and evaluated once per event (memoised); results
// must still be those of each event, never a previous one's.
TEST(Semantics, SharedMacrosAreMemoisedPerEventOnly) {
  const char* rules = R"Y(
- macro: poker
  condition: (evt.type = ptrace and ptrace.request = PTRACE_POKETEXT and proc.name = inject)
- rule: A
  desc: d
  condition: poker and target.pid = 300
  output: o
  priority: ERROR
- rule: B
  desc: d
  condition: poker and not target.pid = 300
  output: o
  priority: ERROR
- rule: C
  desc: d
  condition: evt.type = ptrace and not poker
  output: o
  priority: ERROR
)Y";
  auto r = load_rules_from_strings({{"m.yaml", rules}});
  ASSERT_TRUE(r.ruleset) << format_diagnostics_text(r.diags);
  World w;
  Scratch s;
  auto run = [&](Event e) {
    Names out;
    r.ruleset->match(e, s, [&](const CompiledRule& rule) { out.push_back(rule.name); });
    return out;
  };
  for (int round = 0; round < 3; ++round) {
    EXPECT_EQ(run(w.ptrace(4)), Names{"A"});
    EXPECT_EQ(run(w.ptrace(16)), Names{"C"});
    EXPECT_EQ(run(w.ptrace(4, 200, 1)), Names{"B"});
    EXPECT_EQ(run(w.ptrace(4, 250, 300)), Names{"C"});  // the actor is not "inject"
  }
}

}  // namespace
}  // namespace th
