// The event types tracehound knows, named as Falco names them in `evt.type`. kEvtTypes below is
// the one table of them: names, families, targets and syscalls are all read from it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace th {

// One value per `evt.type` string. Rules are indexed by this: a rule that cannot match a type is
// never evaluated for it. The probe's event kinds map onto these (see probe/tracehound.h).
// A new type is one enumerator here and one row in kEvtTypes (the static_asserts check both).
enum class EvtType : uint8_t {
  ptrace,
  process_vm_writev,
  process_vm_readv,
  open,
  openat,
  openat2,
  execve,
  execveat,
  clone,
  clone3,
  fork,
  vfork,
  procexit,
  write,
  pwrite,
  writev,
  pwritev,
  pwritev2,
  pidfd_getfd,
};

// The grouping used by the probe's interest map, the event file format and the docs.
enum class EvtFamily : uint8_t {
  ptrace, vm_write, vm_read, mem_open, exec, fork, exit, mem_write, fd_take
};

struct EvtTypeInfo {
  EvtType type;
  std::string_view name;     // the evt.type string
  EvtFamily family;
  bool has_target;           // its events name a target process (the injection kinds)
  std::string_view syscall;  // the Linux syscall that produces it; empty when none does
};

inline constexpr std::array kEvtTypes = {
    EvtTypeInfo{EvtType::ptrace, "ptrace", EvtFamily::ptrace, true, "ptrace"},
    EvtTypeInfo{EvtType::process_vm_writev, "process_vm_writev", EvtFamily::vm_write, true,
                "process_vm_writev"},
    EvtTypeInfo{EvtType::process_vm_readv, "process_vm_readv", EvtFamily::vm_read, true,
                "process_vm_readv"},
    // The three opens are opens of a process memory file (fd.name is the path).
    EvtTypeInfo{EvtType::open, "open", EvtFamily::mem_open, true, "open"},
    EvtTypeInfo{EvtType::openat, "openat", EvtFamily::mem_open, true, "openat"},
    EvtTypeInfo{EvtType::openat2, "openat2", EvtFamily::mem_open, true, "openat2"},
    EvtTypeInfo{EvtType::execve, "execve", EvtFamily::exec, false, "execve"},
    EvtTypeInfo{EvtType::execveat, "execveat", EvtFamily::exec, false, "execveat"},
    EvtTypeInfo{EvtType::clone, "clone", EvtFamily::fork, false, "clone"},
    EvtTypeInfo{EvtType::clone3, "clone3", EvtFamily::fork, false, "clone3"},
    EvtTypeInfo{EvtType::fork, "fork", EvtFamily::fork, false, "fork"},
    EvtTypeInfo{EvtType::vfork, "vfork", EvtFamily::fork, false, "vfork"},
    // A process's end (the sched_process_exit tracepoint), not a syscall.
    EvtTypeInfo{EvtType::procexit, "procexit", EvtFamily::exit, false, ""},
    // Writes into a process memory file, through any descriptor (fd.name is its path). The
    // names are Falco's: pwrite64 is `pwrite`.
    EvtTypeInfo{EvtType::write, "write", EvtFamily::mem_write, true, "write"},
    EvtTypeInfo{EvtType::pwrite, "pwrite", EvtFamily::mem_write, true, "pwrite64"},
    EvtTypeInfo{EvtType::writev, "writev", EvtFamily::mem_write, true, "writev"},
    EvtTypeInfo{EvtType::pwritev, "pwritev", EvtFamily::mem_write, true, "pwritev"},
    EvtTypeInfo{EvtType::pwritev2, "pwritev2", EvtFamily::mem_write, true, "pwritev2"},
    // A descriptor taken from another process (the target); fd.name is the taken file's path.
    EvtTypeInfo{EvtType::pidfd_getfd, "pidfd_getfd", EvtFamily::fd_take, true, "pidfd_getfd"},
};

inline constexpr std::size_t kEvtTypeCount = kEvtTypes.size();

namespace detail {
constexpr bool evt_table_is_in_enum_order() {
  for (std::size_t i = 0; i < kEvtTypeCount; ++i)
    if (static_cast<std::size_t>(kEvtTypes[i].type) != i) return false;
  return true;
}
constexpr bool evt_names_are_unique() {
  for (std::size_t i = 0; i < kEvtTypeCount; ++i)
    for (std::size_t j = i + 1; j < kEvtTypeCount; ++j)
      if (kEvtTypes[i].name == kEvtTypes[j].name) return false;
  return true;
}
// The target is a property of the family: the event file format and the docs rely on it.
constexpr bool evt_families_agree_on_target() {
  for (const EvtTypeInfo& a : kEvtTypes)
    for (const EvtTypeInfo& b : kEvtTypes)
      if (a.family == b.family && a.has_target != b.has_target) return false;
  return true;
}
constexpr auto evt_type_names() {
  std::array<std::string_view, kEvtTypeCount> out{};
  for (std::size_t i = 0; i < kEvtTypeCount; ++i) out[i] = kEvtTypes[i].name;
  return out;
}
}  // namespace detail

static_assert(detail::evt_table_is_in_enum_order(), "kEvtTypes rows must follow EvtType's order");
static_assert(detail::evt_names_are_unique(), "two event types share a name");
static_assert(detail::evt_families_agree_on_target(), "one family, one has_target");
static_assert(kEvtTypeCount <= 32, "EvtTypeSet holds 32 types");

inline constexpr std::array<std::string_view, kEvtTypeCount> kEvtTypeNames =
    detail::evt_type_names();

constexpr const EvtTypeInfo& evt_type_info(EvtType t) {
  return kEvtTypes[static_cast<std::size_t>(t)];
}
constexpr std::string_view evt_type_name(EvtType t) { return evt_type_info(t).name; }
constexpr EvtFamily evt_family(EvtType t) { return evt_type_info(t).family; }
constexpr bool evt_has_target(EvtType t) { return evt_type_info(t).has_target; }

constexpr std::optional<EvtType> evt_type_from_name(std::string_view name) {
  for (const EvtTypeInfo& i : kEvtTypes)
    if (i.name == name) return i.type;
  return std::nullopt;
}

// A small set of event types, one bit each.
class EvtTypeSet {
 public:
  constexpr EvtTypeSet() = default;
  static constexpr EvtTypeSet all() {
    EvtTypeSet s;
    s.bits_ = kEvtTypeCount == 32 ? ~uint32_t{0} : (uint32_t{1} << kEvtTypeCount) - 1;
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
