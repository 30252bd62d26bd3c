#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstring>

#include "engine/output/local_outputs.h"

namespace th {

StdoutOutput::StdoutOutput(AlertFormat format, std::size_t capacity, OutputMetrics m, int fd,
                           bool block_when_full)
    : QueuedOutput("stdout", capacity, m, block_when_full), format_(format), fd_(fd) {
  start();
}

StdoutOutput::~StdoutOutput() {
  begin_shutdown();
  finish_shutdown(Clock::now());
}

std::size_t StdoutOutput::write(const std::vector<RecordPtr>& batch) {
  // One write per record, so that the count of written alerts is exact on failure.
  std::size_t n = 0;
  std::string line;
  for (const auto& rec : batch) {
    line = format_ == AlertFormat::json ? rec->json : rec->text;
    line += '\n';
    if (!write_all_fd(fd_, line, abort_flag())) {
      if (!aborting()) spdlog::error("output 'stdout': write failed: {}", std::strerror(errno));
      break;
    }
    ++n;
  }
  return n;
}

}  // namespace th
