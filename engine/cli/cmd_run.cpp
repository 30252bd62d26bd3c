// tracehound run: the live detector (engine/cli/live_session.h). Loads the rules, starts the
// outputs and the metrics endpoint, bootstraps the process table from /proc, loads the probe with
// the rules' interest and evaluates every event as it arrives. SIGINT/SIGTERM: clean shutdown
// (queues drained, exit 0); SIGHUP: reload the rules (the old ones stay if the new ones do not
// compile); SIGUSR1: reopen the alert file.
#include "engine/cli/commands.h"
#include "engine/cli/live_session.h"

namespace th::cli {
namespace {

struct RunOptions {
  CommonOptions common;
  double duration = 0;  // seconds; 0 = until a signal
  int metrics_port = -1;
  std::string metrics_address;  // empty: the config's
  bool verbose = false;
  bool enforce = false;
};

int run(const RunOptions& o) {
  // Before any thread starts (outputs, metrics server): threads inherit the blocked mask, so the
  // signals reach only the signalfd of the session's loop.
  LiveSession session({.duration_s = o.duration});
  setup_logging(o.verbose);
  Config cfg;
  if (!build_config(o.common, cfg)) return 2;
  if (o.metrics_port >= 0) cfg.metrics.port = static_cast<uint16_t>(o.metrics_port);
  if (!o.metrics_address.empty()) cfg.metrics.address = o.metrics_address;
  if (o.enforce) cfg.enforcement.mode = EnforcementMode::enforce;
  if (int rc = session.start_detection(cfg); rc != 0) return rc;
  return session.run();
}

}  // namespace

Runner add_run(CLI::App& app) {
  auto* cmd = app.add_subcommand("run", "Watch this host live and print alerts (root)");
  auto o = std::make_shared<RunOptions>();
  add_common_options(*cmd, o->common);
  add_duration_option(*cmd, o->duration);
  cmd->add_option("--metrics-address", o->metrics_address,
                  "Address of /metrics and the health endpoints (default: the config's, 127.0.0.1)");
  cmd->add_option("--metrics-port", o->metrics_port,
                  "Port of /metrics and /healthz (0: any free port; default: the config's, 8765)")
      ->check(CLI::Range(0, 65535));
  cmd->add_flag("-v,--verbose", o->verbose, "Debug logging");
  cmd->add_flag("--enforce", o->enforce,
                "Prevention: the kernel kills the caller of a syscall an `action: kill` rule "
                "matches, before its write (the config's enforcement.mode: enforce)");
  return [o]() { return run(*o); };
}

}  // namespace th::cli
