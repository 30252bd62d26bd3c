// tracehound replay --rules R EVENTS: runs rules over recorded events and emits alerts exactly
// as live mode does (same detector, folding and outputs). EVENTS is a binary capture or JSON
// Lines; replay tells which from the first bytes. A malformed JSON line is reported with its line
// number and skipped; a malformed binary record is reported with its offset and ends the input.
// Either makes the exit code 1. The summary line gives the events per second.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/cli/config_options.h"
#include "engine/detect/detector.h"
#include "engine/io/byte_source.h"
#include "engine/io/capture_format.h"
#include "engine/io/capture_reader.h"
#include "engine/io/event_diagnostics.h"
#include "engine/io/event_json.h"
#include "engine/output/output_manager.h"
#include "engine/rules/loader.h"

namespace th::cli {
namespace {

struct ReplayCounts {
  uint64_t events = 0;
  uint64_t bad = 0;
  const char* bad_unit = "bad lines";  // JSON Lines; "bad records" for a binary capture
};

// Folding windows close in event time, so a replay folds as the live run did.
void tick_in_event_time(Detector& detector, uint64_t ts_ns, uint64_t& last_tick) {
  if (ts_ns >= last_tick + 1'000'000'000ull) {
    detector.tick(ts_ns);
    last_tick = ts_ns;
  }
}

ReplayCounts replay_jsonl(ByteSource& in, const std::string& name, ProcessTable& table,
                          Detector& detector) {
  ReplayCounts n;
  std::string line, error;
  uint64_t line_no = 0, last_tick = 0;
  while (in.getline(line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto rec = event_from_json_line(line, EventDefaults{.index = line_no}, error);
    if (!rec) {
      ++n.bad;
      Diagnostics bad_line;
      report_event_line(bad_line, name, line_no, line, error);
      std::cerr << format_diagnostics_text(bad_line);
      continue;
    }
    apply_record(*rec, table);
    detector.process(rec->event);
    ++n.events;
    tick_in_event_time(detector, rec->event.ts_ns, last_tick);
  }
  return n;
}

// One Event and one Process are reused for every record: no allocation per event.
ReplayCounts replay_binary(ByteSource& in, const std::string& name, ProcessTable& table,
                           Detector& detector) {
  ReplayCounts n{.bad_unit = "bad records"};
  CaptureReader reader(in);
  if (!reader.open()) {
    spdlog::error("{}: {}", name, reader.error());
    n.bad = 1;
    return n;
  }
  Event e;
  Process p;
  uint64_t last_tick = 0;
  for (;;) {
    CaptureReader::Item item = reader.next(e, p);
    if (item == CaptureReader::Item::process) {
      table.upsert(p);
    } else if (item == CaptureReader::Item::event) {
      detector.process(e);
      ++n.events;
      tick_in_event_time(detector, e.ts_ns, last_tick);
    } else {
      if (item == CaptureReader::Item::error) {
        spdlog::error("{}: {}; the rest of the file is not replayed", name, reader.error());
        ++n.bad;
      }
      break;
    }
  }
  if (n.bad == 0 && !reader.closed_normally())
    spdlog::warn("{}: the capture has no end record (cut short?); replayed what it holds", name);
  if (reader.totals().kernel_drops)
    spdlog::warn("{}: the capture lost {} events in the kernel", name,
                 reader.totals().kernel_drops);
  return n;
}

int replay(const CommonOptions& opts, const std::string& input) {
  setup_logging(false);
  Config cfg;
  if (!build_config(opts, cfg)) return 2;
  LoadResult rules = load_rules(cfg.rules_files, load_options(cfg));
  if (print_diagnostics(rules.diags)) return 1;
  spdlog::info("rules: {} from {} file(s)", rules.summary.describe(), rules.files.size());

  int fd = input == "-" ? 0 : ::open(input.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    spdlog::error("{}: cannot read events file", input);
    return 2;
  }
  Diagnostics d;
  // Replay blocks rather than drops, and its webhooks have spools of their own.
  auto outputs = OutputManager::create(cfg, d, {.mode = OutputMode::replay});
  if (print_diagnostics(d) || !outputs) return 2;

  ProcessTable table(process_table_options(cfg, ProcSource::recorded_only));
  Detector detector(rules.ruleset, table, *outputs, detector_options(cfg));
  ByteSource in = ByteSource::from_fd(fd);
  const std::string name = input == "-" ? "<stdin>" : input;
  auto start = std::chrono::steady_clock::now();
  ReplayCounts n = capture::looks_binary(in.peek(capture::kMagic.size()))
                       ? replay_binary(in, name, table, detector)
                       : replay_jsonl(in, name, table, detector);
  detector.finish();
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (fd != 0) ::close(fd);
  outputs->shutdown();
  spdlog::info("replay: {} events, {} alerts, {} {}, {:.0f} events/s", n.events,
               detector.alerts(), n.bad, n.bad_unit, secs > 0 ? double(n.events) / secs : 0.0);
  if (uint64_t lost = outputs->undelivered()) {
    spdlog::error("replay: {} alert deliveries did not happen (dropped, rejected or left in a "
                  "spool: see above)",
                  lost);
    return 1;
  }
  return n.bad > 0 ? 1 : 0;
}

}  // namespace

Runner add_replay(CLI::App& app) {
  auto* cmd = app.add_subcommand("replay", "Run rules over recorded events (binary or JSON Lines)");
  auto opts = std::make_shared<CommonOptions>();
  auto input = std::make_shared<std::string>();
  add_common_options(*cmd, *opts);
  cmd->add_option("events", *input, "Events file: a binary capture or JSON Lines (- for stdin)")
      ->required();
  return [opts, input]() { return replay(*opts, *input); };
}

}  // namespace th::cli
