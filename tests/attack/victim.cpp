// A process to be injected into: loops forever (or --seconds S), optionally with --threads N
// extra threads. Prints one JSON line once running: its pid, thread ids and the address of a
// 64-byte canary in its data segment. It checks the canary and its own code every 20 ms and
// exits 3 if anything changed, so a test can tell "alive and unchanged" from "alive".
#include <pthread.h>
#include <signal.h>
#include <sys/syscall.h>
#include <time.h>

#include <atomic>
#include <cstring>

#include "common.h"

namespace {

alignas(64) char g_canary[64] = "tracehound victim canary: injectors must leave this as it is.";
char g_canary_copy[64];
std::atomic<int> g_ready_threads{0};
std::atomic<bool> g_stop{false};

void on_term(int) { g_stop = true; }

uint64_t code_checksum() {
  // The first bytes of this function's own code.
  const auto* p = reinterpret_cast<const unsigned char*>(&code_checksum);
  uint64_t sum = 0;
  for (int i = 0; i < 64; ++i) sum = sum * 131 + p[i];
  return sum;
}

void* thread_main(void* tid_out) {
  *static_cast<pid_t*>(tid_out) = static_cast<pid_t>(syscall(SYS_gettid));
  g_ready_threads++;
  timespec ts{0, 20'000'000};
  while (!g_stop) nanosleep(&ts, nullptr);
  return nullptr;
}

}  // namespace

int main(int argc, char** argv) {
  attack::Args args = attack::parse_args(argc, argv, false, "[--threads N] [--seconds S]");
  int threads = static_cast<int>(args.number("threads", 0));
  long seconds = static_cast<long>(args.number("seconds", 0));
  signal(SIGTERM, on_term);
  std::memcpy(g_canary_copy, g_canary, sizeof(g_canary));
  const uint64_t code_sum = code_checksum();

  std::vector<pid_t> tids(static_cast<std::size_t>(threads), 0);
  std::vector<pthread_t> handles(static_cast<std::size_t>(threads));
  for (int i = 0; i < threads; ++i)
    if (pthread_create(&handles[i], nullptr, thread_main, &tids[i]) != 0) attack::die("pthread_create");
  while (g_ready_threads < threads) sched_yield();

  std::vector<std::string> tid_strings;
  tid_strings.push_back(std::to_string(getpid()));
  for (pid_t t : tids) tid_strings.push_back(std::to_string(t));
  std::string tid_list = "[";
  for (std::size_t i = 0; i < tid_strings.size(); ++i) tid_list.append(i ? "," : "").append(tid_strings[i]);
  tid_list.append(1, ']');
  attack::Report("victim")
      .add_number("pid", getpid())
      .add_raw("tids", tid_list)
      .add_string("canary", attack::hex(reinterpret_cast<uint64_t>(g_canary)))
      .print();

  timespec start{};
  clock_gettime(CLOCK_MONOTONIC, &start);
  timespec tick{0, 20'000'000};
  while (!g_stop) {
    nanosleep(&tick, nullptr);
    if (std::memcmp(g_canary, g_canary_copy, sizeof(g_canary)) != 0 || code_checksum() != code_sum) {
      std::fprintf(stderr, "victim: memory changed\n");
      return 3;
    }
    if (seconds > 0) {
      timespec now{};
      clock_gettime(CLOCK_MONOTONIC, &now);
      if (now.tv_sec - start.tv_sec >= seconds) break;
    }
  }
  g_stop = true;
  for (auto& h : handles) pthread_join(h, nullptr);
  return 0;
}
