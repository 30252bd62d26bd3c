#include "engine/cli/live_session.h"

#include <poll.h>
#include <spdlog/spdlog.h>

#include "engine/cli/commands.h"
#include "engine/cli/config_options.h"
#include "engine/cli/event_guard.h"
#include "engine/cli/proc_access.h"
#include "engine/detect/enrich.h"
#include "engine/rules/loader.h"

namespace th::cli {
namespace {

// Periodic work (reaping, folding windows, drop and flood reports, metrics) while records flow.
// After a tick period with none, the next tick waits kIdleTickNs: nothing then moves but the
// clocks of windows and grace periods, which a second late do not matter, and the first record
// wakes the loop at once and brings the short period back (wait_ms(), probe/wakeup.bpf.h).
// Kernel drops and flood control's held records only happen while records reach us (a full ring
// has woken the reader; a held stream sends its first records each window). kIdleTickNs stays
// well under kStallNs: the loop's turns are the liveness heartbeat.
constexpr uint64_t kTickNs = 200'000'000ull;
constexpr uint64_t kIdleTickNs = 1'000'000'000ull;
constexpr uint64_t kStallNs = 5'000'000'000ull;
// How long to wait, without polling the ring, for a record being written to be committed.
constexpr int kUnreadyRingMs = 1;
// How long the watched files must stay unchanged before a reload: an editor's save or a copy of
// several rules files is one reload.
constexpr uint64_t kWatchQuietNs = 250'000'000ull;

double seconds_now() { return static_cast<double>(now_ns()) / 1e9; }

// Rules as `run` loads them, every diagnostic logged; null when they do not compile.
std::shared_ptr<const Ruleset> load_ruleset(const Config& cfg) {
  LoadResult r = load_rules(cfg.rules_files, load_options(cfg));
  for (const auto& d : r.diags.items()) {
    std::string text = format_diagnostic(d);
    while (!text.empty() && text.back() == '\n') text.pop_back();
    if (d.severity == Severity::error) spdlog::error("{}", text);
    else spdlog::warn("{}", text);
  }
  if (r.ruleset) spdlog::info("rules: {} from {} file(s)", r.summary.describe(), r.files.size());
  return r.ruleset;
}

// The metrics of rule (re)loads.
void note_rules_loaded(bool ok, const Ruleset* rules, bool is_reload) {
  auto& m = Metrics::global();
  if (is_reload)
    m.counter("tracehound_rules_reloads_total", "Rule reloads",
              {{"result", ok ? "success" : "failure"}})
        .inc();
  m.gauge("tracehound_rules_last_reload_timestamp_seconds", "When the rules were last (re)loaded")
      .set(seconds_now());
  m.gauge("tracehound_rules_last_reload_success", "1 when the last rules (re)load succeeded")
      .set(ok ? 1 : 0);
  if (ok)
    m.gauge("tracehound_rules_loaded", "Enabled rules in use")
        .set(static_cast<double>(rules->rules().size()));
}

}  // namespace

LiveSession::LiveSession(Options o) : opts_(o) {}

LiveSession::~LiveSession() {
  if (endpoint_) endpoint_->stop();
}

uint64_t LiveSession::kernel_drops() const { return probe_ ? total_drops(probe_->stats()) : 0; }

bool LiveSession::open_probe_and_table(const Config& cfg, const Interest& interest,
                                       const Ruleset* kill_rules) {
  table_ = std::make_unique<ProcessTable>(process_table_options(cfg, ProcSource::host));
  known_processes_ = table_->bootstrap();
  warn_if_proc_unreadable();
  probe::ProbeOptions po = probe_options(cfg, interest);
  if (kill_rules && cfg.enforcement.mode != EnforcementMode::off) {
    std::string err;
    if (!enforcement_plan(cfg, *kill_rules, po.enforcement, err)) {
      spdlog::error("enforcement: {}", err);
      return false;
    }
    spdlog::warn("enforcement: {} ({} kill rules, at most {} kills a second)",
                 enforcement_mode_name(cfg.enforcement.mode),
                 kill_rules->kill_program().rules.size(), cfg.enforcement.max_kills_per_second);
  }
  if (!opts_.aggregate_floods)
    po.flood.inject_burst = po.flood.bulk_burst = po.flood.uid_inject = po.flood.uid_bulk = 0;
  probe_ = open_probe(po);
  if (!probe_) return false;
  spdlog::info("probe: {}", probe_->describe());
  return true;
}

int LiveSession::start_detection(const Config& cfg) {
  cfg_ = cfg;
  auto rules = load_ruleset(cfg_);
  if (!rules) return 1;
  Diagnostics d;
  outputs_ = OutputManager::create(cfg_, d, {.report_drops = true});
  if (print_diagnostics(d) || !outputs_) return 2;
  note_rules_loaded(true, rules.get(), false);
  if (!open_probe_and_table(cfg_, rules->interest(), rules.get())) return 2;

  DetectorOptions dopts = detector_options(cfg_);
  dopts.rate_limit = rate_limit_options(cfg_.rate_limit);
  // Container names and images: asked of the runtime in the background, applied at each tick.
  if (cfg_.container_runtime.enabled && !cfg_.container_runtime.sockets.empty()) {
    containers_ = std::make_unique<ContainerMetadata>(ContainerMetaOptions{
        .sockets = cfg_.container_runtime.sockets, .timeout = cfg_.container_runtime.timeout});
    dopts.hooks.after_event = [c = containers_.get()](const Event& e) { c->observe(e); };
    dopts.hooks.on_tick = [c = containers_.get()](ProcessTable& t, uint64_t) { c->apply(t.containers()); };
  }
  detector_ = std::make_unique<Detector>(rules, *table_, *outputs_, std::move(dopts));
  if (cfg_.enforcement.mode != EnforcementMode::off) {
    enforcement_ = std::make_unique<EnforcementReporter>(*outputs_, cfg_.hostname,
                                                         cfg_.enforcement.mode);
    enforcement_->set_rules(rules);
    probe_->set_enforcement_handler([this](const probe::EnforcementRecord& r) {
      enforcement_->handle(r, *detector_, *table_);
    });
  }
  drops_ = std::make_unique<DropReporter>(outputs_.get(), cfg_.hostname);
  guard_ = std::make_unique<EventGuard>(outputs_.get(), cfg_.hostname);
  floods_ = std::make_unique<FloodReporter>(*outputs_, cfg_.hostname);
  report_blind_spots();
  start_outputs_metrics();
  start_watching();
  log_watching(rules->rules().size());
  return 0;
}

void LiveSession::start_outputs_metrics() {
  heartbeat_.store(now_ns());
  endpoint_ = std::make_unique<MetricsEndpoint>(
      cfg_.metrics, [this] { return liveness(); }, [this] { return readiness(); }, outputs_.get(),
      cfg_.hostname);
  endpoint_->start(now_ns());
}

int LiveSession::start_capture(const Config& cfg, const Interest& interest, Recorder record) {
  cfg_ = cfg;
  record_ = std::move(record);
  if (!open_probe_and_table(cfg_, interest)) return 2;
  drops_ = std::make_unique<DropReporter>(nullptr, cfg_.hostname);
  guard_ = std::make_unique<EventGuard>(nullptr, cfg_.hostname);
  return 0;
}

void LiveSession::log_watching(std::size_t rules) {
  double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() -
                                                        started_)
                  .count();
  Metrics::global().gauge("tracehound_startup_seconds", "Time from start to watching").set(ms / 1000);
  spdlog::info("watching: {} processes known, {} rules, started in {:.0f} ms", known_processes_,
               rules, ms);
}

// What the probe cannot see on this host (e.g. ia32 syscalls under per-syscall hooks), and alerts
// the outputs found but will not deliver (a webhook's earlier URL): one internal alert each at
// start-up, so that the gap is never silent.
void LiveSession::report_blind_spots() {
  for (const auto& gap : probe_->blind_spots())
    outputs_->emit(internal_alert(now_ns(), "syscalls not watched", Priority::warning,
                                  cfg_.hostname, gap));
  for (const auto& notice : outputs_->notices())
    outputs_->emit(internal_alert(now_ns(), "spooled alerts not delivered", Priority::warning,
                                  cfg_.hostname, notice));
}

// Liveness (/livez, /healthz): the detection loop turns.
Health LiveSession::liveness() const {
  uint64_t age = now_ns() - heartbeat_.load();
  if (age > kStallNs) return {false, "event loop stalled"};
  return {true, ""};
}

// Readiness (/readyz): the outputs deliver too.
Health LiveSession::readiness() const {
  std::string why;
  for (const auto& p : outputs_->output_problems()) why += (why.empty() ? "" : "; ") + p;
  return why.empty() ? Health{} : Health{false, "degraded outputs: " + why};
}

void LiveSession::handle(Event& e) {
  ++events_;
  if (detector_) return detector_->process(e);
  if (record_failed_) return;
  enrich_event(e, *table_);
  if (!record_.write(e, *table_)) record_failed_ = true;
  after_event(e, *table_);
}

void LiveSession::reload(const std::string& why) {
  spdlog::info("{}: reloading the rules", why);
  Config fresh_cfg = cfg_;
  std::string failure;
  if (opts_.reload_config) {
    Config c;
    if (!opts_.reload_config(c)) {
      failure = "the config does not validate";
    } else {
      // What a reload applies: the rules, their selection, and whether to watch.
      fresh_cfg.rules_files = c.rules_files;
      fresh_cfg.rule_selections = c.rule_selections;
      fresh_cfg.watch_config_files = c.watch_config_files;
    }
  }
  std::shared_ptr<const Ruleset> fresh;
  std::string err;
  if (failure.empty() && !(fresh = load_ruleset(fresh_cfg))) {
    failure = "the rules do not load";
  } else if (fresh &&
             (!probe_->set_interest(fresh->interest(), err) || !reload_enforcement(*fresh, err))) {
    failure = "the probe cannot take the new rules (" + err + ")";
    fresh.reset();
  }
  note_rules_loaded(fresh != nullptr, fresh.get(), true);
  if (!fresh) {
    std::string detail = why + ": " + failure + "; keeping the " +
                         std::to_string(detector_->ruleset().rules().size()) + " rules in use";
    spdlog::error("rules reload failed: {}", detail);
    outputs_->emit(internal_alert(now_ns(), "rules reload failed", Priority::error,
                                  cfg_.hostname, detail));
    return;
  }
  detector_->set_ruleset(fresh);
  if (enforcement_) enforcement_->set_rules(fresh);
  bool rewatch = fresh_cfg.rules_files != cfg_.rules_files ||
                 fresh_cfg.watch_config_files != cfg_.watch_config_files;
  cfg_ = std::move(fresh_cfg);
  if (rewatch) start_watching();
}

// Falco's watch_config_files: the config file and every rules file and folder.
void LiveSession::start_watching() {
  watcher_.reset();
  if (!cfg_.watch_config_files) return;
  std::vector<std::string> paths = cfg_.rules_files;
  if (!cfg_.source_file.empty()) paths.push_back(cfg_.source_file);
  watcher_ = std::make_unique<FileWatcher>(paths, kWatchQuietNs);
}

void LiveSession::check_watcher(uint64_t now, bool readable) {
  if (!watcher_) return;
  if (readable) watcher_->read_events(now);
  if (!watcher_->due(now)) return;
  std::string files;
  for (const auto& f : watcher_->changed()) files += (files.empty() ? "" : ", ") + f;
  reload("changed: " + files);
}

bool LiveSession::reload_enforcement(const Ruleset& rules, std::string& err) {
  if (!enforcement_) return true;
  probe::EnforcementPlan plan;
  return enforcement_plan(cfg_, rules, plan, err) && probe_->set_enforcement(plan, err);
}

void LiveSession::handle_signals(bool& stop) {
  for (int sig = signals_.next(); sig != 0; sig = signals_.next()) {
    if (sig == SIGINT || sig == SIGTERM) {
      spdlog::info("signal {}: shutting down", sig);
      stop = true;
    } else if (sig == SIGUSR1 && outputs_) {
      outputs_->reopen();
    } else if (sig == SIGHUP && detector_) {
      reload("SIGHUP");
    }
  }
}

void LiveSession::tick(uint64_t now) {
  last_tick_ = now;
  events_at_tick_ = events_;
  if (detector_) detector_->tick(now);
  else table_->reap(now);
  if (record_.flush && !record_failed_ && !record_.flush()) record_failed_ = true;
  const probe::Probe::Stats stats = probe_->stats();
  probe_->publish_metrics(stats);
  if (floods_) {
    floods_->check(*probe_, stats, now);
    drops_->check(stats, now, floods_->recent_flooders());
  } else {
    drops_->check(stats, now);
  }
  if (endpoint_) endpoint_->tick(now);
}

uint64_t LiveSession::next_tick() const {
  bool quiet = events_ == events_at_tick_ && !probe_->busy();
  return last_tick_ + (quiet ? kIdleTickNs : kTickNs);
}

// How long the loop may sleep: a wakeup gap while records flow (some may have been committed
// without waking us), else until the next tick or the end of the run. An idle detector then
// turns only for its ticks; the first record after a quiet spell wakes it (probe/wakeup.bpf.h).
int LiveSession::wait_ms(uint64_t deadline) const {
  if (probe_->busy()) return probe_->look_again_ms();
  uint64_t now = now_ns();
  uint64_t until = next_tick();
  if (deadline && deadline < until) until = deadline;
  if (watcher_)
    if (int w = watcher_->wait_ms(now); w >= 0 && now + w * 1'000'000ull < until)
      until = now + w * 1'000'000ull;
  if (until <= now) return 0;
  return static_cast<int>((until - now + 999'999) / 1'000'000);
}

int LiveSession::run() {
  auto on_event = [this](Event& e) { handle(e); };
  uint64_t deadline =
      opts_.duration_s > 0 ? now_ns() + static_cast<uint64_t>(opts_.duration_s * 1e9) : 0;
  bool stop = false;
  while (!stop && !record_failed_) {
    // A ring that polls readable but gives nothing holds a record its producer is still
    // writing, committed in a moment: until then poll without it, so as not to spin.
    const bool ring_unready = ring_unready_;
    pollfd fds[3] = {{ring_unready ? -1 : probe_->fd(), POLLIN, 0},
                     {signals_.fd(), POLLIN, 0},
                     {watcher_ ? watcher_->fd() : -1, POLLIN, 0}};
    ::poll(fds, 3, ring_unready ? kUnreadyRingMs : wait_ms(deadline));
    int rc = 0;
    guard_->run([&] { rc = probe_->poll(0, on_event); }, now_ns());
    ring_unready_ = (fds[0].revents & POLLIN) && rc == 0;
    if (rc < 0 && rc != -EINTR) spdlog::warn("ring buffer poll failed: {}", rc);
    if (fds[1].revents & POLLIN) handle_signals(stop);
    uint64_t now = now_ns();
    check_watcher(now, fds[2].revents & POLLIN);
    heartbeat_.store(now);
    if (now >= next_tick()) tick(now);
    if (deadline && now >= deadline) stop = true;
  }
  finish();
  return record_failed_ ? 2 : 0;
}

void LiveSession::finish() {
  // What is already in the ring buffer.
  guard_->run([this] { probe_->poll(0, [this](Event& e) { handle(e); }); }, now_ns());
  probe_->publish_metrics();
  if (!detector_) return;
  detector_->finish();
  if (endpoint_) endpoint_->stop();
  outputs_->shutdown();
  spdlog::info("stopped: {} events, {} alerts", detector_->events(), detector_->alerts());
}

}  // namespace th::cli
