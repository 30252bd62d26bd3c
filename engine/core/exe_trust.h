// The loader-injection variables a process was started with (Process::env_injection), one bit
// each, with the same values as the probe's enum th_env_injection (probe/tracehound.h; the probe
// tests check both agree).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace th {

inline constexpr std::array<std::pair<uint8_t, std::string_view>, 4> kEnvInjectionNames = {{
    {1, "LD_PRELOAD"},
    {2, "LD_AUDIT"},
    {4, "LD_LIBRARY_PATH"},
    {0x80, "UNSCANNED"},  // too many variables to read: not known to be clean
}};

// "LD_PRELOAD,LD_AUDIT"; "" for none.
inline std::string env_injection_names(uint8_t bits) {
  std::string out;
  for (const auto& [bit, name] : kEnvInjectionNames)
    if (bits & bit) out.append(out.empty() ? "" : ",").append(name);
  return out;
}

// The bit of a variable name ("LD_PRELOAD"), 0 for any other.
inline uint8_t env_injection_bit(std::string_view name) {
  for (const auto& [bit, n] : kEnvInjectionNames)
    if (n == name) return bit;
  return 0;
}

}  // namespace th

namespace th {

// The bits of a raw environment block (NUL-separated NAME=value, as /proc/PID/environ holds
// it); `truncated` when only the start of it was read.
inline uint8_t env_injection_of(std::string_view environ_block, bool truncated) {
  uint8_t bits = truncated ? 0x80 : 0;
  while (!environ_block.empty()) {
    auto end = environ_block.find('\0');
    std::string_view var = environ_block.substr(0, end);
    auto eq = var.find('=');
    if (eq != std::string_view::npos) bits |= env_injection_bit(var.substr(0, eq)) & 0x7f;
    if (end == std::string_view::npos) break;
    environ_block.remove_prefix(end + 1);
  }
  return bits;
}

}  // namespace th
