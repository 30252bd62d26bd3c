// tracehound run: the live detector. Loads the rules, starts the outputs and the metrics
// endpoint, bootstraps the process table from /proc, loads the probe with the rules' interest and
// evaluates every event as it arrives. SIGINT/SIGTERM: clean shutdown (queues drained, exit 0);
// SIGHUP: reload the rules (the old ones stay if the new ones do not compile); SIGUSR1: reopen
// the alert file.
#include <poll.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "engine/cli/commands.h"
#include "engine/cli/flood_reporter.h"
#include "engine/cli/internal_alert.h"
#include "engine/cli/live.h"
#include "probe/record_decoder.h"
#include "engine/detect/detector.h"
#include "engine/metrics/metrics_server.h"
#include "engine/output/output_manager.h"
#include "engine/proc/container_meta.h"
#include "engine/rules/loader.h"

namespace th::cli {
namespace {

struct RunOptions {
  CommonOptions common;
  double duration = 0;  // seconds; 0 = until a signal
  int metrics_port = -1;
  std::string metrics_address;  // empty: the config's
  bool verbose = false;
};

RateLimitOptions rate_limit_options(const RateLimitConfig& c) {
  auto ns = [](Millis m) { return static_cast<uint64_t>(m.count()) * 1'000'000ull; };
  RateLimitOptions o;
  o.enabled = c.enabled;
  o.burst = c.burst;
  o.interval_ns = ns(c.interval);
  o.user_budget = c.user_budget;
  o.user_burst = c.user_burst;
  o.summary_interval_ns = ns(c.summary_interval);
  return o;
}

// Kernel drops: logged and alerted at most once per interval, with the counts since the last one.
class DropReporter {
 public:
  explicit DropReporter(AlertSink& sink, std::string hostname)
      : sink_(sink), hostname_(std::move(hostname)) {}

  // `flooders`: the processes flood control saw repeating themselves lately (who filled it).
  void check(const probe::Probe::Stats& st, uint64_t now, const nlohmann::ordered_json& flooders) {
    uint64_t total = 0;
    for (const auto& k : st.kinds) total += k.drops;
    if (total <= reported_) return;
    if (last_alert_ns_ && now < last_alert_ns_ + kInterval) return;
    uint64_t fresh = total - reported_;
    reported_ = total;
    last_alert_ns_ = now;
    spdlog::warn("kernel ring buffer full: {} events dropped ({} in total); consider a larger "
                 "ring_buffer_size",
                 fresh, total);
    Alert a = internal_alert(
        now, "kernel event drops", Priority::critical, hostname_,
        std::to_string(fresh) + " events were dropped in the kernel because the ring buffer was full (" +
            std::to_string(total) + " since start); injections in that window may be missed");
    a.output_fields["tracehound.kernel_drops"] = fresh;
    a.output_fields["tracehound.kernel_drops_total"] = total;
    auto per_kind = nlohmann::ordered_json::object();
    for (std::size_t k = 0; k < st.kinds.size(); ++k)
      if (st.kinds[k].drops)
        per_kind[std::string(probe::kind_name(static_cast<th_kind>(k)))] = st.kinds[k].drops;
    a.output_fields["tracehound.kernel_drops_by_kind"] = per_kind;
    a.output_fields["tracehound.flooders"] = flooders;
    sink_.emit(a);
  }

 private:
  static constexpr uint64_t kInterval = 10'000'000'000ull;
  AlertSink& sink_;
  std::string hostname_;
  uint64_t reported_ = 0;
  uint64_t last_alert_ns_ = 0;
};

std::shared_ptr<const Ruleset> load_ruleset(const Config& cfg, bool log_ok) {
  LoadResult r = load_rules(cfg.rules_files,
                            LoadOptions{&FieldRegistry::builtin(), cfg.folding.enabled});
  for (const auto& d : r.diags.items()) {
    std::string text = format_diagnostic(d);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (d.severity == Severity::error) spdlog::error("{}", text);
    else spdlog::warn("{}", text);
  }
  if (r.ruleset && log_ok)
    spdlog::info("loaded {} rules from {} file(s)", r.ruleset->rules().size(), r.files.size());
  return r.ruleset;
}

constexpr int kLoopSliceMs = 4;

int run(const RunOptions& o) {
  auto started = std::chrono::steady_clock::now();
  // Before any thread starts (outputs, metrics server): threads inherit the blocked mask, so the
  // signals reach only the signalfd of the main loop.
  SignalFd signals;
  setup_logging(o.verbose);
  Config cfg;
  if (!build_config(o.common, cfg)) return 2;
  if (o.metrics_port >= 0) cfg.metrics.port = static_cast<uint16_t>(o.metrics_port);
  if (!o.metrics_address.empty()) cfg.metrics.address = o.metrics_address;
  auto rules = load_ruleset(cfg, true);
  if (!rules) return 1;

  Diagnostics d;
  auto outputs = OutputManager::create(cfg, d, {.report_drops = true});
  if (print_diagnostics(d) || !outputs) return 2;

  auto& metrics = Metrics::global();
  auto& reloads_ok = metrics.counter("tracehound_rules_reloads_total", "Rule reloads",
                                     {{"result", "success"}});
  auto& reloads_bad = metrics.counter("tracehound_rules_reloads_total", "Rule reloads",
                                      {{"result", "failure"}});
  auto& last_reload = metrics.gauge("tracehound_rules_last_reload_timestamp_seconds",
                                    "When the rules were last (re)loaded");
  auto& last_reload_ok = metrics.gauge("tracehound_rules_last_reload_success",
                                       "1 when the last rules (re)load succeeded");
  auto& rule_count = metrics.gauge("tracehound_rules_loaded", "Enabled rules in use");
  last_reload.set(static_cast<double>(now_ns()) / 1e9);
  last_reload_ok.set(1);
  rule_count.set(static_cast<double>(rules->rules().size()));

  ProcessTable table(ProcessTableOptions{.max_entries = cfg.process_table_size,
                                         .passwd_path = cfg.passwd_path});
  std::size_t known = table.bootstrap();

  auto hooks = cfg.syscall_hooks == SyscallHooksChoice::raw_syscalls ? probe::SyscallHooks::raw_syscalls
               : cfg.syscall_hooks == SyscallHooksChoice::per_syscall ? probe::SyscallHooks::per_syscall
                                                                     : probe::SyscallHooks::automatic;
  auto probe = open_probe(rules->interest(), cfg.ring_buffer_size, hooks);
  if (!probe) return 2;
  spdlog::info("probe: {}", probe->describe());
  for (const auto& gap : probe->blind_spots())
    outputs->emit(internal_alert(now_ns(), "syscalls not watched", Priority::warning, cfg.hostname, gap));

  DetectorOptions dopts;
  dopts.hostname = cfg.hostname;
  dopts.fold.enabled = cfg.folding.enabled;
  dopts.fold.window_ns = static_cast<uint64_t>(cfg.folding.window.count()) * 1'000'000ull;
  dopts.rate_limit = rate_limit_options(cfg.rate_limit);
  Detector detector(rules, table, *outputs, dopts);
  DropReporter drops(*outputs, cfg.hostname.empty() ? std::string() : cfg.hostname);
  FloodReporter floods(*outputs, cfg.hostname);

  std::atomic<uint64_t> heartbeat{now_ns()};
  // Liveness (/livez, /healthz): the detection loop turns. Readiness (/readyz): the outputs
  // deliver too.
  MetricsServer server(
      [&]() -> Health {
        uint64_t age = now_ns() - heartbeat.load();
        if (age > 5'000'000'000ull) return {false, "event loop stalled"};
        return {true, ""};
      },
      nullptr,
      [&]() -> Health {
        std::string why;
        for (const auto& p : outputs->output_problems()) why += (why.empty() ? "" : "; ") + p;
        return why.empty() ? Health{} : Health{false, "degraded outputs: " + why};
      });
  if (cfg.metrics.enabled) {
    std::string err;
    if (!server.start(cfg.metrics.address, cfg.metrics.port, err)) {
      spdlog::error("metrics endpoint: {}", err);
      return 2;
    }
    spdlog::info("metrics on http://{}:{}/metrics", cfg.metrics.address, server.port());
  }
  double startup_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started)
          .count();
  metrics.gauge("tracehound_startup_seconds", "Time from start to watching")
      .set(startup_ms / 1000);
  spdlog::info("watching: {} processes known, {} rules, started in {:.0f} ms", known,
               rules->rules().size(), startup_ms);

  uint64_t deadline = o.duration > 0 ? now_ns() + static_cast<uint64_t>(o.duration * 1e9) : 0;
  uint64_t last_tick = 0;
  bool stop = false;
  // Container names and images: asked of the runtime in the background, applied between events.
  std::unique_ptr<ContainerMetadata> containers;
  if (cfg.container_runtime.enabled && !cfg.container_runtime.sockets.empty())
    containers = std::make_unique<ContainerMetadata>(ContainerMetaOptions{
        .sockets = cfg.container_runtime.sockets, .timeout = cfg.container_runtime.timeout});
  auto on_event = [&](Event& e) {
    detector.process(e);
    if (containers) containers->observe(e);
  };
  while (!stop) {
    // The probe wakes this loop only once a batch of records is pending (cheaper for the traced
    // tasks under floods); the short timeout bounds how long a lone record waits: the alert
    // latency (bench/RESULTS.md).
    pollfd fds[2] = {{probe->fd(), POLLIN, 0}, {signals.fd(), POLLIN, 0}};
    ::poll(fds, 2, kLoopSliceMs);
    int rc = probe->poll(0, on_event);
    if (rc < 0 && rc != -EINTR) spdlog::warn("ring buffer poll failed: {}", rc);
    for (int sig = signals.next(); sig != 0; sig = signals.next()) {
      if (sig == SIGINT || sig == SIGTERM) {
        spdlog::info("signal {}: shutting down", sig);
        stop = true;
      } else if (sig == SIGUSR1) {
        outputs->reopen();
      } else if (sig == SIGHUP) {
        spdlog::info("SIGHUP: reloading rules");
        auto fresh = load_ruleset(cfg, true);
        last_reload.set(static_cast<double>(now_ns()) / 1e9);
        std::string err;
        if (!fresh) {
          spdlog::error("rules reload failed; keeping the {} rules in use",
                        detector.ruleset().rules().size());
          reloads_bad.inc();
          last_reload_ok.set(0);
        } else if (!probe->set_interest(fresh->interest(), err)) {
          spdlog::error("rules reload: cannot update the probe ({}); keeping the old rules", err);
          reloads_bad.inc();
          last_reload_ok.set(0);
        } else {
          detector.set_ruleset(fresh);
          rule_count.set(static_cast<double>(fresh->rules().size()));
          reloads_ok.inc();
          last_reload_ok.set(1);
        }
      }
    }
    if (containers) containers->apply(table.containers());
    uint64_t now = now_ns();
    heartbeat.store(now);
    if (now >= last_tick + 200'000'000ull) {
      last_tick = now;
      detector.tick(now);
      probe->publish_metrics();
      floods.check(*probe, now);
      drops.check(probe->stats(), now, floods.recent_flooders());
    }
    if (deadline && now >= deadline) stop = true;
  }
  probe->poll(0, on_event);  // what is already in the ring buffer
  detector.finish();
  probe->publish_metrics();
  server.stop();
  outputs->shutdown();
  spdlog::info("stopped: {} events, {} alerts", detector.events(), detector.alerts());
  return 0;
}

}  // namespace

Runner add_run(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Watch this host live and print alerts (root)");
  auto o = std::make_shared<RunOptions>();
  add_common_options(*cmd, o->common);
  cmd->add_option("--duration", o->duration, "Stop after this many seconds (default: never)");
  cmd->add_option("--metrics-address", o->metrics_address,
                  "Address of /metrics and the health endpoints (default: the config's, 127.0.0.1)");
  cmd->add_option("--metrics-port", o->metrics_port,
                  "Port of /metrics and /healthz (0: any free port)");
  cmd->add_flag("-v,--verbose", o->verbose, "Debug logging");
  return [o]() { return run(*o); };
}

}  // namespace th::cli
