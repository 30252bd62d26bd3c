// Reading small /proc files of processes that may vanish at any moment. A process reaped
// between open() and read() makes read() fail with ESRCH; std::ifstream turns that into an
// exception out of its buffer (basic_filebuf::underflow), which the detector must never see:
// these return nullopt instead and never throw.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace th {

// Everything `fd` reads up to `cap` bytes; nullopt on a read error (EINTR is retried).
std::optional<std::string> read_whole_fd(int fd, std::size_t cap) noexcept;

// The file at `path` up to `cap` bytes; nullopt when it cannot be opened or read.
std::optional<std::string> read_whole_file(const std::string& path, std::size_t cap) noexcept;

// The state letter of <proc_root>/<pid>/stat (after the command name, which may hold anything,
// parentheses included), or 0 when the process is gone or its stat cannot be parsed.
char process_state(const std::string& proc_root, int pid) noexcept;

}  // namespace th
