#include "engine/io/event_diagnostics.h"

#include <algorithm>

namespace th {

constexpr std::size_t kMaxSnippet = 400;

uint32_t key_path_column(std::string_view line, std::string_view path) {
  std::size_t at = 0, found = std::string_view::npos;
  while (!path.empty()) {
    std::size_t dot = path.find('.');
    std::string_view key = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view{} : path.substr(dot + 1);
    key = key.substr(0, key.find('['));  // ancestors[2] -> ancestors
    // The key, not a value that reads the same: a colon must follow it.
    std::string quoted = std::string(1, '"').append(key).append(1, '"');
    for (found = line.find(quoted, at); found != std::string_view::npos;
         found = line.find(quoted, found + 1)) {
      std::size_t after = line.find_first_not_of(" \t", found + quoted.size());
      if (after != std::string_view::npos && line[after] == ':') break;
    }
    if (found == std::string_view::npos) return 0;
    at = found + quoted.size();
  }
  return found == std::string_view::npos ? 0 : static_cast<uint32_t>(found + 1);
}

void report_event_line(Diagnostics& d, const std::string& file, uint64_t line_no,
                       std::string_view line, const std::string& error) {
  // "key.path: what" names a key; other messages ("not valid JSON") do not.
  std::size_t colon = error.find(": ");
  bool has_path = colon != std::string::npos && error.find(' ') > colon;
  uint32_t col = has_path ? key_path_column(line, std::string_view(error).substr(0, colon)) : 0;
  d.report("TH-E-EVENT", {file, static_cast<uint32_t>(line_no), col}, error);
  // A hostile line may be huge: show enough of it to see the column.
  std::size_t keep = std::max<std::size_t>(kMaxSnippet, col + 80);
  d.items().back().snippet = line.substr(0, keep);
}

}  // namespace th
