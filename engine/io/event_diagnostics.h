// Bad lines of an event file (replay) as diagnostics of the catalogue: file:line:col, with the
// column of the key at fault where the error names one, and the line as the snippet.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/core/diagnostics.h"

namespace th {

// `error` is what event_from_json_line said ("ptrace.requst: unknown key ...").
void report_event_line(Diagnostics& d, const std::string& file, uint64_t line_no,
                       std::string_view line, const std::string& error);

// The column (1-based) of the key a path such as "proc.ancestors[0].name" names within one
// JSON line, found by looking for each key of the path in turn; 0 when it is not found.
uint32_t key_path_column(std::string_view line, std::string_view path);

}  // namespace th
