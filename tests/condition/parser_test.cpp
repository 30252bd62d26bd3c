// Table-driven tests of the condition parser: tree shapes (through to_string and equal),
// precedence, unescaping, error offsets and messages, the depth limit and Falco's quirks.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "engine/condition/parser.h"

namespace th::cond {
namespace {

std::string parse_to_string(std::string_view text) {
  ParseResult r = parse_condition(text);
  if (!r.ok()) return "error@" + std::to_string(r.error->offset) + ": " + r.error->message;
  return to_string(*r.expr);
}

// The canonical text shows the tree: and/or groups in parentheses, '=' for '==', one space.
struct ShapeCase {
  const char* text;
  const char* shape;
};

const ShapeCase kShapes[] = {
    {"a", "a"},
    {"  (a)  ", "a"},
    {"a and b and(c)", "(a and b and c)"},
    {"(a)and(b)and(c)", "(a and b and c)"},
    {"(a and b) and c", "((a and b) and c)"},
    {"a.a=1 or b.b=2 and c", "(a.a = 1 or (b.b = 2 and c))"},
    {"a and b or c and d", "((a and b) or (c and d))"},
    {"not a and b", "(not a and b)"},
    {"not (a and b)", "not (a and b)"},
    {"not not a", "a"},
    {"not not not a", "not a"},
    {"not(a)and(not(b))", "(not a and not b)"},
    {"not not not not not(not not(not not_macro))", "not (not not_macro)"},
    {"a and notb", "(a and notb)"},
    {"macro and not not_macro", "(macro and not not_macro)"},
    {"a.b = not", "a.b = not"},
    {"test.op existsand macro", "(test.op exists and macro)"},
    {"proc.name == nginx", "proc.name = nginx"},
    {"proc.name=nginx", "proc.name = nginx"},
    {"fd.name=*.log", "fd.name = *.log"},
    {"test.num <= 0XaB00AB", "test.num <= 0XaB00AB"},
    {"test.num > -0.1222e+10", "test.num > -0.1222e+10"},
    {"test.str = !0.1222e+10", "test.str = !0.1222e+10"},
    {"test.str = 'test value'", "test.str = \"test value\""},
    {"a.g in (1, 'a', b.c)", "a.g in (1, \"a\", b.c)"},
    {"test.op in()", "test.op in ()"},
    {"x.y in my_list", "x.y in my_list"},
    {"x.y inmy_list", "x.y in my_list"},  // Falco needs no blank after 'in'
    {"evt.arg[0] contains /bin", "evt.arg[0] contains /bin"},
    {"test.str[ \"a b\" ] = x", "error@9: expected a valid field argument: a quoted string or a bare string"},
    {"test.str['a aa'] = a", "test.str[\"a aa\"] = a"},
    {"test.str[\"\"] = empty", "test.str[\"\"] = empty"},
    {"b64( b64(test.field) ) exists", "b64(b64(test.field)) exists"},
    {"some.field in val(test.field)", "some.field in val(test.field)"},
    {"some.field = b64 and(m)", "(some.field = b64 and m)"},
    {"join( \"-\" , ( fd.name , fd.directory ) ) = /tmp", "join(\"-\", (fd.name, fd.directory)) = /tmp"},
    {"join(\"-\", ()) = /tmp", "join(\"-\", ()) = /tmp"},
    {"join(\"-\", (proc.pid, 123)) contains 123", "join(\"-\", (proc.pid, 123)) contains 123"},
    {"concat(fd.name, \"aaa\", fd.directory) = x", "concat(fd.name, \"aaa\", fd.directory) = x"},
    {"getopt(proc.args, \"nt:\")[t] = value", "getopt(proc.args, \"nt:\")[t] = value"},
    {"getopt((\"-n\",\"\"), \"n\") intersects (\"n\")", "getopt((\"-n\", \"\"), \"n\") intersects (\"n\")"},
    {"toupper(fd.name)[x] = foo", "toupper(fd.name)[x] = foo"},  // the compiler rejects it
    {"fd.name = val(proc.name)[x]", "fd.name = val(proc.name)[x]"},
    {"proc.name == oneof (cat, nginx)", "proc.name = oneof (cat, nginx)"},
    {"proc.name startswith anyof (/etc/, /tmp/)", "proc.name startswith anyof (/etc/, /tmp/)"},
    {"proc.name != allof my_list", "proc.name != allof my_list"},
    {"proc.name == oneof oneof", "proc.name = oneof oneof"},
    {"proc.name == oneof ()", "proc.name = oneof ()"},
    {"proc.name == oneof", "proc.name = oneof"},
    {"proc.name == oneof and fd.name exists", "(proc.name = oneof and fd.name exists)"},
    {"(proc.name == anyof) and fd.name exists", "(proc.name = anyof and fd.name exists)"},
    {"proc.name == oneof_something", "proc.name = oneof_something"},
    {"proc.name == 'oneof'", "proc.name = \"oneof\""},
    {"and", "(and)"},  // keywords are valid macro names on their own
    {"a.b = \"x\\ty\"", "a.b = \"x\\ty\""},
};

TEST(Parser, BuildsTheExpectedTree) {
  for (const auto& c : kShapes) EXPECT_EQ(parse_to_string(c.text), c.shape) << c.text;
}

TEST(Parser, PrecedenceAndBindsTighterThanOr) {
  ParseResult r = parse_condition("a.a=1 or b.b=2 and c");
  ASSERT_TRUE(r.ok());
  const Expr& top = *r.expr;
  ASSERT_EQ(top.kind, Expr::Kind::or_);
  ASSERT_EQ(top.children.size(), 2u);
  EXPECT_EQ(top.children[0]->kind, Expr::Kind::binary);
  EXPECT_EQ(top.children[0]->lhs->name, "a.a");
  const Expr& and_ = *top.children[1];
  ASSERT_EQ(and_.kind, Expr::Kind::and_);
  ASSERT_EQ(and_.children.size(), 2u);
  EXPECT_EQ(and_.children[0]->lhs->name, "b.b");
  EXPECT_EQ(and_.children[1]->kind, Expr::Kind::identifier);
  EXPECT_EQ(and_.children[1]->name, "c");
}

TEST(Parser, SameTreeForEquivalentSpellings) {
  const std::pair<const char*, const char*> kSame[] = {
      {"a and b and c", "(a and b and c)"},
      {"a and b and c", "a\nand\tb\r\nand  c"},
      {"not (a)", "not(a)"},
      {"x.y = 'v'", "x.y = \"v\""},
      {"x.y == v", "x.y = v"},
      {"x.y in (a,b)", "x.y in ( a , b )"},
      {"b64(test.field) exists", "b64( test.field ) exists"},
      {"proc.name == oneof (a)", "proc.name =\toneof\n(a)"},
  };
  for (const auto& [a, b] : kSame) {
    ParseResult ra = parse_condition(a), rb = parse_condition(b);
    ASSERT_TRUE(ra.ok() && rb.ok()) << a << " / " << b;
    EXPECT_TRUE(equal(*ra.expr, *rb.expr)) << a << " vs " << b;
  }
  ParseResult q = parse_condition("x.y = v"), uq = parse_condition("x.y = 'v'");
  EXPECT_FALSE(equal(*q.expr, *uq.expr)) << "quoted and bare literals differ";
}

TEST(Parser, NodeKindsAndFields) {
  ParseResult r = parse_condition("proc.aname[2] != oneof (bash, 'sh')");
  ASSERT_TRUE(r.ok());
  const Expr& e = *r.expr;
  EXPECT_EQ(e.kind, Expr::Kind::binary);
  EXPECT_EQ(e.op, Op::ne);
  EXPECT_EQ(e.modifier, Modifier::oneof);
  EXPECT_EQ(e.lhs->kind, Operand::Kind::field);
  EXPECT_EQ(e.lhs->name, "proc.aname");
  EXPECT_EQ(e.lhs->arg, "2");
  ASSERT_EQ(e.rhs->kind, Operand::Kind::list);
  ASSERT_EQ(e.rhs->items.size(), 2u);
  EXPECT_FALSE(e.rhs->items[0]->quoted);
  EXPECT_TRUE(e.rhs->items[1]->quoted);
  EXPECT_EQ(e.rhs->items[1]->text, "sh");

  ParseResult u = parse_condition("test.str exists");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u.expr->kind, Expr::Kind::unary);
  EXPECT_EQ(u.expr->op, Op::exists);
  EXPECT_FALSE(u.expr->lhs->arg.has_value());

  ParseResult empty_arg = parse_condition("test.str[\"\"] = v");
  ASSERT_TRUE(empty_arg.ok());
  EXPECT_EQ(empty_arg.expr->lhs->arg, std::string()) << "an empty argument is still present";

  ParseResult t = parse_condition("getopt(proc.args, \"nt:\")[\"t\"] = v");
  ASSERT_TRUE(t.ok());
  const Operand& g = *t.expr->lhs;
  EXPECT_EQ(g.kind, Operand::Kind::transformer);
  EXPECT_EQ(g.name, "getopt");
  EXPECT_EQ(g.arg, "t");
  ASSERT_EQ(g.items.size(), 2u);
  EXPECT_EQ(g.items[0]->kind, Operand::Kind::field);
  EXPECT_EQ(g.items[1]->text, "nt:");
}

// Quoted strings are unescaped with Falco's rules.
struct EscapeCase {
  const char* literal;  // as written after "x.y = "
  std::string value;
};

const EscapeCase kEscapes[] = {
    {"'hello \\'quoted\\''", "hello 'quoted'"},
    {"\"hello \\\"quoted\\\"\"", "hello \"quoted\""},
    {"'hello \"quoted\"'", "hello \"quoted\""},
    {"\"hello 'quoted'\"", "hello 'quoted'"},
    {"'hello \\\\'quoted\\\\''", "hello \\'quoted\\'"},
    {"'multiple escape single quote \\' \\\\''", "multiple escape single quote ' \\'"},
    {"\"bad escape \\ \"", "bad escape \\"},
    {"\"a\\\\b\"", "a\\b"},
    {"\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t"},
    {"\"\\/etc\"", "/etc"},
    {"\"\\x41\\x00z\"", std::string("A\0z", 3)},
    {"\"raw\nline\"", "raw\nline"},
    {"''", ""},
    {"\"caf\xc3\xa9\"", "caf\xc3\xa9"},
};

TEST(Parser, UnescapesQuotedStrings) {
  for (const auto& c : kEscapes) {
    std::string text = std::string("x.y = ") + c.literal;
    ParseResult r = parse_condition(text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.error->message;
    EXPECT_TRUE(r.expr->rhs->quoted) << text;
    EXPECT_EQ(r.expr->rhs->text, c.value) << text;
  }
  ParseResult arg = parse_condition("test.str[\"test \\\"with\\\"escaping\"] = a");
  ASSERT_TRUE(arg.ok());
  EXPECT_EQ(arg.expr->lhs->arg, "test \"with\"escaping");
  ParseResult bare = parse_condition("test.str = 0a!@#456:/\\.;!$%^&*[]{}|");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare.expr->rhs->text, "0a!@#456:/\\.;!$%^&*[]{}|") << "bare strings are not unescaped";
  EXPECT_FALSE(bare.expr->rhs->quoted);
}

// Errors: the byte offset of the problem and a message that names it.
struct ErrorCase {
  const char* text;
  uint32_t offset;
  const char* message;  // the message must contain this
};

const ErrorCase kErrors[] = {
    {"", 0, "the condition is empty"},
    {" \t\n", 0, "the condition is empty"},
    {"evt.arg[] = value", 8, "expected a valid field argument: a quoted string or a bare string"},
    {"evt.arg[\"x\" = value", 11, "expected a ']' token"},
    {"getopt(proc.args, \"nt:\")[] = value", 25,
     "expected a valid field argument: a quoted string or a bare string"},
    {"test.str = 'missing end quote", 11, "unterminated string"},
    {"test.str[\"x] = a", 9, "unterminated string"},
    {"x.y = \"ab\\\"", 6, "unterminated string"},  // an escaped quote does not close it
    {"x.y = \"ab\\\\\"", 6, "a quote right after a backslash never ends a string"},
    {"x.y = 'a\\q'", 8, "unsupported escape sequence \\q"},
    {"x.y = \"a\\'\"", 8, "invalid \\' escape in a \"-quoted string"},
    {"x.y = 'a\\\"'", 8, "invalid \\\" escape in a '-quoted string"},
    {"x.y = \"\\x4\"", 7, "invalid \\x escape"},
    {"x.y in (a, b", 12, "expected ',' or ')' to close the list"},
    {"x.y in (a,)", 10, "expected a list item"},
    {"x.y in (,)", 8, "expected a list item or ')'"},
    {"x.y in (a, b64(c.d))", 14, "transformers cannot be used in it"},
    {"(a.b = 1", 8, "expected ')' to close '('"},
    {"a)", 1, "unexpected ')' without a matching '('"},
    {"a andb", 5, "expected a blank or '(' after 'and'"},
    {"a orb", 4, "expected a blank or '(' after 'or'"},
    {"a not b", 2, "did you mean 'and not'"},
    {"aand b", 5, "expected 'and', 'or' or the end of the condition after 'aand', found 'b'"},
    {"#a", 0, "expected '(', a field check or a macro name, found '#a'"},
    {"foo(x.y) = 1", 3, "unknown transformer 'foo'"},
    {"some.fake.transformer(x.y) exists", 21, "unknown transformer 'some.fake.transformer'"},
    {"x.y = b64and(m)", 12, "unknown transformer 'b64and'"},
    {"b64 (x.y) exists", 4, "no blank is allowed between the transformer name 'b64' and '('"},
    {"val(x.y) exists", 0, "'val' transformer can only be used on the right-hand side"},
    {"x.y = b64(val(z.w))", 10, "'val' transformer cannot be nested"},
    {"x.y = val(b64(z.w))", 10, "expected a field inside 'val('"},
    {"x.y = val(z.w [1])", 14, "a field argument must follow the field name without blanks"},
    {"b64(x.y exists", 8, "expected ')' to close 'b64('"},
    {"b64(testfield) exists", 4, "expected a transformer argument"},
    {"join(\"-\", (m)) = x", 11, "quote strings inside a transformer list"},
    {"join(\"-\", ((f.d))) = x", 11, "lists cannot be nested"},
    {"macro > 12", 6, "'macro' is a macro name, not a field"},
    {"x.y", 3, "expected an operator after 'x.y'"},
    {"x.y ExIsTs", 4, "expected an operator after 'x.y'"},
    {"x.y containsvalue", 12, "expected a blank after the operator 'contains'"},
    {"x.y containsin (a)", 12, "expected a blank after the operator 'contains'"},
    {"x.y > a", 6, "expected a number or a transformer after '>'"},
    {"x.y > oneof (1)", 6, "modifiers only apply to string operators"},
    {"x.y = (a)", 6, "expected a string value or a transformer after '='"},
    {"x.y in", 6, "expected a list '(...)', a list name or a transformer after 'in'"},
    {"x.y ==oneof (a)", 12, "a modifier needs a blank before it"},
    {"x.y == oneof(a)", 12, "a modifier needs a blank before it"},
    {"x.y == ONEOF (a)", 13, "modifiers are lowercase"},
    {"x.y in oneof (a)", 13, "the modifier 'oneof' cannot be used with 'in'"},
    {"x.y invalidop z", 14, "reads as the operator 'in' followed by the list name 'validop'"},
    {"x.y = a or(b) and c", 14, "'and' cannot follow 'or(...)'"},
    {"a.b = b = 1", 8, "after 'b', found '='"},
};

TEST(Parser, ReportsErrorOffsetAndMessage) {
  for (const auto& c : kErrors) {
    ParseResult r = parse_condition(c.text);
    ASSERT_FALSE(r.ok()) << c.text << " parsed as " << to_string(*r.expr);
    ASSERT_TRUE(r.error.has_value());
    EXPECT_EQ(r.error->offset, c.offset) << c.text << ": " << r.error->message;
    EXPECT_NE(r.error->message.find(c.message), std::string::npos)
        << c.text << "\n  got:  " << r.error->message << "\n  want: " << c.message;
    EXPECT_EQ(r.expr, nullptr);
  }
}

std::string nested_parens(int levels) {
  return std::string(levels, '(') + "a" + std::string(levels, ')');
}

TEST(Parser, LimitsNestingDepthLikeFalco) {
  // Falco counts every parsing function on the stack (five per parenthesis level) and stops at
  // 100, so 19 levels parse and 20 do not.
  EXPECT_TRUE(parse_condition(nested_parens(10)).ok());
  EXPECT_TRUE(parse_condition(nested_parens(19)).ok());
  ParseResult deep = parse_condition(nested_parens(20));
  ASSERT_FALSE(deep.ok());
  EXPECT_NE(deep.error->message.find("nested too deeply"), std::string::npos);
  EXPECT_NE(deep.error->message.find(std::to_string(kMaxParseDepth)), std::string::npos);
  // Far beyond the limit nothing overflows the stack.
  for (int n : {100, 10000}) {
    EXPECT_FALSE(parse_condition(nested_parens(n)).ok());
    std::string transformers;
    for (int i = 0; i < n; ++i) transformers += "b64(";
    transformers += "x.y" + std::string(n, ')') + " exists";
    EXPECT_FALSE(parse_condition(transformers).ok());
    std::string nots;
    for (int i = 0; i < n; ++i) nots += "not(";
    EXPECT_FALSE(parse_condition(nots + "a" + std::string(n, ')')).ok());
  }
}

TEST(Parser, LongFlatConditionsAreNotLimited) {
  // Sequences do not nest: long 'and' chains, 'not' runs and lists parse at any length.
  std::string chain = "a0";
  std::string list = "x.y in (v0";
  for (int i = 1; i < 5000; ++i) {
    chain += " and a" + std::to_string(i);
    list += ", v" + std::to_string(i);
  }
  ParseResult r = parse_condition(chain);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.expr->children.size(), 5000u);
  ParseResult l = parse_condition(list + ")");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l.expr->rhs->items.size(), 5000u);
  std::string nots;
  for (int i = 0; i < 1001; ++i) nots += "not ";
  ParseResult n = parse_condition(nots + "a");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.expr->kind, Expr::Kind::not_);  // an odd count of 'not'
}

TEST(Parser, HandlesUnusualBytes) {
  // Falco's bare strings take valid UTF-8 but stop at invalid bytes; a NUL ends a quoted string.
  EXPECT_EQ(parse_to_string("x.y = caf\xc3\xa9"), "x.y = caf\xc3\xa9");
  EXPECT_FALSE(parse_condition("x.y = ab\xff").ok());
  EXPECT_FALSE(parse_condition(std::string("x.y = \"a\0b\"", 11)).ok());
  EXPECT_FALSE(parse_condition("x.y =\va").ok()) << "vertical tab is not a blank";
  EXPECT_TRUE(parse_condition("not\va").ok()) << "but 'not' may be followed by any white space";
}

// to_string output must read back as the same tree, including for the awkward cases.
TEST(Parser, PrintedTreesReadBackTheSame) {
  const char* kTexts[] = {
      "not (not a)",
      "(not)and b",
      "a or (and)",
      "x.y = \"ends with backslash\\ \"",
      "x.y = \"a\\\\\\\"b\"",
      "x.y = \"\\x00\\x01\\x7f\\t\"",
      "x.y[\"a]b\"] = 'c'",
      "x.y[\"\"] exists",
      "x.y[ab\xc3\xa9] exists",
      "x.y[\"\xff\"] exists",
      "getopt(a.b, \"t\")[\"x y\"] = z",
      "x.y = oneof and z",
      "x.y = oneof or z",
      "x.y = anyof",
      "x.y in and",
      "x.y = and and z",
      "join('-', (a.b, 'c', 0x1F, -1.5e+3, b64(c.d))) = q",
      "not not(not a)",
      "x.y != allof (a, 'b c', \"d\")",
      "x.y = <NA>",
      "x.y =anyof\boo",      // a bare value holding a backspace, not a modifier
      "x.y !=oneof\boneof",
  };
  for (const char* text : kTexts) {
    ParseResult r = parse_condition(text);
    ASSERT_TRUE(r.ok()) << text << ": " << r.error->message;
    std::string printed = to_string(*r.expr);
    ParseResult again = parse_condition(printed);
    ASSERT_TRUE(again.ok()) << text << " printed as " << printed << ": " << again.error->message;
    EXPECT_TRUE(equal(*r.expr, *again.expr)) << text << " printed as " << printed;
  }
}

}  // namespace
}  // namespace th::cond
