// The in-kernel prefilter, the kernel counters and their metrics, ring-buffer losses.
#include <sys/ptrace.h>
#include <unistd.h>

#include "engine/metrics/metrics.h"
#include "live_support.h"
#include "probe/record_decoder.h"

namespace probe_test {
namespace {

using th::EvtType;

constexpr int64_t kPtraceSyscall = PTRACE_SYSCALL;

// strace -f of a loop of N syscall pairs: thousands of PTRACE_SYSCALL requests.
std::vector<std::string> strace_busy_loop(int count) {
  return {"/usr/bin/strace", "-f", "-o", "/dev/null", "/bin/dd", "if=/dev/zero", "of=/dev/null", "bs=1",
          "count=" + std::to_string(count), "status=none"};
}

th::Interest everything_but_ptrace_syscall() {
  th::Interest in = th::Interest::everything();
  in.ptrace.reset(static_cast<std::size_t>(th::ptrace_request_slot(kPtraceSyscall)));
  return in;
}

TEST(LiveFilter, RequestsNoRuleWantsAreDroppedInTheKernelAndCounted) {
  if (access("/usr/bin/strace", X_OK) != 0) TH_SKIP_OR_FAIL("strace is not installed");
  th::probe::ProbeOptions options;
  options.interest = everything_but_ptrace_syscall();
  options.ignore_tgid = getpid();
  std::string why;
  auto probe = open_probe(options, why);
  if (!probe) TH_SKIP_OR_FAIL(why);

  constexpr int kSyscallPairs = 2000;  // dd: one read and one write each
  EventLog log;
  auto before = probe->stats();
  ProgramRun r = run_program(*probe, log, strace_busy_loop(kSyscallPairs));
  ASSERT_EQ(r.status, 0);
  auto after = probe->stats();
  auto straced = log.by_actor(r.pid, EvtType::ptrace);
  EXPECT_FALSE(straced.empty()) << "strace's other requests (SEIZE, GETEVENTMSG...) still flow";
  for (const auto& e : straced) EXPECT_NE(e.request, kPtraceSyscall);
  const uint64_t filtered = after.kinds[TH_KIND_PTRACE].filtered - before.kinds[TH_KIND_PTRACE].filtered;
  // Every syscall of dd is a stop that strace resumes with PTRACE_SYSCALL (entry and exit).
  EXPECT_GE(filtered, 2u * 2 * kSyscallPairs);
  EXPECT_EQ(after.kinds[TH_KIND_PTRACE].drops, before.kinds[TH_KIND_PTRACE].drops);

  // The same probe, told live that a rule now looks at PTRACE_SYSCALL, reports them.
  ASSERT_TRUE(probe->set_interest(th::Interest::everything(), why)) << why;
  EventLog log2;
  ProgramRun r2 = run_program(*probe, log2, strace_busy_loop(100));
  ASSERT_EQ(r2.status, 0);
  auto syscalls = log2.where([&](const th::Event& e) {
    return e.actor.pid == r2.pid && e.type == EvtType::ptrace && e.request == kPtraceSyscall;
  });
  EXPECT_GE(syscalls.size(), 2u * 2 * 100);
}

TEST(LiveFilter, KindsNoRuleWantsAreDroppedButProcessEventsAlwaysFlow) {
  th::probe::ProbeOptions options;
  options.interest = th::Interest{};  // no rule at all
  options.ignore_tgid = getpid();
  std::string why;
  auto probe = open_probe(options, why);
  if (!probe) TH_SKIP_OR_FAIL(why);
  Victim v = Victim::start();
  EventLog log;
  auto before = probe->stats();
  ProgramRun vm = run_program(*probe, log, {attack_program("inject_vm_writev"), std::to_string(v.pid), "--addr",
                                     std::to_string(v.canary)});
  ProgramRun mem = run_program(*probe, log, {attack_program("inject_proc_mem"), std::to_string(v.pid), "--access",
                                      "wo", "--addr", std::to_string(v.canary)});
  ASSERT_EQ(vm.status, 0);
  ASSERT_EQ(mem.status, 0);
  auto after = probe->stats();
  EXPECT_TRUE(log.where([](const th::Event& e) { return th::evt_has_target(e.type); }).empty());
  EXPECT_FALSE(log.by_actor(vm.pid, EvtType::execve).empty()) << "exec always flows";
  EXPECT_FALSE(log.by_actor(vm.pid, EvtType::procexit).empty()) << "exit always flows";
  for (th_kind k : {TH_KIND_VM_WRITE, TH_KIND_VM_READ, TH_KIND_MEM_OPEN_WRITE, TH_KIND_MEM_OPEN_READ})
    EXPECT_GE(after.kinds[k].filtered - before.kinds[k].filtered, 1u) << th::probe::kind_name(k);
  v.expect_alive_and_unchanged();
}

TEST(LiveFilter, KernelCountersAreMirroredIntoMetrics) {
  th::probe::ProbeOptions options;
  options.ignore_tgid = getpid();
  std::string why;
  auto probe = open_probe(options, why);
  if (!probe) TH_SKIP_OR_FAIL(why);
  Victim v = Victim::start();
  EventLog log;
  probe->publish_metrics();
  auto& metrics = th::Metrics::global();
  const th::Labels ptrace_kind{{"kind", "ptrace"}};
  double metric_before = metrics.value("tracehound_kernel_events_total", ptrace_kind);
  auto before = probe->stats();
  ProgramRun r = run_program(*probe, log, {attack_program("inject_pokeuser"), std::to_string(v.pid)});
  ASSERT_EQ(r.status, 0);
  auto after = probe->stats();
  const uint64_t seen = log.by_actor(r.pid, EvtType::ptrace).size();
  ASSERT_EQ(seen, 4u);
  EXPECT_GE(after.kinds[TH_KIND_PTRACE].events - before.kinds[TH_KIND_PTRACE].events, seen);
  probe->publish_metrics();
  EXPECT_GE(metrics.value("tracehound_kernel_events_total", ptrace_kind) - metric_before,
            static_cast<double>(seen));
  EXPECT_EQ(after.bad_records, 0u);
  EXPECT_NE(metrics.render_prometheus().find("tracehound_kernel_drops_total{kind=\"exec\"}"), std::string::npos);
  v.expect_alive_and_unchanged();
}

TEST(LiveFilter, RingBufferLossesAreCountedNotSilent) {
  th::probe::ProbeOptions options;
  // One page, of which lifecycle records may use three quarters: room for three exec records
  // of /bin/true (each at least offsetof(th_exec_event, args) bytes), fewer when other
  // processes exec meanwhile.
  options.ringbuf_bytes = 4096;
  static_assert(3 * offsetof(th_exec_event, args) <= 3072 && 4 * offsetof(th_exec_event, args) > 3072);
  std::string why;
  auto probe = open_probe(options, why);
  if (!probe) TH_SKIP_OR_FAIL(why);
  const th::Labels exec_kind{{"kind", "exec"}};
  probe->publish_metrics();
  double metric_before = th::Metrics::global().value("tracehound_kernel_drops_total", exec_kind);
  auto before = probe->stats();
  constexpr int kExecs = 20;
  for (int i = 0; i < kExecs; ++i) {  // not polled: the ring fills up
    Child c({"/bin/true"});
    c.wait();
  }
  auto after = probe->stats();
  const uint64_t dropped = after.kinds[TH_KIND_EXEC].drops - before.kinds[TH_KIND_EXEC].drops;
  EXPECT_GE(dropped, kExecs - 3u);
  probe->publish_metrics();
  EXPECT_GE(th::Metrics::global().value("tracehound_kernel_drops_total", exec_kind) - metric_before,
            static_cast<double>(dropped));
}

}  // namespace
}  // namespace probe_test
