// Alert delivery to a local webhook (cpp-httplib server in this process, on loopback):
//   BM_WebhookThroughput/<max_alerts>: bursts of 2000 alerts emitted at once, each iteration
//     waits until the receiver has all of them: alerts/s delivered, and emit-to-receipt latency
//     p50/p99 (includes the wait in the queue behind the burst).
//   BM_WebhookLatency: one alert at a time, unloaded: emit-to-receipt latency p50/p99.
//   BM_EmitWhileWebhookHangs/<spool>: the cost of emit() on the detector thread while the
//     webhook never answers, without (0) and with (1) the write-ahead spool: the difference is
//     what writing every alert ahead costs.
//   BM_SpoolAppendConsume: the spool alone, one append and one delivery (cursor write) per alert.
// The latency clock starts at emit() (the detector's hand-off; the event's own time is set
// then too) and stops when the receiver's handler sees the alert.
#include <benchmark/benchmark.h>
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/http/module_loader.h"
#include "engine/output/output_manager.h"
#include "engine/output/spool.h"

namespace th {
namespace {

// The webhooks' HTTP module of this build (the command looks next to itself; this is elsewhere).
[[maybe_unused]] const bool kHttpModuleOfThisBuild = (http::use_module_at(TH_HTTP_MODULE), true);

using SteadyNs = int64_t;
SteadyNs now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Receives alerts; finds each alert's "seq" and records when it arrived.
class BenchReceiver {
 public:
  explicit BenchReceiver(std::size_t capacity) : arrived_(capacity) {
    server_.set_keep_alive_max_count(1000000);
    server_.set_keep_alive_timeout(1);
    server_.set_tcp_nodelay(true);
    server_.Post("/alerts", [this](const httplib::Request& req, httplib::Response& res) {
      SteadyNs t = now_ns();
      constexpr std::string_view kKey = "\"seq\":";
      for (auto p = req.body.find(kKey); p != std::string::npos; p = req.body.find(kKey, p + 1)) {
        std::size_t seq = std::strtoull(req.body.c_str() + p + kKey.size(), nullptr, 10);
        if (seq < arrived_.size()) arrived_[seq].store(t, std::memory_order_relaxed);
        count_.fetch_add(1, std::memory_order_release);
      }
      res.set_content("ok", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~BenchReceiver() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/alerts"; }
  std::size_t count() const { return count_.load(std::memory_order_acquire); }
  SteadyNs arrived(std::size_t seq) const { return arrived_[seq].load(std::memory_order_relaxed); }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::vector<std::atomic<SteadyNs>> arrived_;
  std::atomic<std::size_t> count_{0};
};

Alert bench_alert(std::size_t seq) {
  Alert a;
  a.time_ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
  a.rule = "Ptrace write into another process";
  a.priority = Priority::critical;
  a.output = "15:04:05.000000000: Critical Process injection by ptrace (tracer=gdb target=sshd)";
  a.output_fields = {{"seq", seq},         {"evt.type", "ptrace"}, {"proc.name", "gdb"},
                     {"proc.pid", 4242},   {"proc.cmdline", "gdb -p 1234"},
                     {"target.name", "sshd"}, {"target.pid", 1234}, {"ptrace.request", "PTRACE_POKETEXT"}};
  a.tags = {"T1055.008", "process_injection", "mitre_defense_evasion"};
  a.hostname = "bench-host";
  return a;
}

struct Setup {
  std::string spool_dir;
  Metrics metrics;
  std::unique_ptr<OutputManager> mgr;
  Setup(const std::string& url, uint32_t max_alerts, bool spool = true) {
    char tmpl[] = "/tmp/th-output-bench-XXXXXX";
    spool_dir = ::mkdtemp(tmpl);
    Config cfg;
    cfg.outputs.stdout_output.enabled = false;
    WebhookConfig w;
    w.name = "bench";
    w.url = url;
    w.batch.max_alerts = max_alerts;
    w.batch.max_delay = std::chrono::milliseconds(2);
    w.queue_size = 100000;  // a burst stays in memory: this measures HTTP delivery, not the disk
    w.spool.dir = spool_dir + "/bench";
    w.spool.enabled = spool;
    cfg.outputs.webhooks = {w};
    Diagnostics d;
    mgr = OutputManager::create(cfg, d, {&metrics});
    if (!mgr) std::fprintf(stderr, "%s", format_diagnostics_text(d).c_str());
  }
  ~Setup() {
    mgr.reset();
    std::filesystem::remove_all(spool_dir);
  }
};

void report_latency(benchmark::State& state, std::vector<double>& us) {
  if (us.empty()) return;
  std::sort(us.begin(), us.end());
  state.counters["p50_us"] = us[us.size() / 2];
  state.counters["p99_us"] = us[std::min(us.size() - 1, us.size() * 99 / 100)];
}

void BM_WebhookThroughput(benchmark::State& state) {
  constexpr std::size_t kBurst = 2000;
  const auto max_alerts = static_cast<uint32_t>(state.range(0));
  BenchReceiver rx(kBurst * 4000);
  Setup s(rx.url(), max_alerts);
  if (!s.mgr) return state.SkipWithError("cannot create the outputs");
  std::vector<SteadyNs> emitted;
  std::vector<double> latency_us;
  std::size_t seq = 0;
  for (auto _ : state) {
    std::size_t first = seq;
    for (std::size_t i = 0; i < kBurst; ++i, ++seq) {
      if (seq >= kBurst * 4000) return state.SkipWithError("too many iterations");
      emitted.push_back(now_ns());
      s.mgr->emit(bench_alert(seq));
    }
    while (rx.count() < seq) std::this_thread::yield();
    for (std::size_t i = first; i < seq; ++i)
      latency_us.push_back(static_cast<double>(rx.arrived(i) - emitted[i]) / 1e3);
  }
  state.SetItemsProcessed(static_cast<int64_t>(seq));
  report_latency(state, latency_us);
  state.counters["retried"] =
      s.metrics.value("tracehound_output_retried_total", {{"output", "bench"}});
}
BENCHMARK(BM_WebhookThroughput)->Arg(1)->Arg(100)->UseRealTime()->Unit(benchmark::kMillisecond);

void BM_WebhookLatency(benchmark::State& state) {
  constexpr std::size_t kMax = 1000000;
  BenchReceiver rx(kMax);
  Setup s(rx.url(), 1);
  if (!s.mgr) return state.SkipWithError("cannot create the outputs");
  std::vector<double> latency_us;
  std::size_t seq = 0;
  for (auto _ : state) {
    if (seq >= kMax) return state.SkipWithError("too many iterations");
    SteadyNs t0 = now_ns();
    s.mgr->emit(bench_alert(seq));
    ++seq;
    while (rx.count() < seq) std::this_thread::yield();
    latency_us.push_back(static_cast<double>(rx.arrived(seq - 1) - t0) / 1e3);
  }
  state.SetItemsProcessed(static_cast<int64_t>(seq));
  report_latency(state, latency_us);
}
BENCHMARK(BM_WebhookLatency)->UseRealTime()->Unit(benchmark::kMicrosecond);

// emit() itself, with a webhook that never answers: the cost the detector thread pays.
void BM_EmitWhileWebhookHangs(benchmark::State& state) {
  httplib::Server hang;
  std::atomic<bool> release{false};
  hang.Post("/alerts", [&](const httplib::Request&, httplib::Response&) {
    while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  });
  int port = hang.bind_to_any_port("127.0.0.1");
  std::thread t([&] { hang.listen_after_bind(); });
  while (!hang.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  {
    Setup s("http://127.0.0.1:" + std::to_string(port) + "/alerts", 1, state.range(0) != 0);
    if (!s.mgr) return state.SkipWithError("cannot create the outputs");
    Alert a = bench_alert(1);
    for (auto _ : state) s.mgr->emit(a);
    state.SetItemsProcessed(state.iterations());
    release = true;
    s.mgr->shutdown(std::chrono::milliseconds(0));
  }
  hang.stop();
  t.join();
}
BENCHMARK(BM_EmitWhileWebhookHangs)->Arg(0)->Arg(1)->Iterations(50000);

void BM_SpoolAppendConsume(benchmark::State& state) {
  char tmpl[] = "/tmp/th-spool-bench-XXXXXX";
  std::string dir = ::mkdtemp(tmpl);
  {
    std::string err;
    auto spool = Spool::open(dir + "/q", 1ull << 30, err);
    if (!spool) return state.SkipWithError(err.c_str());
    Alert a = bench_alert(1);
    a.uuid = new_alert_uuid();
    const std::string line = alert_to_json(a);
    for (auto _ : state) {
      spool->append(line, a.priority);
      benchmark::DoNotOptimize(spool->peek(1));
      spool->consume(1);
    }
    state.SetItemsProcessed(state.iterations());
    state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(line.size() + 1));
  }
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_SpoolAppendConsume)->Iterations(50000);

}  // namespace
}  // namespace th
