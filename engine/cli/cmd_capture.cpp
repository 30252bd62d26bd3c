// tracehound capture -o FILE [--format binary|jsonl] [--duration S]: records live events for
// replay (file mode 0600: events name processes and their command lines) with the processes as
// the rules would see them, so that `replay` reproduces live results. The default binary format
// (engine/io/capture_format.h) keeps up with the ring buffer: each process is written once and
// referenced; JSON Lines (every event with its process, ancestry and target) is for reading and
// editing by hand.
// The config file gives the ring size, the syscall hooks, the process table and the passwd file,
// as for `run`. The output file is opened so that a planted link is refused (output_file.h).
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

#include "engine/cli/commands.h"
#include "engine/cli/config_options.h"
#include "engine/cli/live_session.h"
#include "engine/cli/output_file.h"
#include "engine/io/capture_format.h"
#include "engine/io/capture_writer.h"
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
  std::string format = "binary";   // or "jsonl"
  bool no_aggregation = false;     // every record, no in-kernel flood aggregation
  bool verbose = false;
};

LiveSession::Recorder jsonl_recorder(FILE* f) {
  return {.write =
              [f](const Event& e, const ProcessTable& table) {
                std::string line = event_to_json(e, table).dump(
                    -1, ' ', false, nlohmann::json::error_handler_t::replace);
                line.push_back('\n');
                return std::fwrite(line.data(), 1, line.size(), f) == line.size();
              },
          .flush = [f] { return std::fflush(f) == 0; }};
}

LiveSession::Recorder binary_recorder(CaptureWriter& w) {
  return {.write = [&w](const Event& e, const ProcessTable& table) { return w.write(e, table); },
          .flush = [&w] { return w.flush(); }};
}

std::string local_hostname() {
  char buf[256] = {0};
  return gethostname(buf, sizeof buf - 1) == 0 ? buf : "unknown";
}

int capture(const CaptureOptions& o) {
  // First: later threads inherit its signal mask.
  LiveSession session({.duration_s = o.duration, .aggregate_floods = !o.no_aggregation});
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
  const bool binary = o.format == "binary";
  std::unique_ptr<CaptureWriter> writer;
  if (binary)
    writer = std::make_unique<CaptureWriter>(
        fd, CaptureHeader{.flags = o.rules.empty() ? 0 : capture::kFlagRulesOnly,
                          .start_ns = static_cast<uint64_t>(
                              std::chrono::system_clock::now().time_since_epoch().count()),
                          .hostname = cfg.hostname.empty() ? local_hostname() : cfg.hostname,
                          .producer = "tracehound capture"});
  LiveSession::Recorder record = binary ? binary_recorder(*writer) : jsonl_recorder(out.get());
  if (int rc = session.start_capture(cfg, interest, record); rc != 0) return rc;
  spdlog::info("capturing to {} ({})", o.output, binary ? "binary" : "JSON Lines");
  int rc = session.run();
  uint64_t drops = session.kernel_drops();
  if (writer && !writer->finish(drops) && rc == 0) rc = 2;
  if (std::fclose(out.release()) != 0 || rc != 0) {
    spdlog::error("{}: write failed{}", o.output,
                  writer && !writer->error().empty() ? ": " + writer->error() : "");
    rc = 2;
  }
  if (writer)
    spdlog::info("captured {} events ({} dropped in the kernel), {} process records, {} bytes "
                 "({:.1f} per event)",
                 session.events(), drops, writer->processes(), writer->bytes(),
                 session.events() ? double(writer->bytes()) / double(session.events()) : 0.0);
  else
    spdlog::info("captured {} events ({} dropped in the kernel)", session.events(), drops);
  if (drops) spdlog::warn("the ring buffer overflowed: {} events are missing from the capture", drops);
  return rc;
}

}  // namespace

Runner add_capture(CLI::App& app) {
  auto* cmd = app.add_subcommand("capture", "Record live events for replay (root)");
  auto o = std::make_shared<CaptureOptions>();
  add_config_option(*cmd, o->config_path);
  add_override_option(*cmd, o->overrides, false);  // -o is the output file
  cmd->add_option("-o,--output", o->output,
                  "File to write (created with mode 0600; links are refused)")
      ->required();
  add_duration_option(*cmd, o->duration);
  cmd->add_option("-r,--rules", o->rules,
                  "Capture only events these rules could match (default: everything)");
  cmd->add_option("--format", o->format,
                  "binary (compact, keeps up with the probe; the default) or jsonl (JSON Lines, "
                  "one self-contained event per line)")
      ->check(CLI::IsMember({"binary", "jsonl"}));
  cmd->add_flag("--no-aggregation", o->no_aggregation,
                "Record every event the probe makes: no in-kernel aggregation of floods (a "
                "complete recording; a flood may then overflow the ring, which is counted)");
  cmd->add_flag("-v,--verbose", o->verbose, "Debug logging");
  return [o]() { return capture(*o); };
}

}  // namespace th::cli
