#include "engine/condition/lexer.h"

#include <re2/re2.h>

namespace th::cond {
namespace {

// The two negated classes are matched with RE2 in UTF-8 mode, exactly as Falco does, because
// that decides what happens to non-ASCII bytes: valid UTF-8 sequences belong to a bare string,
// invalid bytes end it.
const re2::RE2& bare_string_re() {
  static const re2::RE2 re("[^()\"'[:space:]=,]+", re2::RE2::POSIX);
  return re;
}

const re2::RE2& bare_field_arg_re() {
  static const re2::RE2 re("[^][\"'[:space:]]+", re2::RE2::POSIX);
  return re;
}

std::size_t match_re(const re2::RE2& re, std::string_view text, std::size_t at) {
  if (at >= text.size()) return 0;
  re2::StringPiece input(text.data(), text.size());
  re2::StringPiece match;
  if (!re.Match(input, at, text.size(), re2::RE2::ANCHOR_START, &match, 1)) return 0;
  return match.size();
}

bool is_ident_tail(char c) { return is_ascii_alpha(c) || is_ascii_digit(c) || c == '_'; }

bool is_hex_digit(char c) {
  return is_ascii_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (is_ascii_digit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

std::size_t digits_at(std::string_view t, std::size_t i) {
  std::size_t n = 0;
  while (i + n < t.size() && is_ascii_digit(t[i + n])) ++n;
  return n;
}

}  // namespace

bool is_bare_string(std::string_view s) {
  return !s.empty() && match_re(bare_string_re(), s, 0) == s.size();
}

bool is_bare_field_arg(std::string_view s) {
  return !s.empty() && match_re(bare_field_arg_re(), s, 0) == s.size();
}

bool Lexer::skip_blanks() {
  std::size_t start = pos_;
  while (pos_ < text_.size() && is_blank(text_[pos_])) ++pos_;
  return pos_ > start;
}

bool Lexer::accept(std::string_view s) {
  if (!starts_with(s)) return false;
  pos_ += s.size();
  return true;
}

std::size_t Lexer::match_identifier_at(std::size_t at) const {
  if (at >= text_.size() || !is_ascii_alpha(text_[at])) return 0;
  std::size_t i = at + 1;
  while (i < text_.size() && is_ident_tail(text_[i])) ++i;
  return i - at;
}

std::size_t Lexer::match_field_name() const {
  std::size_t n = match_identifier_at(pos_);
  if (n == 0) return 0;
  std::size_t i = pos_ + n;
  bool has_dot_part = false;
  // Greedy repetition of ('.' identifier) is the longest match here.
  while (i + 1 < text_.size() && text_[i] == '.' && is_ascii_alpha(text_[i + 1])) {
    i += 1 + match_identifier_at(i + 1);
    has_dot_part = true;
  }
  return has_dot_part ? i - pos_ : 0;
}

std::size_t Lexer::match_bare_string() const { return match_re(bare_string_re(), text_, pos_); }

std::size_t Lexer::match_field_arg_bare() const {
  return match_re(bare_field_arg_re(), text_, pos_);
}

std::size_t Lexer::match_number() const {
  std::size_t i = pos_;
  if (i < text_.size() && (text_[i] == '+' || text_[i] == '-')) ++i;
  std::size_t int_digits = digits_at(text_, i);
  if (int_digits == 0) return 0;
  i += int_digits;
  if (i < text_.size() && text_[i] == '.') ++i;
  i += digits_at(text_, i);
  // The exponent needs an explicit sign and at least one digit, else it is not part of it.
  if (i + 1 < text_.size() && (text_[i] == 'e' || text_[i] == 'E') &&
      (text_[i + 1] == '+' || text_[i + 1] == '-')) {
    std::size_t exp_digits = digits_at(text_, i + 2);
    if (exp_digits > 0) i += 2 + exp_digits;
  }
  return i - pos_;
}

std::size_t Lexer::match_hex_number() const {
  std::size_t i = pos_;
  if (i + 2 >= text_.size() || text_[i] != '0' || (text_[i + 1] != 'x' && text_[i + 1] != 'X'))
    return 0;
  std::size_t n = 0;
  while (i + 2 + n < text_.size() && is_hex_digit(text_[i + 2 + n])) ++n;
  return n > 0 ? 2 + n : 0;
}

std::size_t Lexer::match_any_number() const {
  std::size_t n = match_hex_number();
  return n ? n : match_number();
}

std::size_t Lexer::match_not_blank() const {
  if (!starts_with("not")) return 0;
  std::size_t i = pos_ + 3;
  while (i < text_.size() && is_posix_space(text_[i])) ++i;
  return i > pos_ + 3 ? i - pos_ : 0;
}

QuotedToken Lexer::lex_quoted() const {
  QuotedToken tok;
  char quote = peek();
  if (at_end() || (quote != '\'' && quote != '"')) return tok;
  // Falco's rule: the string ends at the first delimiter whose previous byte is not a backslash
  // (so an escaped backslash right before the closing quote does not close it), and a NUL byte
  // ends the text.
  char prev = quote;
  std::size_t close = std::string_view::npos;
  bool escaped_quote = false;
  for (std::size_t i = pos_ + 1; i < text_.size() && text_[i] != '\0'; ++i) {
    if (text_[i] == quote) {
      if (prev != '\\') {
        close = i;
        break;
      }
      escaped_quote = true;
    }
    prev = text_[i];
  }
  if (close == std::string_view::npos) {
    tok.status = QuotedToken::Status::error;
    tok.error_offset = pos_;
    tok.error = "unterminated string: no closing ";
    tok.error += quote;
    tok.error += " found";
    if (escaped_quote)
      tok.error += " (a quote right after a backslash never ends a string, even after \\\\)";
    return tok;
  }
  std::string_view raw = text_.substr(pos_ + 1, close - pos_ - 1);
  std::size_t bad = 0;
  if (!unescape_quoted(raw, quote, tok.value, bad, tok.error)) {
    tok.status = QuotedToken::Status::error;
    tok.error_offset = pos_ + 1 + bad;
    tok.value.clear();
    return tok;
  }
  tok.status = QuotedToken::Status::ok;
  tok.length = close + 1 - pos_;
  return tok;
}

bool unescape_quoted(std::string_view raw, char quote, std::string& out, std::size_t& bad_index,
                     std::string& error) {
  out.clear();
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\') {
      out.push_back(c);
      continue;
    }
    bad_index = i;
    if (i + 1 >= raw.size()) {
      error = "dangling backslash at the end of the string";
      return false;
    }
    char e = raw[++i];
    switch (e) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case ' ':   // Falco reads "\ " as a backslash (kept for old, wrongly escaped rules)
      case '\\': out.push_back('\\'); break;
      case '/': out.push_back('/'); break;
      case '"':
      case '\'':
        if (e != quote) {
          error = std::string("invalid \\") + e + " escape in a " + quote +
                  "-quoted string (only the delimiter can be escaped)";
          return false;
        }
        out.push_back(e);
        break;
      case 'x':
        if (i + 2 < raw.size() && is_hex_digit(raw[i + 1]) && is_hex_digit(raw[i + 2])) {
          out.push_back(static_cast<char>(hex_value(raw[i + 1]) * 16 + hex_value(raw[i + 2])));
          i += 2;
          break;
        }
        error = "invalid \\x escape: expected two hexadecimal digits";
        return false;
      default: {
        std::string shown = (static_cast<unsigned char>(e) >= 0x20 && e != 0x7f)
                                ? std::string(1, e)
                                : "<byte " + std::to_string(static_cast<unsigned char>(e)) + ">";
        error = "unsupported escape sequence \\" + shown + " in a quoted string";
        return false;
      }
    }
  }
  return true;
}

}  // namespace th::cond
