// errno numbers to their names ("EPERM"), as Falco renders a failed syscall in `evt.res`.
#pragma once

#include <cstdint>
#include <string_view>

namespace th {

// Name of the errno `e` (positive), or an empty view when unknown.
std::string_view errno_name(int64_t e);

}  // namespace th
