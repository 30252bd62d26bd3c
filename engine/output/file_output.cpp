#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/output/local_outputs.h"

namespace th {

OpenedFile open_alert_file(const std::string& path) {
  // Never through a symbolic link (a planted one would point root's writes anywhere), and a new
  // file only where none exists (O_EXCL: no race with a link planted between the two opens).
  // O_NONBLOCK: a planted FIFO must not hang the open; it is refused below.
  constexpr int kFlags = O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
  OpenedFile r;
  r.fd.reset(::open(path.c_str(), kFlags));
  if (!r.fd && errno == ENOENT) r.fd.reset(::open(path.c_str(), kFlags | O_CREAT | O_EXCL, 0600));
  if (!r.fd) {
    int e = errno;
    r.error = std::strerror(e);
    if (e == ELOOP) r.error += " (it is a symbolic link: refused, O_NOFOLLOW)";
    if (e == ENXIO) r.error += " (not a regular file: a FIFO or socket, refused)";
    return r;
  }
  struct stat st {};
  if (::fstat(r.fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
    r.error = "not a regular file: refused";
    r.fd.reset();
    return r;
  }
  ::fcntl(r.fd.get(), F_SETFL, O_APPEND);  // back to blocking writes
  return r;
}

std::unique_ptr<FileOutput> FileOutput::create(const std::string& path, std::size_t capacity,
                                               OutputMetrics m, Diagnostics& diags,
                                               bool block_when_full) {
  OpenedFile f = open_alert_file(path);
  if (!f.fd) {
    diags.error("TH-O-FILE", {path, 0, 0}, "cannot open the alert file for appending: " + f.error,
                "output", "file");
    return nullptr;
  }
  return std::unique_ptr<FileOutput>(
      new FileOutput(path, std::move(f.fd), capacity, m, block_when_full));
}

FileOutput::FileOutput(std::string path, UniqueFd fd, std::size_t capacity, OutputMetrics m,
                       bool block_when_full)
    : QueuedOutput("file", capacity, m, block_when_full), path_(std::move(path)), fd_(std::move(fd)) {
  start();
}

FileOutput::~FileOutput() {
  begin_shutdown();
  finish_shutdown(Clock::now());
}

void FileOutput::reopen() noexcept {
  reopen_requested_.store(true);
  nudge();  // reopen now, not at the next alert: logrotate's old file is released at once
}

std::string FileOutput::write_problem() const {
  std::lock_guard lock(problem_mu_);
  return problem_;
}

void FileOutput::set_problem(std::string p) {
  std::lock_guard lock(problem_mu_);
  if (p.empty() && !problem_.empty()) spdlog::info("output 'file': writing {} again", path_);
  if (!p.empty() && p != problem_) spdlog::error("output 'file': {}", p);
  problem_ = std::move(p);
}

bool FileOutput::open_file() {
  OpenedFile f = open_alert_file(path_);
  if (!f.fd) {
    set_problem("cannot open " + path_ + ": " + f.error);
    return false;
  }
  fd_ = std::move(f.fd);
  return true;
}

void FileOutput::tick() {
  if (reopen_requested_.exchange(false)) {
    spdlog::info("output 'file': reopening {}", path_);
    // The old file was rotated away: on failure, alerts are counted as dropped (and the open
    // retried with every batch) rather than written where nobody reads.
    if (open_file()) set_problem({});
    else fd_.reset();
  }
}

bool FileOutput::write_line(std::string_view line) {
  off_t start = ::lseek(fd_.get(), 0, SEEK_END);
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t w = ::write(fd_.get(), rest.data(), rest.size());
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = w < 0 ? errno : EIO;
      // Never leave a partial line for a collector to read (or the next line to be glued to):
      // cut the file back to where this line began.
      if (rest.size() != line.size() && (start < 0 || ::ftruncate(fd_.get(), start) != 0))
        torn_ = true;  // could not: the next write starts with a newline
      errno = e;
      return false;
    }
    rest.remove_prefix(static_cast<std::size_t>(w));
  }
  return true;
}

std::size_t FileOutput::write(const std::vector<RecordPtr>& batch) {
  if (!fd_ && !open_file()) return 0;
  std::size_t n = 0;
  std::string line;
  for (const auto& rec : batch) {
    line.clear();
    if (torn_) line += '\n';
    line += rec->json;
    line += '\n';
    if (!write_line(line)) {
      set_problem("cannot write " + path_ + ": " + std::strerror(errno));
      return n;  // the rest of the batch is counted as dropped; the next batch tries again
    }
    torn_ = false;
    ++n;
  }
  set_problem({});
  return n;
}

}  // namespace th
