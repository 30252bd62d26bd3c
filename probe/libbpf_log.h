// libbpf's messages: sent to spdlog, and kept while a probe loads so that a failure can say what
// the verifier or the attach step complained about. The load runs in a child process
// (probe/load_child.h), which hands its messages to the detector as they come.
#pragma once

#include <cstdarg>
#include <cstddef>
#include <string>
#include <string_view>

namespace th::probe {

// One libbpf message, formatted into `line` (cut to fit, as spdlog would get it).
std::string_view format_libbpf_message(char (&line)[1024], const char* fmt, va_list args);

// While it lives, libbpf's messages on this thread go to spdlog at debug level only, and the
// ones that are not debug output are appended to `log` (the error carries them, and a refused
// first attempt may be retried).
class LibbpfLogCapture {
 public:
  explicit LibbpfLogCapture(std::string& log);
  ~LibbpfLogCapture();
  LibbpfLogCapture(const LibbpfLogCapture&) = delete;
  LibbpfLogCapture& operator=(const LibbpfLogCapture&) = delete;
};

// A message libbpf gave in the loader process, at `level` (a libbpf_print_level): logged and
// kept as if it had been given here, under a LibbpfLogCapture.
void replay_libbpf_message(int level, std::string_view text);

// The last lines of a libbpf log (the verifier's verdict is at the end).
std::string log_tail(const std::string& log, std::size_t max_lines = 6);

}  // namespace th::probe
