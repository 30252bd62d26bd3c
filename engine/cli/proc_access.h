// Whether tracehound can read /proc of every process. The kernel shows another user's
// /proc/<pid>/exe (and cwd, and the memory maps) only with CAP_SYS_PTRACE; without it alerts carry
// an empty target.exepath and proc.exepath for those processes. Say so at start-up, and count the
// refused reads (tracehound_proc_unreadable_total, counted where /proc is read).
#pragma once

#include <optional>
#include <string_view>

namespace th::cli {

// Whether the effective capability set (the CapEff line of a /proc/<pid>/status text) holds
// `cap`; nullopt when the line is missing or malformed.
std::optional<bool> status_has_capability(std::string_view status_text, unsigned cap);

// After the process table's bootstrap: a warning when CAP_SYS_PTRACE is missing or /proc entries
// could not be read.
void warn_if_proc_unreadable();

}  // namespace th::cli
