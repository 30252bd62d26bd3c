// The event types tracehound knows, named as Falco names them in `evt.type`.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace th {

// One value per `evt.type` string. Rules are indexed by this: a rule that cannot match a type is
// never evaluated for it. The probe's event kinds map onto these (see probe/tracehound.h).
enum class EvtType : uint8_t {
  ptrace,
  process_vm_writev,
  process_vm_readv,
  open,     // open(2) of a process memory file (fd.name is the path)
  openat,   // openat(2) of a process memory file
  openat2,  // openat2(2) of a process memory file
  execve,
  execveat,
  clone,
  clone3,
  fork,
  vfork,
  procexit,
};

inline constexpr std::size_t kEvtTypeCount = static_cast<std::size_t>(EvtType::procexit) + 1;

inline constexpr std::array<std::string_view, kEvtTypeCount> kEvtTypeNames = {
    "ptrace", "process_vm_writev", "process_vm_readv", "open",  "openat", "openat2",  "execve",
    "execveat", "clone",          "clone3",           "fork",  "vfork",  "procexit",
};

constexpr std::string_view evt_type_name(EvtType t) {
  return kEvtTypeNames[static_cast<std::size_t>(t)];
}

constexpr std::optional<EvtType> evt_type_from_name(std::string_view name) {
  for (std::size_t i = 0; i < kEvtTypeCount; ++i)
    if (kEvtTypeNames[i] == name) return static_cast<EvtType>(i);
  return std::nullopt;
}

// The grouping used by the probe's interest map and by the docs.
enum class EvtFamily : uint8_t { ptrace, vm_write, vm_read, mem_open, exec, fork, exit };

constexpr EvtFamily evt_family(EvtType t) {
  switch (t) {
    case EvtType::ptrace: return EvtFamily::ptrace;
    case EvtType::process_vm_writev: return EvtFamily::vm_write;
    case EvtType::process_vm_readv: return EvtFamily::vm_read;
    case EvtType::open:
    case EvtType::openat:
    case EvtType::openat2: return EvtFamily::mem_open;
    case EvtType::execve:
    case EvtType::execveat: return EvtFamily::exec;
    case EvtType::clone:
    case EvtType::clone3:
    case EvtType::fork:
    case EvtType::vfork: return EvtFamily::fork;
    case EvtType::procexit: return EvtFamily::exit;
  }
  return EvtFamily::exit;
}

// Event types whose events name a target process (the injection kinds).
constexpr bool evt_has_target(EvtType t) {
  auto f = evt_family(t);
  return f == EvtFamily::ptrace || f == EvtFamily::vm_write || f == EvtFamily::vm_read ||
         f == EvtFamily::mem_open;
}

// A small set of event types, one bit each.
class EvtTypeSet {
 public:
  constexpr EvtTypeSet() = default;
  static constexpr EvtTypeSet all() {
    EvtTypeSet s;
    s.bits_ = (uint32_t{1} << kEvtTypeCount) - 1;
    return s;
  }
  constexpr void add(EvtType t) { bits_ |= bit(t); }
  constexpr bool contains(EvtType t) const { return (bits_ & bit(t)) != 0; }
  constexpr bool empty() const { return bits_ == 0; }
  constexpr bool is_all() const { return bits_ == all().bits_; }
  constexpr uint32_t bits() const { return bits_; }
  constexpr EvtTypeSet& operator|=(EvtTypeSet o) {
    bits_ |= o.bits_;
    return *this;
  }
  friend constexpr bool operator==(EvtTypeSet, EvtTypeSet) = default;

 private:
  static constexpr uint32_t bit(EvtType t) { return uint32_t{1} << static_cast<unsigned>(t); }
  uint32_t bits_ = 0;
};

}  // namespace th
