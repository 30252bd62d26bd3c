// A recursive-descent parser that follows libsinsp's filter parser function by function, so that
// it accepts and rejects exactly what Falco does (including its rules about blanks: `a andb`
// fails, `(a)and(b)` parses, `not(a)` parses, `b64 (x.y)` fails), builds th::cond nodes with source
// ranges, and reports the first error with its byte offset and a precise message.
//
// Grammar (Falco's, with libs 0.25 additions):
//   Expr      := Or
//   Or        := And { 'or' (blank And | '(' Expr ')') }
//   And       := Not { 'and' (blank Not | '(' Expr ')') }
//   Not       := { 'not' space+ } ( 'not(' Expr ')' | Check )     -- pairs of 'not' cancel out
//   Check     := '(' Expr ')' | Operand Condition | identifier
//   Operand   := fieldname ['[' arg ']'] | transformer '(' TArgs ')' ['[' arg ']']
//   Condition := 'exists' | numop NumValue | strop [modifier] StrValue | listop ListValue
//   TArgs     := TArg { ',' TArg };  TArg := number | quoted | '(' TList ')' | transformer | field
//   StrValue  := val(field) | transformer | quoted | bare;  NumValue := val | transformer | number
//   ListValue := '(' [item {',' item}] ')' | val | transformer | identifier
// Depth is counted per parsing function, as Falco does, and limited to kMaxParseDepth.
#include "engine/condition/parser.h"

#include <array>
#include <utility>

#include "engine/condition/lexer.h"
#include "engine/condition/grammar.h"
#include "engine/condition/parse_errors.h"

namespace th::cond {
namespace {

struct ParseFailure {
  std::size_t offset;
  std::string message;
};

using grammar::kListOps;
using grammar::kModifiers;
using grammar::kNumOps;
using grammar::kStrOps;
using grammar::kTransformers;
using grammar::OpSpec;

class Parser {
 public:
  Parser(std::string_view text, uint32_t source) : lex_(text), text_(text), source_(source) {}

  ExprPtr parse() {
    if (text_.empty()) fail(0, "the condition is empty");
    if (text_.size() > UINT32_MAX / 2) fail(0, "the condition is too long");
    std::size_t first = text_.find_first_not_of(" \t\b\r\n");
    if (first == std::string_view::npos) fail(0, "the condition is empty (only blanks)");
    ExprPtr e = parse_or();
    if (!lex_.at_end())
      fail(lex_.pos(), unexpected_after_expression("'and', 'or' or the end of the condition"));
    return e;
  }

 private:
  // Counts the parsing functions on the stack, like Falco's depth guard.
  class Depth {
   public:
    explicit Depth(Parser& p) : p_(p) {
      if (++p_.depth_ >= kMaxParseDepth)
        p_.fail(p_.lex_.pos(), "the condition is nested too deeply (parser depth limit of " +
                                   std::to_string(kMaxParseDepth) + " reached)");
    }
    ~Depth() { --p_.depth_; }
    Depth(const Depth&) = delete;
    Depth& operator=(const Depth&) = delete;

   private:
    Parser& p_;
  };

  [[noreturn]] void fail(std::size_t offset, std::string message) {
    throw ParseFailure{offset, std::move(message)};
  }

  SrcRange range(std::size_t begin, std::size_t end) const {
    return {source_, static_cast<uint32_t>(begin), static_cast<uint32_t>(end)};
  }

  // Consumes a token of `n` bytes and remembers it (for ranges and messages).
  std::string_view take(std::size_t n, TokenKind kind = TokenKind::other) {
    last_begin_ = lex_.pos();
    lex_.advance(n);
    last_end_ = lex_.pos();
    last_kind_ = kind;
    return text_.substr(last_begin_, n);
  }

  // ---- boolean structure -------------------------------------------------------------------

  ExprPtr parse_or() {
    Depth d(*this);
    lex_.skip_blanks();
    std::size_t begin = lex_.pos();
    std::vector<ExprPtr> children{parse_and()};
    lex_.skip_blanks();
    while (lex_.starts_with("or")) {
      take(2);
      children.push_back(parse_after_keyword("or", [this] { return parse_and(); }));
      lex_.skip_blanks();
    }
    if (children.size() == 1) return children[0];
    return Expr::make_or(std::move(children), range(begin, last_end_));
  }

  ExprPtr parse_and() {
    Depth d(*this);
    lex_.skip_blanks();
    std::size_t begin = lex_.pos();
    std::vector<ExprPtr> children{parse_not()};
    lex_.skip_blanks();
    while (lex_.starts_with("and")) {
      take(3);
      children.push_back(parse_after_keyword("and", [this] { return parse_not(); }));
      lex_.skip_blanks();
    }
    if (children.size() == 1) return children[0];
    return Expr::make_and(std::move(children), range(begin, last_end_));
  }

  // After 'and'/'or' Falco wants a blank (then the next operand) or a parenthesized expression.
  template <typename Next>
  ExprPtr parse_after_keyword(std::string_view keyword, Next next) {
    if (lex_.skip_blanks()) return next();
    if (lex_.peek() == '(') {
      take(1);
      ExprPtr e = parse_embedded_remainder();
      if (keyword == "or") or_paren_end_ = last_end_;
      return e;
    }
    fail(lex_.pos(), "expected a blank or '(' after '" + std::string(keyword) + "', found " +
                         found());
  }

  ExprPtr parse_not() {
    Depth d(*this);
    lex_.skip_blanks();
    std::size_t begin = lex_.pos();
    bool negate = false;
    while (std::size_t n = lex_.match_not_blank()) {
      take(3);
      lex_.advance(n - 3);
      negate = !negate;
    }
    ExprPtr child;
    if (lex_.starts_with("not(")) {
      negate = !negate;
      take(4);
      child = parse_embedded_remainder();
    } else {
      child = parse_check();
    }
    return negate ? Expr::make_not(std::move(child), range(begin, last_end_)) : child;
  }

  // Parses the rest of "( Expr )" once '(' has been consumed.
  ExprPtr parse_embedded_remainder() {
    Depth d(*this);
    lex_.skip_blanks();
    ExprPtr child = parse_or();
    lex_.skip_blanks();
    if (lex_.peek() != ')')
      fail(lex_.pos(), unexpected_after_expression("')' to close '('"));
    take(1);
    return child;
  }

  ExprPtr parse_check() {
    Depth d(*this);
    lex_.skip_blanks();
    std::size_t begin = lex_.pos();
    if (lex_.peek() == '(') {
      take(1);
      return parse_embedded_remainder();
    }
    if (std::size_t n = lex_.match_field_name()) {
      take(n);
      return parse_condition(parse_field_remainder(begin));
    }
    if (auto name = match_transformer_open()) {
      take(name->size() + 1);
      return parse_condition(parse_transformer_remainder(*name, begin));
    }
    if (lex_.starts_with("val("))
      fail(begin, "the 'val' transformer can only be used on the right-hand side of a comparison");
    if (std::size_t n = lex_.match_identifier()) {
      std::string_view name = take(n, TokenKind::identifier);
      return Expr::make_identifier(std::string(name), range(begin, last_end_));
    }
    fail(begin, "expected '(', a field check or a macro name, found " + found());
  }

  // ---- operands ----------------------------------------------------------------------------

  std::optional<std::string_view> match_transformer_open() const {
    for (std::string_view t : kTransformers)
      if (lex_.starts_with(t) && lex_.peek(t.size()) == '(') return t;
    return std::nullopt;
  }

  // The field name (already consumed, starting at `begin`) and its optional [argument].
  OperandPtr parse_field_remainder(std::size_t begin) {
    Depth d(*this);
    std::string name(text_.substr(begin, last_end_ - begin));
    std::optional<std::string> arg;
    SrcRange arg_range;
    parse_optional_bracket_arg(arg, arg_range);
    return Operand::make_field(std::move(name), std::move(arg), range(begin, last_end_), arg_range);
  }

  // `[arg]` right after a field or a transformer (no blank before '[').
  void parse_optional_bracket_arg(std::optional<std::string>& arg, SrcRange& arg_range) {
    if (lex_.peek() != '[') return;
    take(1);
    std::size_t arg_begin = lex_.pos();
    QuotedToken q = lex_.lex_quoted();
    if (q.status == QuotedToken::Status::error) fail(q.error_offset, q.error);
    if (q.status == QuotedToken::Status::ok) {
      take(q.length);
      arg = std::move(q.value);
    } else if (std::size_t n = lex_.match_field_arg_bare()) {
      arg = std::string(take(n));
    } else {
      fail(lex_.pos(), "expected a valid field argument: a quoted string or a bare string");
    }
    arg_range = range(arg_begin, last_end_);
    if (lex_.peek() != ']') fail(lex_.pos(), "expected a ']' token");
    take(1);
  }

  // After "name(": arguments, ')' and an optional [argument].
  OperandPtr parse_transformer_remainder(std::string_view name, std::size_t begin) {
    Depth d(*this);
    lex_.skip_blanks();
    std::vector<OperandPtr> args;
    args.push_back(parse_transformer_arg());
    lex_.skip_blanks();
    while (lex_.peek() == ',') {
      take(1);
      args.push_back(parse_transformer_arg());
      lex_.skip_blanks();
    }
    lex_.skip_blanks();
    if (lex_.peek() != ')')
      fail(lex_.pos(), "expected ')' to close '" + std::string(name) + "(', found " + found() +
                           blank_before_bracket_hint());
    take(1);
    std::optional<std::string> arg;
    SrcRange arg_range;
    parse_optional_bracket_arg(arg, arg_range);
    return Operand::make_transformer(std::string(name), std::move(args), range(begin, last_end_),
                                     std::move(arg), arg_range);
  }

  OperandPtr parse_transformer_arg() {
    Depth d(*this);
    lex_.skip_blanks();
    std::size_t begin = lex_.pos();
    if (std::size_t n = lex_.match_any_number())
      return bare_literal(n);
    if (OperandPtr q = try_quoted_literal()) return q;
    if (lex_.peek() == '(') {
      take(1);
      return parse_transformer_list(begin);
    }
    if (auto name = match_transformer_open()) {
      take(name->size() + 1);
      return parse_transformer_remainder(*name, begin);
    }
    if (std::size_t n = lex_.match_field_name()) {
      take(n);
      return parse_field_remainder(begin);
    }
    if (lex_.starts_with("val("))
      fail(begin, "the 'val' transformer cannot be nested inside another transformer");
    fail(begin,
         "expected a transformer argument (a field, a transformer, a quoted string, a number or "
         "a list), found " + found());
  }

  // After '(' inside transformer arguments: fields, transformers, quoted strings and numbers.
  OperandPtr parse_transformer_list(std::size_t begin) {
    lex_.skip_blanks();
    std::vector<OperandPtr> items;
    if (lex_.peek() != ')') {
      items.push_back(parse_transformer_list_item());
      lex_.skip_blanks();
      while (lex_.peek() == ',') {
        take(1);
        lex_.skip_blanks();
        items.push_back(parse_transformer_list_item());
        lex_.skip_blanks();
      }
      if (lex_.peek() != ')')
        fail(lex_.pos(), "expected ',' or ')' to close the list, found " + found());
    }
    take(1);
    return Operand::make_list(std::move(items), range(begin, last_end_));
  }

  OperandPtr parse_transformer_list_item() {
    std::size_t begin = lex_.pos();
    if (std::size_t n = lex_.match_field_name()) {
      take(n);
      return parse_field_remainder(begin);
    }
    if (auto name = match_transformer_open()) {
      take(name->size() + 1);
      return parse_transformer_remainder(*name, begin);
    }
    if (OperandPtr q = try_quoted_literal()) return q;
    if (std::size_t n = lex_.match_any_number())
      return bare_literal(n);
    std::string why = lex_.peek() == '(' ? " (lists cannot be nested)"
                      : lex_.match_bare_string() ? " (quote strings inside a transformer list)"
                                                 : "";
    fail(begin,
         "expected a list item (a field, a transformer, a quoted string or a number), found " +
             found() + why);
  }

  // The `n` bytes at the cursor as an unquoted literal (a bare string, a number, a list name).
  OperandPtr bare_literal(std::size_t n, TokenKind kind = TokenKind::other) {
    std::size_t begin = lex_.pos();
    std::string text(take(n, kind));
    return Operand::make_literal(std::move(text), false, range(begin, last_end_));
  }

  // A quoted string at the cursor as a literal, or null when there is no quote here.
  OperandPtr try_quoted_literal() {
    std::size_t begin = lex_.pos();
    QuotedToken q = lex_.lex_quoted();
    if (q.status == QuotedToken::Status::none) return nullptr;
    if (q.status == QuotedToken::Status::error) fail(q.error_offset, q.error);
    take(q.length);
    return Operand::make_literal(std::move(q.value), true, range(begin, last_end_));
  }

  // ---- checks ------------------------------------------------------------------------------

  template <std::size_t N>
  const OpSpec* lex_operator(const std::array<OpSpec, N>& ops) {
    for (const OpSpec& o : ops) {
      if (!lex_.starts_with(o.text)) continue;
      std::size_t at = lex_.pos();
      take(o.text.size());
      // Falco would give up here and go on looking for a list operator from the moved cursor
      // (so `x.y containsin (a)` parsed as `in`); a missing blank is an error instead.
      if (o.needs_blank && !lex_.skip_blanks())
        fail(lex_.pos(), "expected a blank after the operator '" + std::string(o.text) +
                             "', found " + found());
      op_begin_ = at;
      return &o;
    }
    return nullptr;
  }

  ExprPtr parse_condition(OperandPtr left) {
    Depth d(*this);
    lex_.skip_blanks();
    std::size_t begin = left->range.begin;
    std::size_t at = lex_.pos();
    for (const OpSpec& u : grammar::kUnaryOps) {
      if (!lex_.starts_with(u.text)) continue;
      take(u.text.size());
      return Expr::make_unary(std::move(left), u.op, range(at, last_end_),
                              range(begin, last_end_));
    }
    OperandPtr right;
    Modifier mod = Modifier::none;
    const OpSpec* op = nullptr;
    glued_list_op_ = false;
    if ((op = lex_operator(kNumOps))) {
      right = parse_num_value(*op);
    } else if ((op = lex_operator(kStrOps))) {
      std::size_t op_end = op_begin_ + op->text.size();
      lex_.skip_blanks();
      mod = lex_modifier(lex_.pos() > op_end);
      right = mod != Modifier::none ? parse_list_value(*op, true) : parse_str_value(*op);
    } else if ((op = lex_operator(kListOps))) {
      // Falco needs no blank after these, so `x.y inlist` is `x.y in list`.
      glued_list_op_ = lex_.match_identifier() > 0;
      right = parse_list_value(*op, false);
    } else {
      fail(at, missing_operator_message(context(), *left));
    }
    last_op_ = op;
    SrcRange op_range = range(op_begin_, op_begin_ + op->text.size());
    return Expr::make_binary(std::move(left), op->op, op_range, mod, std::move(right),
                             range(begin, last_end_));
  }

  // `oneof`/`anyof`/`allof` count as a modifier only with a blank before and after them and a
  // list or list name after that (not 'and'/'or'); otherwise the word is a plain value, so that
  // `x.y = oneof and z` still compares against the string "oneof".
  Modifier lex_modifier(bool blank_before) {
    if (!blank_before) return Modifier::none;
    for (const auto& [word, mod] : kModifiers) {
      if (!lex_.starts_with(word)) continue;
      std::size_t after = lex_.pos() + word.size();
      std::size_t next = after;
      while (next < text_.size() && is_blank(text_[next])) ++next;
      if (next == after || next >= text_.size()) return Modifier::none;
      if (text_[next] != '(') {
        std::size_t n = lex_.match_identifier_at(next);
        std::string_view ident = text_.substr(next, n);
        if (n == 0 || ident == "and" || ident == "or") return Modifier::none;
      }
      take(word.size());
      lex_.set_pos(next);
      return mod;
    }
    return Modifier::none;
  }

  OperandPtr parse_num_value(const OpSpec& op) {
    Depth d(*this);
    lex_.skip_blanks();
    std::size_t begin = lex_.pos();
    if (OperandPtr t = try_parse_transformer_or_val()) return t;
    if (std::size_t n = lex_.match_any_number())
      return bare_literal(n);
    std::string hint;
    for (const auto& m : kModifiers)
      if (lex_.starts_with(m.first)) hint = " (modifiers only apply to string operators)";
    fail(begin, "expected a number or a transformer after '" + std::string(op.text) +
                    "', found " + found() + hint);
  }

  OperandPtr parse_str_value(const OpSpec& op) {
    Depth d(*this);
    lex_.skip_blanks();
    std::size_t begin = lex_.pos();
    if (OperandPtr t = try_parse_transformer_or_val()) return t;
    if (OperandPtr q = try_quoted_literal()) return q;
    if (std::size_t n = lex_.match_bare_string())
      return bare_literal(n, TokenKind::bare);
    fail(begin, "expected a string value or a transformer after '" + std::string(op.text) +
                    "', found " + found());
  }

  // The right side of in/intersects/pmatch, or of a modifier (`with_modifier`, no transformer).
  OperandPtr parse_list_value(const OpSpec& op, bool with_modifier) {
    Depth d(*this);
    lex_.skip_blanks();
    std::size_t begin = lex_.pos();
    if (lex_.peek() == '(') {
      take(1);
      return parse_value_list(begin);
    }
    if (!with_modifier)
      if (OperandPtr t = try_parse_transformer_or_val()) return t;
    if (std::size_t n = lex_.match_identifier())
      return bare_literal(n, TokenKind::bare);
    fail(begin, "expected a list '(...)', a list name or a transformer after '" +
                    std::string(op.text) + "', found " + found());
  }

  // After '(' of a value list: quoted or bare strings separated by commas.
  OperandPtr parse_value_list(std::size_t begin) {
    lex_.skip_blanks();
    std::vector<OperandPtr> items;
    QuotedToken q = lex_.lex_quoted();
    if (q.status != QuotedToken::Status::none || lex_.match_bare_string()) {
      items.push_back(parse_value_list_item());
      lex_.skip_blanks();
      while (lex_.peek() == ',') {
        take(1);
        items.push_back(parse_value_list_item());
        lex_.skip_blanks();
      }
    }
    if (lex_.peek() != ')') {
      std::string why;
      if (lex_.peek() == '(' && last_kind_ == TokenKind::bare && last_end_ == lex_.pos())
        why = " (a list holds strings only: transformers cannot be used in it)";
      fail(lex_.pos(), std::string(items.empty() ? "expected a list item or ')'"
                                                 : "expected ',' or ')' to close the list") +
                           ", found " + found() + why);
    }
    take(1);
    return Operand::make_list(std::move(items), range(begin, last_end_));
  }

  OperandPtr parse_value_list_item() {
    Depth d(*this);
    lex_.skip_blanks();
    std::size_t begin = lex_.pos();
    if (OperandPtr q = try_quoted_literal()) return q;
    if (std::size_t n = lex_.match_bare_string())
      return bare_literal(n, TokenKind::bare);
    fail(begin, "expected a list item (a quoted or bare string) after ',', found " + found());
  }

  // val(field) or a transformer on the right-hand side; null when neither starts here.
  OperandPtr try_parse_transformer_or_val() {
    Depth d(*this);
    lex_.skip_blanks();
    std::size_t begin = lex_.pos();
    if (lex_.starts_with("val(")) {
      take(4);
      lex_.skip_blanks();
      std::size_t field_begin = lex_.pos();
      std::size_t n = lex_.match_field_name();
      if (n == 0)
        fail(field_begin, "expected a field inside 'val(', found " + found() +
                              (match_transformer_open() || lex_.starts_with("val(")
                                   ? " ('val' can only wrap a field)"
                                   : ""));
      take(n);
      OperandPtr field = parse_field_remainder(field_begin);
      lex_.skip_blanks();
      if (lex_.peek() != ')')
        fail(lex_.pos(), "expected ')' to close 'val(', found " + found() +
                             blank_before_bracket_hint());
      take(1);
      std::optional<std::string> arg;
      SrcRange arg_range;
      parse_optional_bracket_arg(arg, arg_range);
      return Operand::make_transformer("val", {std::move(field)}, range(begin, last_end_),
                                       std::move(arg), arg_range);
    }
    if (auto name = match_transformer_open()) {
      take(name->size() + 1);
      return parse_transformer_remainder(*name, begin);
    }
    return nullptr;
  }

  // ---- messages ----------------------------------------------------------------------------

  ErrorContext context() const {
    return {text_, lex_.pos(), last_begin_, last_end_, last_kind_, last_op_, op_begin_,
            glued_list_op_, or_paren_end_};
  }
  std::string found() const { return describe_token_at(text_, lex_.pos()); }
  std::string unexpected_after_expression(std::string_view expected) const {
    return th::cond::unexpected_after_expression(context(), expected);
  }
  std::string blank_before_bracket_hint() const {
    return th::cond::blank_before_bracket_hint(context());
  }

  Lexer lex_;
  std::string_view text_;
  uint32_t source_;
  unsigned depth_ = 0;
  std::size_t last_begin_ = 0;
  std::size_t last_end_ = 0;
  TokenKind last_kind_ = TokenKind::none;
  std::size_t op_begin_ = 0;
  const OpSpec* last_op_ = nullptr;
  bool glued_list_op_ = false;
  std::size_t or_paren_end_ = std::string_view::npos;
};

}  // namespace

ParseResult parse_condition(std::string_view text, uint32_t source) {
  ParseResult result;
  try {
    Parser parser(text, source);
    result.expr = parser.parse();
  } catch (const ParseFailure& f) {
    result.error = ParseError{static_cast<uint32_t>(f.offset), f.message};
  }
  return result;
}

}  // namespace th::cond
