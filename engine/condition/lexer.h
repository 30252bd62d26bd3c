// The token-level half of Falco's condition grammar: a cursor over the condition text with one
// matcher per token class of libsinsp's filter parser. Matchers report how many bytes a token
// would take at the cursor (0 = no token there) and never move the cursor themselves, so the
// parser decides what to consume. The token classes are Falco's (POSIX classes, longest match):
//
//   blank          ' ' '\t' '\b' '\r' '\n'            (what separates tokens)
//   identifier     [a-zA-Z]+[a-zA-Z0-9_]*
//   field name     identifier ('.' identifier)+
//   bare string    [^()"'[:space:]=,]+               (UTF-8 aware: invalid bytes end it)
//   bare field arg [^][\"'[:space:]]+                 (idem)
//   number         [+-]?[0-9]+\.?[0-9]*([eE][+-][0-9]+)?
//   hex number     0[xX][0-9a-fA-F]+
//   not-blank      not[[:space:]]+                    ('not' followed by white space)
//   quoted string  '...' or "..." with backslash escapes (see lex_quoted)
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace th::cond {

// The characters Falco skips between tokens.
constexpr bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n';
}

// POSIX [:space:], used inside Falco's token regexes (note: differs from is_blank).
constexpr bool is_posix_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

constexpr bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

// True when `s` would be read back as one bare string (the value of `x.y = s`).
bool is_bare_string(std::string_view s);
// True when `s` would be read back as one bare field argument (`x.y[s]`).
bool is_bare_field_arg(std::string_view s);

// The result of reading a quoted string at the cursor.
struct QuotedToken {
  enum class Status : uint8_t { none, ok, error };
  Status status = Status::none;
  std::size_t length = 0;       // bytes of the token, quotes included (ok)
  std::string value;            // the unescaped value (ok)
  std::size_t error_offset = 0; // absolute offset of the problem (error)
  std::string error;            // what is wrong (error)
};

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  std::string_view text() const { return text_; }
  std::size_t pos() const { return pos_; }
  void set_pos(std::size_t p) { pos_ = p; }
  bool at_end() const { return pos_ >= text_.size(); }
  // The byte `k` places after the cursor, or '\0' past the end.
  char peek(std::size_t k = 0) const {
    return pos_ + k < text_.size() ? text_[pos_ + k] : '\0';
  }
  void advance(std::size_t n) { pos_ += n; }

  // Skips blanks; true when there was at least one.
  bool skip_blanks();
  // Consumes `s` when the text at the cursor starts with it.
  bool accept(std::string_view s);
  bool starts_with(std::string_view s) const { return text_.substr(pos_).starts_with(s); }

  // Token lengths at the cursor (or at `at`); 0 when there is no such token.
  std::size_t match_identifier() const { return match_identifier_at(pos_); }
  std::size_t match_identifier_at(std::size_t at) const;
  std::size_t match_field_name() const;
  std::size_t match_bare_string() const;
  std::size_t match_field_arg_bare() const;
  std::size_t match_number() const;
  std::size_t match_hex_number() const;
  // A number as Falco's value grammar tries them: hexadecimal first, then decimal.
  std::size_t match_any_number() const;
  std::size_t match_not_blank() const;

  // Reads a quoted string starting at the cursor (which must be on a quote for anything but
  // Status::none). Does not move the cursor.
  QuotedToken lex_quoted() const;

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// Falco's unescaping of the inside of a quoted string delimited by `quote`: \b \f \n \r \t, \\,
// \/, "\ " (a backslash), \xHH (one byte), and the escaped delimiter (the other quote may not be
// escaped). On error returns false and sets `bad_index` (index into `raw` of the backslash) and
// `error`.
bool unescape_quoted(std::string_view raw, char quote, std::string& out, std::size_t& bad_index,
                     std::string& error);

}  // namespace th::cond
