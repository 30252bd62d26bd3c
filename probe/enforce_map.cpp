#include "probe/enforce_map.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstring>
#include <map>

#include "probe/interest_map.h"
#include "probe/record_decoder.h"

namespace th::probe {
namespace {

using enforce::Fact;
using enforce::Op;

// engine/enforce numbers facts and operations as the kernel does.
#define TH_SAME(a, b) static_assert(static_cast<int>(a) == (b), #a " is not " #b)
TH_SAME(Fact::evt_type, TH_EF_SYSCALL);
TH_SAME(Fact::ptrace_request, TH_EF_PTRACE_REQUEST);
TH_SAME(Fact::arch_prctl_code, TH_EF_ARCH_PRCTL_CODE);
TH_SAME(Fact::failed, TH_EF_FAILED);
TH_SAME(Fact::target_is_self, TH_EF_TARGET_IS_SELF);
TH_SAME(Fact::target_is_descendant, TH_EF_TARGET_IS_DESCENDANT);
TH_SAME(Fact::target_pid, TH_EF_TARGET_PID);
TH_SAME(Fact::caller_exe_sets, TH_EF_CALLER_EXE_SETS);
TH_SAME(Fact::target_exe_sets, TH_EF_TARGET_EXE_SETS);
TH_SAME(Fact::same_pidns, TH_EF_SAME_PIDNS);
TH_SAME(Fact::caller_host_pidns, TH_EF_CALLER_HOST_PIDNS);
TH_SAME(Fact::target_host_pidns, TH_EF_TARGET_HOST_PIDNS);
TH_SAME(Fact::uid, TH_EF_UID);
TH_SAME(Fact::open_write, TH_EF_OPEN_WRITE);
TH_SAME(Fact::count, TH_EF_COUNT);
TH_SAME(Op::eq, TH_EO_EQ);
TH_SAME(Op::ne, TH_EO_NE);
TH_SAME(Op::lt, TH_EO_LT);
TH_SAME(Op::le, TH_EO_LE);
TH_SAME(Op::gt, TH_EO_GT);
TH_SAME(Op::ge, TH_EO_GE);
TH_SAME(Op::any_bits, TH_EO_ANY_BITS);
TH_SAME(Op::constant, TH_EO_CONST);
TH_SAME(Op::and_, TH_EO_AND);
TH_SAME(Op::or_, TH_EO_OR);
TH_SAME(Op::not_, TH_EO_NOT);
TH_SAME(Op::rule, TH_EO_RULE);
TH_SAME(Op::count, TH_EO_COUNT);
TH_SAME(enforce::kUnknown, TH_TRI_UNKNOWN);
TH_SAME(enforce::kNo, TH_TRI_NO);
TH_SAME(enforce::kYes, TH_TRI_YES);
#undef TH_SAME

bool key_less(const th_exe_key& a, const th_exe_key& b) {
  return a.dev != b.dev ? a.dev < b.dev : a.ino < b.ino;
}

}  // namespace

std::optional<th_exe_key> host_exe_key(const std::string& path) {
  struct stat st {};
  if (path.empty() || path.front() != '/' || ::stat(path.c_str(), &st) != 0) return std::nullopt;
  th_exe_key k{};
  k.ino = st.st_ino;
  k.dev = static_cast<uint32_t>((major(st.st_dev) << 20) | (minor(st.st_dev) & 0xfffff));
  return k;
}

bool encode_enforcement(const enforce::Program& program, const Interest& interest,
                        const std::vector<std::string>& allow_paths,
                        const std::vector<uint32_t>& allow_uids, EnforcementPlan& out,
                        std::string& error, const ExeKeyFn& key_of) {
  if (program.insns.size() > TH_ENFORCE_MAX_INSNS) {
    error = "the kill rules compile to " + std::to_string(program.insns.size()) +
            " instructions; the kernel takes " + std::to_string(TH_ENFORCE_MAX_INSNS);
    return false;
  }
  if (program.exe_sets.size() > TH_ENFORCE_MAX_SETS) {
    error = "the kill rules use " + std::to_string(program.exe_sets.size()) +
            " executable lists; the kernel takes " + std::to_string(TH_ENFORCE_MAX_SETS);
    return false;
  }
  out.interest = interest;
  out.insns.clear();
  for (const enforce::Insn& i : program.insns) {
    th_enforce_insn k{};
    k.op = static_cast<uint8_t>(i.op);
    k.fact = static_cast<uint8_t>(i.fact);
    k.value = i.value;
    // The kernel knows the syscall, user space the event type.
    bool leaf = i.op <= Op::any_bits;
    if (leaf && i.fact == Fact::evt_type)
      k.value = evt_type_syscall(static_cast<EvtType>(i.value));
    out.insns.push_back(k);
  }
  auto cmp = [](const th_exe_key& a, const th_exe_key& b) { return key_less(a, b); };
  std::map<th_exe_key, uint64_t, decltype(cmp)> exes(cmp);
  for (std::size_t set = 0; set < program.exe_sets.size(); ++set)
    for (const auto& path : program.exe_sets[set])
      if (auto k = key_of(path)) exes[*k] |= uint64_t{1} << set;
  for (const auto& path : allow_paths)
    if (auto k = key_of(path)) exes[*k] |= uint64_t{1} << TH_ENFORCE_ALLOW_BIT;
  out.exes.assign(exes.begin(), exes.end());
  out.allow_uids = allow_uids;
  return true;
}

bool decode_enforcement(std::span<const std::byte> record, int64_t boot_to_epoch_ns,
                        EnforcementRecord& out) {
  if (record.size() < sizeof(th_enforce_event)) return false;
  th_enforce_event r;
  std::memcpy(&r, record.data(), sizeof(r));
  if (r.result >= TH_ER_COUNT || r.point > TH_EP_EXIT || r.spared > TH_ES_ALLOW_UID) return false;
  if (!decode_enforced_call(r, boot_to_epoch_ns, out.event)) return false;
  out.rule = r.rule;
  out.result = static_cast<th_enforce_result>(r.result);
  out.spared = static_cast<th_enforce_spared>(r.spared);
  out.point = static_cast<th_enforce_point>(r.point);
  out.signal_err = r.signal_err;
  out.target_was_stopped = r.target_was_stopped;
  return true;
}

std::string_view enforce_result_name(th_enforce_result r) {
  switch (r) {
    case TH_ER_KILLED: return "killed";
    case TH_ER_KILL_FAILED: return "kill_failed";
    case TH_ER_DRY_RUN: return "dry_run";
    case TH_ER_RATE_LIMITED: return "rate_limited";
    case TH_ER_SPARED: return "spared";
    case TH_ER_COUNT: break;
  }
  return "unknown";
}

std::string_view enforce_spared_name(th_enforce_spared s) {
  switch (s) {
    case TH_ES_INIT: return "pid 1";
    case TH_ES_KTHREAD: return "kernel thread";
    case TH_ES_ALLOW_EXE: return "executable on the allow list";
    case TH_ES_ALLOW_UID: return "uid on the allow list";
    case TH_ES_NONE: break;
  }
  return "";
}

}  // namespace th::probe
