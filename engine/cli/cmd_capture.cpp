// tracehound capture -o FILE.jsonl [--duration S]: records live events in the replay format (file
// mode 0600: events name processes and their command lines), each with the acting process, its
// ancestry and the target as the rules would see them, so that `replay` reproduces live results.
// The config file gives the ring size, the syscall hooks, the process table and the passwd file,
// as for `run`. The output file is opened so that a planted link is refused (output_file.h).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

#include "engine/cli/commands.h"
#include "engine/cli/config_options.h"
#include "engine/cli/live_session.h"
#include "engine/cli/output_file.h"
#include "engine/io/event_json.h"
#include "engine/rules/loader.h"

namespace th::cli {
namespace {

struct CaptureOptions {
  std::string config_path;
  std::vector<std::string> overrides;  // --option key=value
  std::string output;
  double duration = 0;
  std::vector<std::string> rules;  // optional: capture only what these rules could match
  bool verbose = false;
};

int capture(const CaptureOptions& o) {
  LiveSession session({.duration_s = o.duration});  // first: later threads inherit its mask
  setup_logging(o.verbose);
  Config cfg;
  if (!load_config(o.config_path, o.overrides, cfg)) return 2;
  Interest interest = Interest::everything();
  if (!o.rules.empty()) {
    LoadResult r = load_rules(o.rules, load_options(cfg));
    if (print_diagnostics(r.diags)) return 1;
    interest = r.ruleset->interest();
  }
  std::string error;
  int fd = open_output_file(o.output, error);
  if (fd < 0) {
    spdlog::error("{}: {}", o.output, error);
    return 2;
  }
  std::unique_ptr<FILE, int (*)(FILE*)> out(::fdopen(fd, "w"), &std::fclose);
  LiveSession::Recorder record{
      .write =
          [f = out.get()](const Event& e, const ProcessTable& table) {
            std::string line = event_to_json(e, table).dump(
                -1, ' ', false, nlohmann::json::error_handler_t::replace);
            line.push_back('\n');
            return std::fwrite(line.data(), 1, line.size(), f) == line.size();
          },
      .flush = [f = out.get()] { return std::fflush(f) == 0; }};
  if (int rc = session.start_capture(cfg, interest, record); rc != 0) return rc;
  spdlog::info("capturing to {}", o.output);
  int rc = session.run();
  if (std::fclose(out.release()) != 0 || rc != 0) {
    spdlog::error("{}: write failed", o.output);
    rc = 2;
  }
  uint64_t drops = session.kernel_drops();
  spdlog::info("captured {} events ({} dropped in the kernel)", session.events(), drops);
  if (drops) spdlog::warn("the ring buffer overflowed: {} events are missing from the capture", drops);
  return rc;
}

}  // namespace

Runner add_capture(CLI::App& app) {
  auto* cmd = app.add_subcommand("capture", "Record live events as JSON Lines for replay (root)");
  auto o = std::make_shared<CaptureOptions>();
  add_config_option(*cmd, o->config_path);
  add_override_option(*cmd, o->overrides, false);  // -o is the output file
  cmd->add_option("-o,--output", o->output,
                  "File to write (created with mode 0600; links are refused)")
      ->required();
  add_duration_option(*cmd, o->duration);
  cmd->add_option("-r,--rules", o->rules,
                  "Capture only events these rules could match (default: everything)");
  cmd->add_flag("-v,--verbose", o->verbose, "Debug logging");
  return [o]() { return capture(*o); };
}

}  // namespace th::cli
