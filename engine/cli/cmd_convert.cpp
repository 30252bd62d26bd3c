// tracehound convert EVENTS -o OUT [--format binary|jsonl]: rewrites recorded events in the other
// format. A binary capture becomes JSON Lines to read, grep or edit by hand (every event with its
// process, ancestry and target); JSON Lines (hand-written events, older captures) becomes a
// binary capture. The input's format is told from its first bytes, as replay does. The processes
// are tracked through a process table as replay tracks them, so that each event carries what the
// rules would see.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/cli/config_options.h"
#include "engine/cli/output_file.h"
#include "engine/detect/enrich.h"
#include "engine/io/byte_source.h"
#include "engine/io/capture_format.h"
#include "engine/io/capture_reader.h"
#include "engine/io/capture_writer.h"
#include "engine/io/event_diagnostics.h"
#include "engine/io/event_json.h"

namespace th::cli {
namespace {

struct ConvertOptions {
  std::string input;
  std::string output;
  std::string format = "binary";
};

// Where converted events go: JSON Lines or a binary capture on `fd`.
class Sink {
 public:
  Sink(int fd, bool binary) : fd_(fd) {
    CaptureHeader h;
    h.producer = "tracehound convert";
    if (binary) writer_.emplace(fd, h);
  }
  bool put(const Event& e, const ProcessTable& table) {
    if (writer_) return writer_->write(e, table);
    std::string line = event_to_json(e, table).dump(-1, ' ', false,
                                                    nlohmann::json::error_handler_t::replace);
    line.push_back('\n');
    return ::write(fd_, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  }
  bool finish() { return !writer_ || writer_->finish(0); }

 private:
  int fd_;
  std::optional<CaptureWriter> writer_;
};

// Enriches as replay does, hands the event over, then applies its effect on the table.
bool pass(Event& e, ProcessTable& table, Sink& out) {
  enrich_event(e, table);
  bool ok = out.put(e, table);
  after_event(e, table);
  return ok;
}

// Returns the number of bad inputs, or -1 when writing failed.
int64_t convert_jsonl(ByteSource& in, const std::string& name, ProcessTable& table, Sink& out) {
  std::string line, error;
  uint64_t line_no = 0;
  int64_t bad = 0;
  while (in.getline(line)) {
    ++line_no;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    auto rec = event_from_json_line(line, EventDefaults{.index = line_no}, error);
    if (!rec) {
      ++bad;
      Diagnostics d;
      report_event_line(d, name, line_no, line, error);
      std::cerr << format_diagnostics_text(d);
      continue;
    }
    apply_record(*rec, table);
    if (!pass(rec->event, table, out)) return -1;
  }
  return bad;
}

int64_t convert_binary(ByteSource& in, const std::string& name, ProcessTable& table, Sink& out) {
  CaptureReader reader(in);
  if (!reader.open()) {
    spdlog::error("{}: {}", name, reader.error());
    return 1;
  }
  Event e;
  Process p;
  for (;;) {
    auto item = reader.next(e, p);
    if (item == CaptureReader::Item::process) {
      table.upsert(p);
    } else if (item == CaptureReader::Item::event) {
      if (!pass(e, table, out)) return -1;
    } else if (item == CaptureReader::Item::error) {
      spdlog::error("{}: {}; the rest of the file is not converted", name, reader.error());
      return 1;
    } else {
      return 0;
    }
  }
}

int convert(const ConvertOptions& o) {
  setup_logging(false);
  int in_fd = o.input == "-" ? 0 : ::open(o.input.c_str(), O_RDONLY | O_CLOEXEC);
  if (in_fd < 0) {
    spdlog::error("{}: cannot read events file", o.input);
    return 2;
  }
  std::string error;
  int out_fd = open_output_file(o.output, error);
  if (out_fd < 0) {
    spdlog::error("{}: {}", o.output, error);
    return 2;
  }
  Config cfg;
  ProcessTable table(process_table_options(cfg, ProcSource::recorded_only));
  ByteSource in = ByteSource::from_fd(in_fd);
  Sink out(out_fd, o.format == "binary");
  const std::string name = o.input == "-" ? "<stdin>" : o.input;
  int64_t bad = capture::looks_binary(in.peek(capture::kMagic.size()))
                    ? convert_binary(in, name, table, out)
                    : convert_jsonl(in, name, table, out);
  bool written = bad >= 0 && out.finish();
  if (::close(out_fd) != 0) written = false;
  if (in_fd != 0) ::close(in_fd);
  if (!written) {
    spdlog::error("{}: write failed", o.output);
    return 2;
  }
  return bad > 0 ? 1 : 0;
}

}  // namespace

Runner add_convert(CLI::App& app) {
  auto* cmd = app.add_subcommand("convert", "Rewrite recorded events as a binary capture or JSON Lines");
  auto o = std::make_shared<ConvertOptions>();
  cmd->add_option("events", o->input, "Events file: a binary capture or JSON Lines (- for stdin)")
      ->required();
  cmd->add_option("-o,--output", o->output,
                  "File to write (created with mode 0600; links are refused)")
      ->required();
  cmd->add_option("--format", o->format, "binary (the default) or jsonl")
      ->check(CLI::IsMember({"binary", "jsonl"}));
  return [o]() { return convert(*o); };
}

}  // namespace th::cli
