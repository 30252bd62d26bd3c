#include "engine/output/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>

#include "engine/output/fd_writer.h"

namespace th {
namespace {

constexpr uint64_t kFirstSeq = 1ull << 32;  // leaves room below for prepends
constexpr std::string_view kSuffix = ".jsonl";

std::optional<uint64_t> seq_of(std::string_view name) {
  if (name.size() != 20 + kSuffix.size() || name.substr(20) != kSuffix) return std::nullopt;
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(name.data(), name.data() + 20, v);
  if (ec != std::errc() || p != name.data() + 20) return std::nullopt;
  return v;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool read_lines(const std::string& path, std::vector<std::string>& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(std::move(line));
  return true;
}

}  // namespace

std::unique_ptr<Spool> Spool::open(const std::string& dir, uint64_t max_bytes,
                                   std::string& error) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      error = "cannot create spool directory " + dir + ": " + ec.message();
      return nullptr;
    }
    ::chmod(dir.c_str(), 0700);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    error = "cannot open spool directory " + dir + ": " + std::strerror(errno);
    return nullptr;
  }
  // Two writers would interleave their segments: one tracehound per spool directory. The lock
  // goes with the fd, so a crashed process never leaves it behind.
  if (::flock(dfd, LOCK_EX | LOCK_NB) != 0) {
    error = "spool directory " + dir + " is in use by another tracehound (" +
            std::strerror(errno) + ")";
    ::close(dfd);
    return nullptr;
  }
  std::unique_ptr<Spool> s(new Spool(dir, max_bytes, dfd));
  std::vector<Segment> found;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(".tmp-", 0) == 0) {  // a segment that was being written when we died
      std::filesystem::remove(entry.path(), ec);
      continue;
    }
    auto seq = seq_of(name);
    if (!seq) continue;
    std::vector<std::string> lines;
    if (!read_lines(entry.path().string(), lines)) continue;
    found.push_back({*seq, static_cast<uint64_t>(entry.file_size(ec)), lines.size()});
  }
  if (ec) {
    error = "cannot list spool directory " + dir + ": " + ec.message();
    return nullptr;
  }
  std::sort(found.begin(), found.end(), [](auto& a, auto& b) { return a.seq < b.seq; });
  for (const auto& seg : found) {
    s->segments_.push_back(seg);
    s->bytes_ += seg.bytes;
    s->alerts_ += seg.alerts;
  }
  s->next_seq_ = found.empty() ? kFirstSeq : found.back().seq + 1;
  return s;
}

Spool::Spool(std::string dir, uint64_t max_bytes, int dir_fd)
    : dir_(std::move(dir)), max_bytes_(max_bytes), dir_fd_(dir_fd) {}

Spool::~Spool() {
  flush();
  ::close(dir_fd_);
}

std::string Spool::path_of(uint64_t seq) const {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(seq));
  return dir_ + "/" + name + std::string(kSuffix);
}

void Spool::sync_dir() { ::fsync(dir_fd_); }

bool Spool::write_segment(uint64_t seq, const std::vector<std::string>& lines, std::size_t begin,
                          std::size_t end, uint64_t& bytes_out, bool sync) {
  std::string data;
  for (std::size_t i = begin; i < end; ++i) {
    data += lines[i];
    data += '\n';
  }
  std::string final_path = path_of(seq);
  std::string tmp = dir_ + "/.tmp-" + std::to_string(seq);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  bool ok = fd && ::fchmod(fd.get(), 0600) == 0 && write_all(fd.get(), data) &&
            ::fsync(fd.get()) == 0;
  if (ok) {
    fd.reset();
    ok = ::rename(tmp.c_str(), final_path.c_str()) == 0;
  }
  if (!ok) {
    spdlog::error("spool {}: cannot write a segment: {}", dir_, std::strerror(errno));
    ::unlink(tmp.c_str());
    return false;
  }
  if (sync) sync_dir();
  bytes_out = data.size();
  return true;
}

std::size_t Spool::fit(const std::vector<std::string>& lines, std::size_t begin,
                       uint64_t& bytes) const {
  std::size_t n = 0;
  bytes = 0;
  for (std::size_t i = begin; i < lines.size() && n < kSegmentAlerts; ++i, ++n) {
    uint64_t b = lines[i].size() + 1;
    if (bytes_ + bytes + b > max_bytes_) break;
    bytes += b;
  }
  return n;
}

std::size_t Spool::append(const std::vector<std::string>& lines) {
  std::lock_guard lock(mu_);
  std::size_t stored = 0;
  while (stored < lines.size()) {
    uint64_t want = 0;
    std::size_t n = fit(lines, stored, want);
    if (n == 0) break;
    uint64_t written = 0;
    if (!write_segment(next_seq_, lines, stored, stored + n, written, /*sync=*/false)) break;
    segments_.push_back({next_seq_++, written, n});
    bytes_ += written;
    alerts_ += n;
    stored += n;
  }
  // One directory fsync makes all the renames above durable; the alerts count as spooled only
  // after it.
  if (stored) sync_dir();
  return stored;
}

std::size_t Spool::prepend(const std::vector<std::string>& lines) {
  std::lock_guard lock(mu_);
  flush_locked();  // the cached front is about to stop being the front
  front_.clear();
  front_loaded_ = false;
  front_consumed_ = 0;
  // Which lines fit is decided oldest first; they get the sequence numbers just below the
  // current front, and are written oldest first so that a failed write leaves a stored prefix.
  std::size_t count = 0;
  uint64_t total = 0;
  while (count < lines.size() && bytes_ + total + lines[count].size() + 1 <= max_bytes_)
    total += lines[count++].size() + 1;
  if (count == 0) return 0;
  std::size_t nseg = (count + kSegmentAlerts - 1) / kSegmentAlerts;
  uint64_t base;
  if (segments_.empty()) {
    base = next_seq_;
    next_seq_ += nseg;
  } else {
    base = segments_.front().seq - nseg;
  }
  std::vector<Segment> written_segs;
  std::size_t stored = 0;
  for (std::size_t i = 0; i < nseg; ++i) {
    std::size_t b = i * kSegmentAlerts, e = std::min(count, b + kSegmentAlerts);
    uint64_t written = 0;
    if (!write_segment(base + i, lines, b, e, written, /*sync=*/false)) break;
    written_segs.push_back({base + i, written, e - b});
    bytes_ += written;
    alerts_ += e - b;
    stored = e;
  }
  segments_.insert(segments_.begin(), written_segs.begin(), written_segs.end());
  if (stored) sync_dir();
  return stored;
}

bool Spool::load_front() {
  while (!segments_.empty() && !front_loaded_) {
    front_.clear();
    front_consumed_ = 0;
    if (read_lines(path_of(segments_.front().seq), front_) && !front_.empty()) {
      front_loaded_ = true;
      // The count from open() may differ if the file was edited; trust what was read.
      alerts_ = alerts_ - segments_.front().alerts + front_.size();
      segments_.front().alerts = front_.size();
      return true;
    }
    spdlog::error("spool {}: segment {} is unreadable or empty, skipping it", dir_,
                  path_of(segments_.front().seq));
    drop_front_segment();
  }
  return front_loaded_;
}

void Spool::drop_front_segment() {
  const auto& seg = segments_.front();
  ::unlink(path_of(seg.seq).c_str());
  sync_dir();
  bytes_ -= seg.bytes;
  alerts_ -= seg.alerts - (front_loaded_ ? front_consumed_ : 0);
  segments_.pop_front();
  front_.clear();
  front_loaded_ = false;
  front_consumed_ = 0;
}

std::vector<std::string> Spool::peek(std::size_t max) {
  std::lock_guard lock(mu_);
  if (!load_front()) return {};
  std::size_t n = std::min(max, front_.size() - front_consumed_);
  return {front_.begin() + front_consumed_, front_.begin() + front_consumed_ + n};
}

void Spool::consume(std::size_t n) {
  std::lock_guard lock(mu_);
  if (!front_loaded_) return;
  n = std::min(n, front_.size() - front_consumed_);
  front_consumed_ += n;
  alerts_ -= n;
  if (front_consumed_ == front_.size()) {
    const auto& seg = segments_.front();
    ::unlink(path_of(seg.seq).c_str());
    sync_dir();
    bytes_ -= seg.bytes;
    segments_.pop_front();
    front_.clear();
    front_loaded_ = false;
    front_consumed_ = 0;
  }
}

void Spool::flush() {
  std::lock_guard lock(mu_);
  flush_locked();
}

void Spool::flush_locked() {
  if (!front_loaded_ || front_consumed_ == 0 || segments_.empty()) return;
  std::vector<std::string> rest(front_.begin() + front_consumed_, front_.end());
  auto& seg = segments_.front();
  uint64_t b = 0;
  if (write_segment(seg.seq, rest, 0, rest.size(), b)) {
    bytes_ = bytes_ - seg.bytes + b;
    seg.bytes = b;
    seg.alerts = rest.size();
    front_ = std::move(rest);
    front_consumed_ = 0;
  }
}

bool Spool::empty() const {
  std::lock_guard lock(mu_);
  return segments_.empty();
}

uint64_t Spool::bytes() const {
  std::lock_guard lock(mu_);
  return bytes_;
}

std::size_t Spool::alerts() const {
  std::lock_guard lock(mu_);
  return alerts_;
}

}  // namespace th
