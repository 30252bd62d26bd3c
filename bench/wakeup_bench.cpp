// What one sleep of the event loop costs the sleeping thread, by what ends it: its own timeout,
// or a wakeup from another thread (as the kernel's ring-buffer wakeup does). The CPU column is
// the sleeping thread's own CPU time per sleep; on a virtual machine a sleep ended by a timer
// costs several times one ended by a wakeup, which is why the live loop lets the kernel's
// wakeups end its sleeps while records flow (probe/wakeup_pacer.h).
//   build/bench/engine_bench --benchmark_filter=Sleep
#include <benchmark/benchmark.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <thread>

namespace {

void BM_SleepEndedByTimeout(benchmark::State& state) {
  const int timeout_ms = static_cast<int>(state.range(0));
  int fd = eventfd(0, EFD_NONBLOCK);  // never written: every poll times out
  for (auto _ : state) {
    pollfd p{fd, POLLIN, 0};
    benchmark::DoNotOptimize(::poll(&p, 1, timeout_ms));
  }
  ::close(fd);
}
BENCHMARK(BM_SleepEndedByTimeout)->Arg(1)->Arg(4)->Iterations(500);

void BM_SleepEndedByWakeup(benchmark::State& state) {
  const long gap_ns = state.range(0) * 1'000'000;
  int fd = eventfd(0, EFD_NONBLOCK);
  std::atomic<bool> stop{false};
  std::thread waker([&] {
    while (!stop.load()) {
      timespec ts{0, gap_ns};
      nanosleep(&ts, nullptr);
      uint64_t one = 1;
      if (::write(fd, &one, sizeof one) < 0) break;
    }
  });
  for (auto _ : state) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 1000);  // the timeout is armed, as in the loop, but the wakeup comes first
    uint64_t n = 0;
    benchmark::DoNotOptimize(::read(fd, &n, sizeof n));
  }
  stop = true;
  waker.join();
  ::close(fd);
}
BENCHMARK(BM_SleepEndedByWakeup)->Arg(1)->Arg(4)->Iterations(500);

}  // namespace
