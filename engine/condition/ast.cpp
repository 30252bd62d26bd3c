#include "engine/condition/ast.h"

#include <array>

#include "engine/condition/grammar.h"
#include "engine/condition/lexer.h"

namespace th::cond {
namespace {

// A double-quoted string that the parser reads back as `s`. Besides \\ and \", control bytes
// are escaped (a NUL would end the string). A backslash right before the closing quote would
// keep it from closing (Falco's rule), so a final backslash is written as "\ ", which Falco
// also reads as a backslash.
std::string quote(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += i + 1 == s.size() ? "\\ " : "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\x";
          out.push_back(kHex[(static_cast<unsigned char>(c) >> 4) & 0xf]);
          out.push_back(kHex[static_cast<unsigned char>(c) & 0xf]);
        } else {
          out.push_back(c);
        }
    }
  }
  out.push_back('"');
  return out;
}

std::string bracket_arg(std::string_view arg) {
  std::string out = "[";
  out += is_bare_field_arg(arg) ? std::string(arg) : quote(arg);
  out += ']';
  return out;
}

// A bare value such as "oneof\bx" (\b is a blank between tokens, yet part of a bare string)
// would read as a modifier and a list name after a blank.
bool reads_as_modifier(std::string_view text) {
  for (const auto& m : grammar::kModifiers)
    if (text.size() > m.first.size() && text.starts_with(m.first) && is_blank(text[m.first.size()]))
      return true;
  return false;
}

// 'and', 'or' and 'not' are valid macro names, but written bare they could read as keywords.
bool is_keyword(std::string_view s) { return s == "and" || s == "or" || s == "not"; }

}  // namespace

std::string_view op_name(Op op) { return grammar::op_spec(op).text; }

std::optional<Op> op_from_name(std::string_view name) {
  for (const auto& o : grammar::kOperators)
    if (o.text == name) return o.op;
  return std::nullopt;
}

bool op_is_unary(Op op) { return grammar::op_spec(op).cls == grammar::OpClass::unary; }
bool op_takes_list(Op op) { return grammar::op_spec(op).cls == grammar::OpClass::list; }

std::string_view modifier_name(Modifier m) {
  switch (m) {
    case Modifier::none: return "";
    case Modifier::oneof: return "oneof";
    case Modifier::anyof: return "anyof";
    case Modifier::allof: return "allof";
  }
  return "";
}

OperandPtr Operand::make_field(std::string name, std::optional<std::string> arg, SrcRange r,
                               SrcRange arg_range) {
  auto o = std::make_shared<Operand>();
  o->kind = Kind::field;
  o->name = std::move(name);
  o->arg = std::move(arg);
  o->range = r;
  o->arg_range = arg_range;
  return o;
}

OperandPtr Operand::make_literal(std::string text, bool quoted, SrcRange r) {
  auto o = std::make_shared<Operand>();
  o->kind = Kind::literal;
  o->text = std::move(text);
  o->quoted = quoted;
  o->range = r;
  return o;
}

OperandPtr Operand::make_list(std::vector<OperandPtr> items, SrcRange r) {
  auto o = std::make_shared<Operand>();
  o->kind = Kind::list;
  o->items = std::move(items);
  o->range = r;
  return o;
}

OperandPtr Operand::make_transformer(std::string name, std::vector<OperandPtr> args, SrcRange r,
                                     std::optional<std::string> arg, SrcRange arg_range) {
  auto o = std::make_shared<Operand>();
  o->kind = Kind::transformer;
  o->name = std::move(name);
  o->items = std::move(args);
  o->range = r;
  o->arg = std::move(arg);
  o->arg_range = arg_range;
  return o;
}

ExprPtr Expr::make_and(std::vector<ExprPtr> children, SrcRange r) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::and_;
  e->children = std::move(children);
  e->range = r;
  return e;
}

ExprPtr Expr::make_or(std::vector<ExprPtr> children, SrcRange r) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::or_;
  e->children = std::move(children);
  e->range = r;
  return e;
}

ExprPtr Expr::make_not(ExprPtr child, SrcRange r) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::not_;
  e->children.push_back(std::move(child));
  e->range = r;
  return e;
}

ExprPtr Expr::make_identifier(std::string name, SrcRange r) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::identifier;
  e->name = std::move(name);
  e->range = r;
  return e;
}

ExprPtr Expr::make_unary(OperandPtr lhs, Op op, SrcRange op_range, SrcRange r) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::unary;
  e->lhs = std::move(lhs);
  e->op = op;
  e->op_range = op_range;
  e->range = r;
  return e;
}

ExprPtr Expr::make_binary(OperandPtr lhs, Op op, SrcRange op_range, Modifier mod,
                          OperandPtr rhs, SrcRange r) {
  auto e = std::make_shared<Expr>();
  e->kind = Kind::binary;
  e->lhs = std::move(lhs);
  e->op = op;
  e->op_range = op_range;
  e->modifier = mod;
  e->rhs = std::move(rhs);
  e->range = r;
  return e;
}

std::string to_string(const Operand& o) {
  switch (o.kind) {
    case Operand::Kind::field: {
      std::string s = o.name;
      if (o.arg) s += bracket_arg(*o.arg);
      return s;
    }
    case Operand::Kind::literal:
      // Unquoted literals come from bare strings, numbers and list names, all bare-safe.
      return (o.quoted || !is_bare_string(o.text)) ? quote(o.text) : o.text;
    case Operand::Kind::list: {
      std::string s = "(";
      for (std::size_t i = 0; i < o.items.size(); ++i) {
        if (i) s += ", ";
        s += to_string(*o.items[i]);
      }
      return s + ")";
    }
    case Operand::Kind::transformer: {
      std::string s = o.name + "(";
      for (std::size_t i = 0; i < o.items.size(); ++i) {
        if (i) s += ", ";
        s += to_string(*o.items[i]);
      }
      s += ")";
      if (o.arg) s += bracket_arg(*o.arg);
      return s;
    }
  }
  return {};
}

std::string to_string(const Expr& e) {
  switch (e.kind) {
    case Expr::Kind::and_:
    case Expr::Kind::or_: {
      std::string s = "(";
      for (std::size_t i = 0; i < e.children.size(); ++i) {
        if (i) s += e.kind == Expr::Kind::and_ ? " and " : " or ";
        s += to_string(*e.children[i]);
      }
      return s + ")";
    }
    case Expr::Kind::not_: {
      // "not not x" would read back as x: Falco cancels out pairs of 'not'.
      const Expr& child = *e.children[0];
      if (child.kind == Expr::Kind::not_) return "not (" + to_string(child) + ")";
      return "not " + to_string(child);
    }
    case Expr::Kind::identifier:
      return is_keyword(e.name) ? "(" + e.name + ")" : e.name;
    case Expr::Kind::unary:
      return to_string(*e.lhs) + " " + std::string(op_name(e.op));
    case Expr::Kind::binary: {
      std::string s = to_string(*e.lhs);
      std::string_view op = op_name(e.op);
      s += ' ';
      s += op;
      const Operand& rhs = *e.rhs;
      if (e.modifier == Modifier::none && rhs.kind == Operand::Kind::literal && !rhs.quoted &&
          reads_as_modifier(rhs.text)) {
        // Written right after '=' or '!=' this is a plain value, as in the source; a word
        // operator needs a blank, so there only quotes keep it a value.
        if (!is_ascii_alpha(op[0])) return s + rhs.text;
        return s + " " + quote(rhs.text);
      }
      s += ' ';
      if (e.modifier != Modifier::none) {
        s += modifier_name(e.modifier);
        s += ' ';
      }
      return s + to_string(rhs);
    }
  }
  return {};
}

bool equal(const Operand& a, const Operand& b) {
  if (a.kind != b.kind || a.name != b.name || a.arg != b.arg || a.text != b.text ||
      a.items.size() != b.items.size())
    return false;
  if (a.kind == Operand::Kind::literal && a.quoted != b.quoted) return false;
  for (std::size_t i = 0; i < a.items.size(); ++i)
    if (!equal(*a.items[i], *b.items[i])) return false;
  return true;
}

bool equal(const Expr& a, const Expr& b) {
  if (a.kind != b.kind || a.name != b.name || a.children.size() != b.children.size()) return false;
  for (std::size_t i = 0; i < a.children.size(); ++i)
    if (!equal(*a.children[i], *b.children[i])) return false;
  if (a.kind == Expr::Kind::unary || a.kind == Expr::Kind::binary) {
    if (a.op != b.op || a.modifier != b.modifier || !equal(*a.lhs, *b.lhs)) return false;
    if (a.kind == Expr::Kind::binary && !equal(*a.rhs, *b.rhs)) return false;
  }
  return true;
}

}  // namespace th::cond
