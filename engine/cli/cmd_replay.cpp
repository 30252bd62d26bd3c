// tracehound replay --rules R EVENTS.jsonl: runs rules over recorded events and emits alerts
// exactly as live mode does (same detector, folding and outputs). A malformed line is reported
// with its line number and skipped; the count of bad lines ends the run (exit 1 when any).
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/cli/config_options.h"
#include "engine/detect/detector.h"
#include "engine/io/event_diagnostics.h"
#include "engine/io/event_json.h"
#include "engine/output/output_manager.h"
#include "engine/rules/loader.h"

namespace th::cli {

Runner add_replay(CLI::App& app) {
  auto* cmd = app.add_subcommand("replay", "Run rules over events recorded as JSON Lines");
  auto opts = std::make_shared<CommonOptions>();
  auto input = std::make_shared<std::string>();
  add_common_options(*cmd, *opts);
  cmd->add_option("events", *input, "Events file (JSON Lines; - for stdin)")->required();
  return [opts, input]() {
    setup_logging(false);
    Config cfg;
    if (!build_config(*opts, cfg)) return 2;
    LoadResult rules = load_rules(cfg.rules_files, load_options(cfg));
    if (print_diagnostics(rules.diags)) return 1;

    std::ifstream file;
    std::istream* in = &std::cin;
    if (*input != "-") {
      file.open(*input);
      if (!file) {
        spdlog::error("{}: cannot read events file", *input);
        return 2;
      }
      in = &file;
    }
    Diagnostics d;
    // Replay blocks rather than drops, and its webhooks have spools of their own.
    auto outputs = OutputManager::create(cfg, d, {.mode = OutputMode::replay});
    if (print_diagnostics(d) || !outputs) return 2;

    ProcessTable table(process_table_options(cfg, ProcSource::recorded_only));
    Detector detector(rules.ruleset, table, *outputs, detector_options(cfg));

    std::string line;
    uint64_t line_no = 0, events = 0, bad = 0, last_tick = 0;
    while (std::getline(*in, line)) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      std::string error;
      auto rec = event_from_json_line(line, EventDefaults{.index = line_no}, error);
      if (!rec) {
        ++bad;
        Diagnostics bad_line;
        report_event_line(bad_line, *input == "-" ? "<stdin>" : *input, line_no, line, error);
        std::cerr << format_diagnostics_text(bad_line);
        continue;
      }
      apply_record(*rec, table);
      detector.process(rec->event);
      ++events;
      // Folding windows close in event time, so a replay folds as the live run did.
      if (rec->event.ts_ns >= last_tick + 1'000'000'000ull) {
        detector.tick(rec->event.ts_ns);
        last_tick = rec->event.ts_ns;
      }
    }
    detector.finish();
    outputs->shutdown();
    spdlog::info("replay: {} events, {} alerts, {} bad lines", events, detector.alerts(), bad);
    if (uint64_t lost = outputs->undelivered()) {
      spdlog::error("replay: {} alert deliveries did not happen (dropped, rejected or left in a "
                    "spool: see above)",
                    lost);
      return 1;
    }
    return bad > 0 ? 1 : 0;
  };
}

}  // namespace th::cli
