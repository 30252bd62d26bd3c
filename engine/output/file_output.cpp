#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/output/local_outputs.h"

namespace th {
namespace {

int open_append(const std::string& path) {
  return ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
}

}  // namespace

std::unique_ptr<FileOutput> FileOutput::create(const std::string& path, std::size_t capacity,
                                               OutputMetrics m, Diagnostics& diags) {
  UniqueFd fd(open_append(path));
  if (!fd) {
    diags.error("TH-O-FILE", {path, 0, 0},
                std::string("cannot open the alert file for appending: ") + std::strerror(errno),
                "output", "file");
    return nullptr;
  }
  return std::unique_ptr<FileOutput>(new FileOutput(path, std::move(fd), capacity, m));
}

FileOutput::FileOutput(std::string path, UniqueFd fd, std::size_t capacity, OutputMetrics m)
    : QueuedOutput("file", capacity, m), path_(std::move(path)), fd_(std::move(fd)) {
  start();
}

FileOutput::~FileOutput() {
  begin_shutdown();
  finish_shutdown(Clock::now());
}

void FileOutput::reopen() noexcept { reopen_requested_.store(true); }

bool FileOutput::open_file() {
  UniqueFd fd(open_append(path_));
  if (!fd) {
    if (healthy_.exchange(false))
      spdlog::error("output 'file': cannot open {}: {}", path_, std::strerror(errno));
    return false;
  }
  fd_ = std::move(fd);
  if (!healthy_.exchange(true)) spdlog::info("output 'file': {} open again", path_);
  return true;
}

void FileOutput::tick() {
  if (reopen_requested_.exchange(false)) {
    spdlog::info("output 'file': reopening {}", path_);
    open_file();
  }
}

std::size_t FileOutput::write(const std::vector<RecordPtr>& batch) {
  if (!fd_ && !open_file()) return 0;
  std::size_t n = 0;
  std::string line;
  for (const auto& rec : batch) {
    line = rec->json;
    line += '\n';
    std::string_view rest = line;
    while (!rest.empty()) {
      ssize_t w = ::write(fd_.get(), rest.data(), rest.size());
      if (w < 0 && errno == EINTR) continue;
      if (w < 0) {
        spdlog::error("output 'file': write to {} failed: {}", path_, std::strerror(errno));
        healthy_ = false;
        fd_.reset();  // try a fresh open with the next batch
        return n;
      }
      rest.remove_prefix(static_cast<std::size_t>(w));
    }
    ++n;
  }
  healthy_ = true;
  return n;
}

}  // namespace th
