#include "probe/libbpf_log.h"

#include <bpf/libbpf.h>

#include <algorithm>
#include <cstdio>
#include <mutex>

#include <spdlog/spdlog.h>

#include "probe/loader.h"

namespace th::probe {
namespace {

// libbpf reports through one process-wide callback, installed once and sent to spdlog.
// Everything libbpf says outside a load (ring-buffer, map and link trouble) goes to the log at
// its own level.
thread_local std::string* t_load_log = nullptr;

spdlog::level::level_enum spdlog_level(libbpf_print_level level) {
  switch (level) {
    case LIBBPF_WARN: return spdlog::level::warn;
    case LIBBPF_INFO: return spdlog::level::info;
    case LIBBPF_DEBUG: break;
  }
  return spdlog::level::debug;
}

void log_message(libbpf_print_level level, std::string_view text) {
  spdlog::level::level_enum to = t_load_log ? spdlog::level::debug : spdlog_level(level);
  if (t_load_log && level != LIBBPF_DEBUG) t_load_log->append(text);
  if (!spdlog::should_log(to)) return;
  while (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  spdlog::log(to, "libbpf: {}", text);
}

int libbpf_to_spdlog(libbpf_print_level level, const char* fmt, va_list args) {
  bool keep = t_load_log && level != LIBBPF_DEBUG;
  if (!keep && !spdlog::should_log(t_load_log ? spdlog::level::debug : spdlog_level(level))) return 0;
  char line[1024];
  log_message(level, format_libbpf_message(line, fmt, args));
  return 0;
}

}  // namespace

void route_libbpf_log() {
  static std::once_flag once;
  std::call_once(once, [] { libbpf_set_print(libbpf_to_spdlog); });
}

std::string_view format_libbpf_message(char (&line)[1024], const char* fmt, va_list args) {
  int n = vsnprintf(line, sizeof(line), fmt, args);
  if (n <= 0) return {};
  return {line, std::min<std::size_t>(static_cast<std::size_t>(n), sizeof(line) - 1)};
}

LibbpfLogCapture::LibbpfLogCapture(std::string& log) {
  route_libbpf_log();
  t_load_log = &log;
}

LibbpfLogCapture::~LibbpfLogCapture() { t_load_log = nullptr; }

void replay_libbpf_message(int level, std::string_view text) {
  log_message(static_cast<libbpf_print_level>(level), text);
}

std::string log_tail(const std::string& log, std::size_t max_lines) {
  std::size_t pos = log.size();
  for (std::size_t lines = 0; pos > 0 && lines <= max_lines; ++lines) {
    pos = log.rfind('\n', pos - 1);
    if (pos == std::string::npos) {
      pos = 0;
      break;
    }
  }
  std::string tail = log.substr(pos);
  while (!tail.empty() && (tail.front() == '\n')) tail.erase(0, 1);
  return tail;
}

}  // namespace th::probe
