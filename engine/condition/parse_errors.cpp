#include "engine/condition/parse_errors.h"

#include <cstdio>

#include "engine/condition/lexer.h"

namespace th::cond {
namespace {

std::string found(const ErrorContext& ctx) { return describe_token_at(ctx.text, ctx.pos); }

std::string last_token(const ErrorContext& ctx) {
  return std::string(ctx.text.substr(ctx.last_begin, ctx.last_end - ctx.last_begin));
}

// True when an operator (a whole word, for word operators) starts at `at`.
bool starts_operator(std::string_view text, std::size_t at) {
  std::string_view rest = text.substr(at);
  auto word_at = [&](std::string_view w) {
    if (!rest.starts_with(w)) return false;
    char after = w.size() < rest.size() ? rest[w.size()] : ' ';
    bool word_continues = is_ascii_alpha(after) || is_ascii_digit(after) || after == '_';
    return !is_ascii_alpha(w[0]) || !word_continues;
  };
  for (const auto& o : grammar::kOperators)
    if (word_at(o.text)) return true;
  return false;
}

// `last` is (in any case) a modifier word that the parser read as a value.
std::string misused_modifier(const ErrorContext& ctx, const std::string& last,
                             std::string_view word) {
  std::string w(word);
  if (ctx.last_op && op_takes_list(ctx.last_op->op))
    return "the modifier '" + w + "' cannot be used with '" + std::string(ctx.last_op->text) +
           "', which already takes a list";
  if (last != word)
    return "unexpected " + found(ctx) + " after '" + show_text(last) +
           "': modifiers are lowercase ('" + w + "')";
  return "unexpected " + found(ctx) + " after '" + last +
         "': a modifier needs a blank before it and between it and its list, e.g. '= " + w +
         " (a, b)'";
}

}  // namespace

std::string unexpected_after_expression(const ErrorContext& ctx, std::string_view expected) {
  std::string_view rest = ctx.text.substr(ctx.pos);
  char c = rest.empty() ? '\0' : rest[0];
  std::string last = last_token(ctx);
  if (c == ')') return "unexpected ')' without a matching '('";
  // Falco reads "x or(y)" as the last operand of the 'or': no 'and' may follow it.
  if (ctx.last_end == ctx.or_paren_end && rest.starts_with("and"))
    return "'and' cannot follow 'or(...)' written without a blank: write 'or (...)'";
  if (ctx.last_kind == TokenKind::bare) {
    for (const auto& m : grammar::kModifiers)
      if (ascii_iequal(last, m.first)) return misused_modifier(ctx, last, m.first);
  }
  bool word = ctx.last_kind == TokenKind::identifier || ctx.last_kind == TokenKind::bare;
  if (c == '(' && word) {
    bool glued = ctx.last_end == ctx.pos;
    if (glued && ctx.last_kind == TokenKind::identifier && last == grammar::kValTransformer)
      return "the 'val' transformer can only be used on the right-hand side of a comparison";
    if (glued) return "unknown transformer '" + show_text(last) + "'";
    if (grammar::is_transformer_name(last) || last == grammar::kValTransformer)
      return "no blank is allowed between the transformer name '" + last + "' and '('";
  }
  if (ctx.last_kind == TokenKind::identifier && starts_operator(ctx.text, ctx.pos)) {
    std::string message(1, '\'');
    message += show_text(last);
    message += "' is a macro name, not a field (fields have a dot, e.g. proc.name), so it cannot "
               "be compared";
    return message;
  }
  if (rest.starts_with("not") && rest.size() > 3 && (is_blank(rest[3]) || rest[3] == '('))
    return "unexpected 'not' after '" + show_text(last) + "': did you mean 'and not'?";
  std::string message = "expected " + std::string(expected) + " after '" + show_text(last) +
                        "', found " + found(ctx);
  if (ctx.last_op && op_takes_list(ctx.last_op->op) && ctx.last_op_glued &&
      ctx.last_begin == ctx.last_op_begin + ctx.last_op->text.size()) {
    std::string op(ctx.last_op->text);
    message += " (note: '" + op + show_text(last) + "' reads as the operator '" + op +
               "' followed by the list name '" + show_text(last) + "')";
  }
  return message;
}

std::string missing_operator_message(const ErrorContext& ctx, const Operand& left) {
  std::string lhs =
      show_text(ctx.text.substr(left.range.begin, left.range.end - left.range.begin));
  if (ctx.pos < ctx.text.size() && ctx.text[ctx.pos] == '(' &&
      left.kind == Operand::Kind::field && !left.arg && left.range.end == ctx.pos)
    return "unknown transformer '" + lhs + "'";
  return "expected an operator after '" + lhs +
         "' (exists, =, ==, !=, <, <=, >, >=, contains, icontains, bcontains, startswith, "
         "bstartswith, endswith, glob, iglob, regex, in, intersects, pmatch), found " +
         found(ctx);
}

std::string blank_before_bracket_hint(const ErrorContext& ctx) {
  bool bracket = ctx.pos < ctx.text.size() && ctx.text[ctx.pos] == '[';
  return bracket && ctx.last_end < ctx.pos
             ? " (a field argument must follow the field name without blanks)"
             : "";
}


std::string show_text(std::string_view s, std::size_t max_len) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (out.size() >= max_len) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return out;
}

std::string describe_token_at(std::string_view text, std::size_t offset) {
  if (offset >= text.size()) return "the end of the condition";
  char c = text[offset];
  if (c == '\'' || c == '"') {
    std::size_t end = text.find(c, offset + 1);
    std::size_t len = end == std::string_view::npos ? text.size() - offset : end - offset + 1;
    std::string out = "the quoted string ";
    out += show_text(text.substr(offset, len));
    return out;
  }
  static constexpr std::string_view kSingles = "()[],=<>!";
  if (kSingles.find(c) != std::string_view::npos) return std::string{'\'', c, '\''};
  std::size_t end = offset;
  while (end < text.size() && !is_blank(text[end]) &&
         std::string_view("()[],\"'").find(text[end]) == std::string_view::npos)
    ++end;
  if (end == offset) end = offset + 1;
  std::string out = "'";
  out += show_text(text.substr(offset, end - offset));
  out += '\'';
  return out;
}

bool ascii_iequal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace th::cond
