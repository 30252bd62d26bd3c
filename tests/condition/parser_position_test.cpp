// Source ranges of the parsed nodes. The first table mirrors Falco's position tests
// (filter_parser.ut.cpp: position_*): the start offset of every node, listed depth first, in
// Falco's notation ("binary0 field0 value10"). The others check the end offsets, operator and
// argument ranges, and that the source id is carried everywhere.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/condition/parser.h"

namespace th::cond {
namespace {

void walk(const Operand& o, std::string& out) {
  auto add = [&](const char* kind) {
    if (!out.empty()) out += ' ';
    out += kind;
    out += std::to_string(o.range.begin);
  };
  switch (o.kind) {
    case Operand::Kind::field: add("field"); break;
    case Operand::Kind::literal: add("value"); break;
    case Operand::Kind::list: add("list"); break;  // like Falco, items are not listed
    case Operand::Kind::transformer:
      add("transformer");
      for (const auto& a : o.items) walk(*a, out);
      break;
  }
}

void walk(const Expr& e, std::string& out) {
  auto add = [&](const char* kind) {
    if (!out.empty()) out += ' ';
    out += kind;
    out += std::to_string(e.range.begin);
  };
  switch (e.kind) {
    case Expr::Kind::and_: add("and"); break;
    case Expr::Kind::or_: add("or"); break;
    case Expr::Kind::not_: add("not"); break;
    case Expr::Kind::identifier: add("identifier"); break;
    case Expr::Kind::unary: add("unary"); break;
    case Expr::Kind::binary: add("binary"); break;
  }
  for (const auto& c : e.children) walk(*c, out);
  if (e.lhs) walk(*e.lhs, out);
  if (e.rhs) walk(*e.rhs, out);
}

std::string starts(std::string_view text) {
  ParseResult r = parse_condition(text);
  if (!r.ok()) return "error: " + r.error->message;
  std::string out;
  walk(*r.expr, out);
  return out;
}

struct StartCase {
  const char* falco_test;
  const char* text;
  const char* expected;
};

const StartCase kFalcoPositionCases[] = {
    {"position_unary_check", "proc.name exists", "unary0 field0"},
    {"position_binary_check", "proc.name=nginx", "binary0 field0 value10"},
    {"position_binary_check_params", "proc.aname[3]=nginx", "binary0 field0 value14"},
    {"position_binary_check_space_before", "proc.name =nginx", "binary0 field0 value11"},
    {"position_binary_check_space_after", "proc.name= nginx", "binary0 field0 value11"},
    {"position_binary_check_space_both", "proc.name = nginx", "binary0 field0 value12"},
    {"position_binary_check_list", "proc.name in (nginx, apache)", "binary0 field0 list13"},
    {"position_binary_check_list_space_after", "proc.name in ( nginx, apache)",
     "binary0 field0 list13"},
    {"position_not", "not proc.name=nginx", "not0 binary4 field4 value14"},
    {"position_or", "proc.name=nginx or proc.name=apache",
     "or0 binary0 field0 value10 binary19 field19 value29"},
    {"position_or_parens", "(proc.name=nginx or proc.name=apache)",
     "or1 binary1 field1 value11 binary20 field20 value30"},
    {"position_and", "proc.name=nginx and proc.name=apache",
     "and0 binary0 field0 value10 binary20 field20 value30"},
    {"position_and_parens", "(proc.name=nginx and proc.name=apache)",
     "and1 binary1 field1 value11 binary21 field21 value31"},
    {"position_complex",
     "(proc.aname[2]=nginx and evt.type in (connect,accept)) or (not fd.name exists) or "
     "(proc.name=apache and evt.type=switch)",
     "or0 and1 binary1 field1 value15 binary25 field25 list37 not59 unary63 field63 and83 "
     "binary83 field83 value93 binary104 field104 value113"},
    // Falco starts the top 'or' at 0, before the leading line break; here a node starts at its
    // first token, the '(' at 1.
    {"position_complex_multiline",
     "\n(proc.aname[2]=nginx\n     and evt.type in (connect,accept))\n   or (not fd.name "
     "exists)\n   or (proc.name=apache\n       and evt.type=switch)",
     "or1 and2 binary2 field2 value16 binary31 field31 list43 not68 unary72 field72 and95 "
     "binary95 field95 value105 binary123 field123 value132"},
    {"position_complex_transformers",
     "b64(evt.name) exists and tolower(toupper(evt.type)) in val(some.field) or "
     "proc.name=b64(tolower(some.field))",
     "or0 and0 unary0 transformer0 field4 binary25 transformer25 transformer33 field41 "
     "transformer55 field59 binary74 field74 transformer84 transformer88 field96"},
    {"position_transformer_list", "join(\"-\", (fd.name, fd.directory)) = value",
     "binary0 transformer0 value5 list10 value37"},
};

TEST(ParserPositions, NodeStartsMatchFalcosPositionTests) {
  for (const auto& c : kFalcoPositionCases)
    EXPECT_EQ(starts(c.text), c.expected) << c.falco_test << ": " << c.text;
}

std::string slice(std::string_view text, SrcRange r) {
  return std::string(text.substr(r.begin, r.end - r.begin));
}

TEST(ParserPositions, RangesCoverWhatTheAuthorWrote) {
  const std::string text = "  not proc.aname[2] startswith \"sh\"  and (a or b)";
  ParseResult r = parse_condition(text);
  ASSERT_TRUE(r.ok()) << r.error->message;
  const Expr& and_ = *r.expr;
  ASSERT_EQ(and_.kind, Expr::Kind::and_);
  EXPECT_EQ(slice(text, and_.range), "not proc.aname[2] startswith \"sh\"  and (a or b)");
  const Expr& not_ = *and_.children[0];
  EXPECT_EQ(slice(text, not_.range), "not proc.aname[2] startswith \"sh\"");
  const Expr& check = *not_.children[0];
  EXPECT_EQ(slice(text, check.range), "proc.aname[2] startswith \"sh\"");
  EXPECT_EQ(slice(text, check.op_range), "startswith");
  EXPECT_EQ(slice(text, check.lhs->range), "proc.aname[2]");
  EXPECT_EQ(slice(text, check.lhs->arg_range), "2");
  EXPECT_EQ(slice(text, check.rhs->range), "\"sh\"");
  const Expr& or_ = *and_.children[1];
  EXPECT_EQ(slice(text, or_.range), "a or b");
  EXPECT_EQ(slice(text, or_.children[1]->range), "b");
}

TEST(ParserPositions, OperandRanges) {
  struct Case {
    const char* text;
    const char* lhs;
    const char* op;
    const char* rhs;
  };
  const Case cases[] = {
      {"proc.name in ( nginx, apache)", "proc.name", "in", "( nginx, apache)"},
      {"evt.arg[\"key with space\"] = v", "evt.arg[\"key with space\"]", "=", "v"},
      {"getopt(proc.args, \"nt:\")[t] == x", "getopt(proc.args, \"nt:\")[t]", "==", "x"},
      {"fd.name=val(proc.name)", "fd.name", "=", "val(proc.name)"},
      {"len(join(\"-\", (fd.name))) >= 5", "len(join(\"-\", (fd.name)))", ">=", "5"},
      {"proc.name != oneof (a, b)", "proc.name", "!=", "(a, b)"},
      {"x.y = 'it\\'s'", "x.y", "=", "'it\\'s'"},
      {"b64( x.y ) exists", "b64( x.y )", "exists", ""},
  };
  for (const auto& c : cases) {
    ParseResult r = parse_condition(c.text);
    ASSERT_TRUE(r.ok()) << c.text << ": " << r.error->message;
    EXPECT_EQ(slice(c.text, r.expr->lhs->range), c.lhs) << c.text;
    EXPECT_EQ(slice(c.text, r.expr->op_range), c.op) << c.text;
    if (r.expr->rhs) {
      EXPECT_EQ(slice(c.text, r.expr->rhs->range), c.rhs) << c.text;
    }
    EXPECT_EQ(r.expr->range.begin, r.expr->lhs->range.begin) << c.text;
  }
}

TEST(ParserPositions, ListAndArgumentItemsHaveTheirOwnRanges) {
  const std::string text = "join(\"-\", ( fd.name , 'x' , 12 )) in (a, \"b c\")";
  ParseResult r = parse_condition(text);
  ASSERT_TRUE(r.ok()) << r.error->message;
  const Operand& join = *r.expr->lhs;
  ASSERT_EQ(join.items.size(), 2u);
  EXPECT_EQ(slice(text, join.items[0]->range), "\"-\"");
  const Operand& tlist = *join.items[1];
  ASSERT_EQ(tlist.items.size(), 3u);
  EXPECT_EQ(slice(text, tlist.range), "( fd.name , 'x' , 12 )");
  EXPECT_EQ(slice(text, tlist.items[0]->range), "fd.name");
  EXPECT_EQ(slice(text, tlist.items[1]->range), "'x'");
  EXPECT_EQ(slice(text, tlist.items[2]->range), "12");
  const Operand& vlist = *r.expr->rhs;
  ASSERT_EQ(vlist.items.size(), 2u);
  EXPECT_EQ(slice(text, vlist.items[0]->range), "a");
  EXPECT_EQ(slice(text, vlist.items[1]->range), "\"b c\"");
}

void expect_source(const Operand& o, uint32_t source) {
  EXPECT_EQ(o.range.source, source);
  for (const auto& i : o.items) expect_source(*i, source);
}

void expect_source(const Expr& e, uint32_t source) {
  EXPECT_EQ(e.range.source, source);
  for (const auto& c : e.children) expect_source(*c, source);
  if (e.lhs) {
    EXPECT_EQ(e.op_range.source, source);
    expect_source(*e.lhs, source);
  }
  if (e.rhs) expect_source(*e.rhs, source);
}

TEST(ParserPositions, SourceIdIsCarriedIntoEveryNode) {
  ParseResult r = parse_condition(
      "not (a.b[1] exists or m) and join('-', (x.y, b64(z.w))) in (q, 'r')", 7);
  ASSERT_TRUE(r.ok()) << r.error->message;
  expect_source(*r.expr, 7);
}

}  // namespace
}  // namespace th::cond
