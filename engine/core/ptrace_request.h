// ptrace(2) request numbers and their names, as Falco renders them in `evt.arg.request`.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace th {

struct PtraceRequestName {
  int64_t value;
  std::string_view name;  // canonical spelling, e.g. "PTRACE_POKEUSR"
};

// Every request tracehound names, in numeric order (x86-64 and ia32 share these numbers).
std::span<const PtraceRequestName> ptrace_requests();

// "PTRACE_POKETEXT" -> 4; also accepts the glibc aliases (PTRACE_POKEUSER, PTRACE_PEEKUSER...)
// and names without the PTRACE_ prefix is NOT accepted: rules must be explicit.
std::optional<int64_t> ptrace_request_from_name(std::string_view name);

// 4 -> "PTRACE_POKETEXT"; unknown numbers give an empty view.
std::string_view ptrace_request_name(int64_t value);

// Requests that change the tracee's memory or registers.
bool ptrace_request_writes(int64_t value);

}  // namespace th
