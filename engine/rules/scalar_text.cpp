#include "engine/rules/scalar_text.h"

namespace th::rules {

SourcePos Text::pos() const {
  if (segments.empty()) return {file, 0, 0};
  return {segments.front().file.empty() ? file : segments.front().file, segments.front().line,
          segments.front().col};
}

FileLines::FileLines(std::string_view content) {
  std::size_t start = 0;
  while (start <= content.size()) {
    std::size_t nl = content.find('\n', start);
    if (nl == std::string_view::npos) {
      lines_.push_back(content.substr(start));
      break;
    }
    std::string_view l = content.substr(start, nl - start);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    lines_.push_back(l);
    start = nl + 1;
  }
}

namespace {

std::string_view trim_right(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The part of a raw line to look for in the value: up to the first character that quoting or
// escaping may have changed, so that a plain find() still succeeds.
std::string_view searchable(std::string_view s, char quote) {
  if (quote == 0) return s;
  std::size_t cut = s.find_first_of(quote == '"' ? "\\\"" : "'");
  return cut == std::string_view::npos ? s : s.substr(0, cut);
}

}  // namespace

Text locate_scalar(const std::string& file, const FileLines& lines, std::string value, int line,
                   int col) {
  Text t;
  t.file = file;
  t.value = std::move(value);
  if (line < 0 || static_cast<std::size_t>(line) >= lines.size()) return t;
  std::string_view first = lines.line(line);
  std::size_t c = static_cast<std::size_t>(col);
  char indicator = c < first.size() ? first[c] : 0;
  bool block = indicator == '>' || indicator == '|';
  char quote = (indicator == '"' || indicator == '\'') ? indicator : 0;

  uint32_t off = 0;
  std::size_t ln = static_cast<std::size_t>(line);
  // Block scalars start on the next line; quoted ones after the quote.
  std::size_t start_col = block ? std::string_view::npos : (quote ? c + 1 : c);
  if (block) ++ln;
  std::size_t budget = 4 * (t.value.size() + 1) + 8;  // lines to scan, bounded for bad input
  for (; ln < lines.size() && budget > 0 && off < t.value.size(); ++ln, --budget) {
    std::string_view raw = lines.line(ln);
    std::size_t indent;
    if (start_col != std::string_view::npos) {
      indent = std::min(start_col, raw.size());
      start_col = std::string_view::npos;
    } else {
      indent = raw.find_first_not_of(" \t");
      if (indent == std::string_view::npos) continue;  // blank line
    }
    std::string_view content = trim_right(raw.substr(indent));
    std::string_view probe = searchable(content, quote);
    if (probe.empty()) continue;
    std::size_t found = t.value.find(probe, off);
    if (found == std::string::npos) {
      if (!block && !quote && t.segments.empty()) break;  // not our scalar after all
      continue;
    }
    t.segments.push_back({static_cast<uint32_t>(found), static_cast<uint32_t>(ln + 1),
                          static_cast<uint32_t>(indent + 1), {}});
    off = static_cast<uint32_t>(found + probe.size());
  }
  if (t.segments.empty())
    t.segments.push_back({0, static_cast<uint32_t>(line + 1), static_cast<uint32_t>(col + 1), {}});
  return t;
}

}  // namespace th::rules
