// tracehound capture -o FILE.jsonl [--duration S]: records live events in the replay format (file
// mode 0600: events name processes and their command lines), each with the acting process, its
// ancestry and the target as the rules would see them, so that `replay` reproduces live results.
#include <fcntl.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>

#include "engine/cli/commands.h"
#include "engine/cli/live.h"
#include "engine/detect/enrich.h"
#include "engine/io/event_json.h"
#include "engine/rules/loader.h"

namespace th::cli {
namespace {

struct CaptureOptions {
  std::string output;
  double duration = 0;
  std::vector<std::string> rules;  // optional: capture only what these rules could match
  bool verbose = false;
};

int capture(const CaptureOptions& o) {
  SignalFd signals;  // first: threads started later inherit the blocked mask
  setup_logging(o.verbose);
  Interest interest = Interest::everything();
  if (!o.rules.empty()) {
    LoadResult r = load_rules(o.rules);
    if (print_diagnostics(r.diags)) return 1;
    interest = r.ruleset->interest();
  }
  int fd = ::open(o.output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    spdlog::error("{}: cannot create: {}", o.output, std::strerror(errno));
    return 2;
  }
  ::fchmod(fd, 0600);  // an existing file keeps its mode otherwise
  FILE* out = ::fdopen(fd, "w");

  ProcessTable table;
  std::size_t known = table.bootstrap();
  auto probe = open_probe(interest, 16u << 20);
  if (!probe) {
    std::fclose(out);
    return 2;
  }
  spdlog::info("capturing to {} ({} processes known)", o.output, known);
  uint64_t deadline = o.duration > 0 ? now_ns() + static_cast<uint64_t>(o.duration * 1e9) : 0;
  uint64_t events = 0, last_reap = 0;
  bool stop = false, write_failed = false;
  auto on_event = [&](Event& e) {
    enrich_event(e, table);
    std::string line = event_to_json(e, table).dump(-1, ' ', false,
                                                    nlohmann::json::error_handler_t::replace);
    line.push_back('\n');
    if (std::fwrite(line.data(), 1, line.size(), out) != line.size()) write_failed = true;
    after_event(e, table);
    ++events;
  };
  while (!stop && !write_failed) {
    pollfd fds[2] = {{probe->fd(), POLLIN, 0}, {signals.fd(), POLLIN, 0}};
    ::poll(fds, 2, 100);
    probe->poll(0, on_event);
    std::fflush(out);
    for (int sig = signals.next(); sig; sig = signals.next())
      if (sig == SIGINT || sig == SIGTERM) stop = true;
    uint64_t now = now_ns();
    if (now > last_reap + 1'000'000'000ull) {
      table.reap(now);
      last_reap = now;
    }
    if (deadline && now >= deadline) stop = true;
  }
  probe->poll(0, on_event);
  auto st = probe->stats();
  uint64_t drops = 0;
  for (const auto& k : st.kinds) drops += k.drops;
  bool ok = std::fclose(out) == 0 && !write_failed;
  if (!ok) spdlog::error("{}: write failed", o.output);
  spdlog::info("captured {} events ({} dropped in the kernel)", events, drops);
  if (drops) spdlog::warn("the ring buffer overflowed: {} events are missing from the capture", drops);
  return ok ? 0 : 2;
}

}  // namespace

Runner add_capture(CLI::App& app) {
  auto* cmd = app.add_subcommand("capture", "Record live events as JSON Lines for replay (root)");
  auto o = std::make_shared<CaptureOptions>();
  cmd->add_option("-o,--output", o->output, "File to write (created with mode 0600)")->required();
  cmd->add_option("--duration", o->duration, "Stop after this many seconds (default: SIGINT)");
  cmd->add_option("-r,--rules", o->rules,
                  "Capture only events these rules could match (default: everything)");
  cmd->add_flag("-v,--verbose", o->verbose, "Debug logging");
  return [o]() { return capture(*o); };
}

}  // namespace th::cli
