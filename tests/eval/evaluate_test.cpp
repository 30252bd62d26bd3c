// Conditions compiled and evaluated against real events: every operator, transformer, modifier
// and field family, with cases that must match and near misses that must not.
#include <gtest/gtest.h>

#include "compile_helper.h"
#include "test_event.h"

namespace th {
namespace {

using testing::World;

enum class Ev { poketext, attach, attach_child, self, exec_memfd, open_rdwr, open_rdonly };

Event make_event(World& w, Ev kind) {
  switch (kind) {
    case Ev::poketext: return w.ptrace(4);
    case Ev::attach: return w.ptrace(16);
    case Ev::attach_child: return w.ptrace(16, 200, 250);
    case Ev::self: return w.ptrace(4, 200, 200);
    case Ev::exec_memfd: return w.exec(250, "memfd:payload", true);
    case Ev::open_rdwr: return w.open_mem(200, 300, 02 | 02000000);
    case Ev::open_rdonly: return w.open_mem(200, 300, 0);
  }
  return {};
}

struct Case {
  const char* condition;
  Ev event;
  bool expected;
};

class EvaluateTest : public ::testing::TestWithParam<Case> {};

TEST_P(EvaluateTest, MatchesAsFalcoWould) {
  const Case& c = GetParam();
  auto compiled = testing::compile(c.condition);
  ASSERT_TRUE(compiled.parsed) << c.condition;
  ASSERT_TRUE(compiled.pred) << c.condition << "\n" << format_diagnostics_text(compiled.diags);
  World w;
  Event e = make_event(w, c.event);
  Scratch s;
  EXPECT_EQ(compiled.pred->eval(e, s), c.expected) << c.condition;
}

INSTANTIATE_TEST_SUITE_P(
    Operators, EvaluateTest,
    ::testing::Values(
        // evt.type and the ptrace request, by name and by number
        Case{"evt.type = ptrace", Ev::poketext, true},
        Case{"evt.type == execve", Ev::poketext, false},
        Case{"evt.type in (execve, ptrace)", Ev::poketext, true},
        Case{"ptrace.request = PTRACE_POKETEXT", Ev::poketext, true},
        Case{"ptrace.request = 4", Ev::poketext, true},
        Case{"ptrace.request = 0x4", Ev::poketext, true},
        Case{"ptrace.request in (PTRACE_POKEDATA, PTRACE_POKEUSER)", Ev::poketext, false},
        Case{"ptrace.request in (PTRACE_POKETEXT, PTRACE_POKEDATA)", Ev::poketext, true},
        Case{"ptrace.request != PTRACE_ATTACH", Ev::attach, false},
        Case{"evt.arg.request contains PTRACE_POKE", Ev::poketext, true},
        Case{"evt.arg.request = PTRACE_ATTACH", Ev::attach, true},
        Case{"evt.arg.request in (5, 6, 11, 20, 27)", Ev::poketext, false},
        Case{"ptrace.request = PTRACE_POKETEXT", Ev::exec_memfd, false},  // no value: false
        Case{"not ptrace.request = PTRACE_POKETEXT", Ev::exec_memfd, true},
        Case{"ptrace.addr = 0x401000 and ptrace.data = 3735928559", Ev::poketext, true},
        // strings
        Case{"proc.name = inject", Ev::poketext, true},
        Case{"proc.name != inject", Ev::poketext, false},
        Case{"proc.name startswith inj", Ev::poketext, true},
        Case{"proc.name endswith ect", Ev::poketext, true},
        Case{"proc.name contains jec", Ev::poketext, true},
        Case{"proc.name icontains JEC", Ev::poketext, true},
        Case{"proc.name contains JEC", Ev::poketext, false},
        Case{"proc.name glob 'inj*'", Ev::poketext, true},
        Case{"proc.name glob 'INJ*'", Ev::poketext, false},
        Case{"proc.name iglob 'INJ*'", Ev::poketext, true},
        Case{"proc.exepath glob '/tmp/*'", Ev::poketext, true},
        Case{"proc.name regex 'inj.*'", Ev::poketext, true},
        Case{"proc.name regex 'nj'", Ev::poketext, false},  // anchored at both ends, as Falco
        Case{"proc.exepath pmatch (/tmp)", Ev::poketext, true},
        Case{"proc.exepath pmatch (/tm, /usr)", Ev::poketext, false},
        Case{"proc.exepath pmatch (/tmp/inject)", Ev::poketext, true},
        Case{"proc.name in (bash, inject)", Ev::poketext, true},
        Case{"proc.name in ()", Ev::poketext, false},
        Case{"proc.name intersects (inject)", Ev::poketext, true},
        Case{"proc.cmdline = 'inject 300 --quiet'", Ev::poketext, true},
        Case{"proc.args = '300 --quiet'", Ev::poketext, true},
        Case{"proc.exe = ./inject", Ev::poketext, true},
        // numbers
        Case{"proc.pid = 200", Ev::poketext, true},
        Case{"proc.pid > 199 and proc.pid < 201", Ev::poketext, true},
        Case{"proc.pid >= 201", Ev::poketext, false},
        Case{"proc.pid <= 200", Ev::poketext, true},
        Case{"proc.pid in (1, 200)", Ev::poketext, true},
        Case{"proc.ppid = 100", Ev::poketext, true},
        Case{"proc.tty != 0", Ev::poketext, true},
        Case{"user.loginuid = -1", Ev::poketext, true},
        Case{"evt.rawres = 0 and evt.res = SUCCESS", Ev::poketext, true},
        // ancestry: indexed and "any ancestor"
        Case{"proc.pname = bash", Ev::poketext, true},
        Case{"proc.pexepath = /usr/bin/bash", Ev::poketext, true},
        Case{"proc.aname[0] = inject", Ev::poketext, true},
        Case{"proc.aname[1] = bash", Ev::poketext, true},
        Case{"proc.aname[2] = systemd", Ev::poketext, true},
        Case{"proc.aname[3] = systemd", Ev::poketext, false},
        Case{"proc.aname = systemd", Ev::poketext, true},
        Case{"proc.aname = inject", Ev::poketext, false},  // itself is not an ancestor
        Case{"proc.aname in (nginx, bash)", Ev::poketext, true},
        Case{"proc.apid[1] = 100", Ev::poketext, true},
        Case{"proc.aexepath[2] endswith systemd", Ev::poketext, true},
        // target
        Case{"target.pid = 300 and target.name = victim-service", Ev::poketext, true},
        Case{"target.exepath = /usr/sbin/victim", Ev::poketext, true},
        Case{"target.is_descendant = false", Ev::poketext, true},
        Case{"target.is_descendant = true", Ev::attach_child, true},
        Case{"target.is_self = true", Ev::self, true},
        Case{"target.is_self = false", Ev::poketext, true},
        Case{"target.container.id = host", Ev::poketext, true},
        Case{"target.pid exists", Ev::poketext, true},
        Case{"target.pid exists", Ev::exec_memfd, false},
        // exec and memory-file opens
        Case{"evt.type = execve and proc.is_exe_from_memfd = true", Ev::exec_memfd, true},
        Case{"proc.is_exe_from_memfd = false", Ev::poketext, true},
        Case{"evt.type = openat and evt.is_open_write = true", Ev::open_rdwr, true},
        Case{"evt.is_open_read = true", Ev::open_rdwr, true},
        Case{"evt.is_open_write = true", Ev::open_rdonly, false},
        Case{"evt.arg.flags contains O_CLOEXEC", Ev::open_rdwr, true},
        Case{"evt.arg.flags = O_RDONLY", Ev::open_rdonly, true},
        Case{"fd.name = /proc/300/mem", Ev::open_rdwr, true},
        Case{"fd.directory = /proc/300 and fd.filename = mem", Ev::open_rdwr, true},
        // boolean structure
        Case{"proc.name = x or proc.name = inject and proc.pid = 200", Ev::poketext, true},
        Case{"(proc.name = x or proc.name = inject) and proc.pid = 1", Ev::poketext, false},
        Case{"not not proc.name = inject", Ev::poketext, true},
        Case{"not (proc.name = inject and proc.pid = 200)", Ev::poketext, false},
        // transformers
        Case{"toupper(proc.name) = INJECT", Ev::poketext, true},
        Case{"tolower(toupper(proc.name)) = inject", Ev::poketext, true},
        Case{"basename(proc.exepath) = inject", Ev::poketext, true},
        Case{"len(proc.name) = 6", Ev::poketext, true},
        Case{"len(proc.name) > 6", Ev::poketext, false},
        Case{"b64(proc.cmdline) exists", Ev::poketext, false},  // spaces: not base64
        Case{"b64(target.container.id) = ''", Ev::poketext, false},
        Case{"proc.name = val(proc.name)", Ev::poketext, true},
        Case{"proc.name = val(target.name)", Ev::poketext, false},
        Case{"proc.pid < val(target.pid)", Ev::poketext, true},
        Case{"join(\"-\", (proc.name, target.name)) = inject-victim-service", Ev::poketext, true},
        Case{"getopt(proc.args, \"q\")[q] exists", Ev::poketext, false},  // args start with 300
        // modifiers, as Falco counts them
        Case{"proc.name == oneof (inject, bash)", Ev::poketext, true},
        Case{"proc.name == oneof (inject, inject)", Ev::poketext, false},
        Case{"proc.name == anyof (x, inject)", Ev::poketext, true},
        Case{"proc.name == allof (inject, inject)", Ev::poketext, true},
        Case{"proc.name == allof ()", Ev::poketext, false},
        Case{"proc.name != oneof (inject, bash)", Ev::poketext, true},
        Case{"proc.name startswith allof (in, inj)", Ev::poketext, true},
        Case{"proc.name regex anyof ('x.*', 'i.*')", Ev::poketext, true}));

TEST(EvaluateErrors, EveryMistakeIsReportedWithItsPosition) {
  struct Bad {
    const char* condition;
    const char* code;
    uint32_t col;
  };
  const Bad cases[] = {
      {"proc.nme = x", "TH-E-UNKNOWN-FIELD", 1},
      {"evt.type = ptrace and proc.pid contains 1", "TH-E-BAD-OPERATOR", 32},
      {"proc.pid = abc", "TH-E-BAD-VALUE", 12},
      {"proc.name regex '('", "TH-E-BAD-REGEX", 17},
      {"ptrace.request = PTRACE_BOGUS", "TH-E-BAD-VALUE", 18},
      {"proc.aname[x] = a", "TH-E-FIELD-ARG", 12},
      {"proc.name[1] = a", "TH-E-FIELD-ARG", 11},
      {"proc.is_exe_from_memfd = maybe", "TH-E-BAD-VALUE", 26},
      {"proc.name = val(proc.pid)", "TH-E-TYPE-MISMATCH", 13},
      {"tolower(proc.pid) = 1", "TH-E-BAD-TRANSFORMER", 1},
      {"proc.name bcontains 41", "TH-E-BAD-OPERATOR", 11},
      {"proc.pid glob 1", "TH-E-BAD-OPERATOR", 10},
      {"target.is_self > 1", "TH-E-BAD-OPERATOR", 16},
      {"some_macro", "TH-E-UNDEFINED-MACRO", 1},
      {"proc.name = \"\\x00\"", "TH-E-BAD-VALUE", 13},
  };
  for (const Bad& b : cases) {
    auto c = testing::compile(b.condition);
    ASSERT_TRUE(c.parsed) << b.condition;
    EXPECT_FALSE(c.pred) << b.condition;
    ASSERT_EQ(c.diags.error_count(), 1u) << b.condition << "\n" << format_diagnostics_text(c.diags);
    const Diagnostic& d = c.diags.items()[0];
    EXPECT_EQ(d.code, b.code) << b.condition;
    EXPECT_EQ(d.pos.line, 1u) << b.condition;
    EXPECT_EQ(d.pos.col, b.col) << b.condition << ": " << d.message;
  }
}

TEST(EvaluateErrors, AllErrorsAreCollectedNotOnlyTheFirst) {
  auto c = testing::compile("proc.nme = x and proc.pid = abc or proc.name regex '(('");
  ASSERT_TRUE(c.parsed);
  EXPECT_EQ(c.diags.error_count(), 3u) << format_diagnostics_text(c.diags);
}

TEST(EvaluateErrors, UnknownFieldSuggestsTheClosestName) {
  auto c = testing::compile("proc.exepth = /bin/sh");
  ASSERT_EQ(c.diags.error_count(), 1u);
  EXPECT_NE(c.diags.items()[0].message.find("did you mean 'proc.exepath'"), std::string::npos)
      << c.diags.items()[0].message;
}

}  // namespace
}  // namespace th
