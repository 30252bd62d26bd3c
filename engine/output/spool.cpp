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
#include <limits>
#include <optional>

#include "engine/core/alert.h"

namespace th {
namespace {

constexpr uint64_t kFirstSeq = 1ull << 32;
constexpr std::string_view kSuffix = ".jsonl";
constexpr const char* kCursor = "cursor";
constexpr std::size_t kCursorBytes = 42;  // "%020llu %020llu\n"
constexpr int kFileFlags = O_CLOEXEC | O_NOFOLLOW;

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
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool read_file(int fd, std::string& out) {
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    if (n == 0) return true;
    out.append(buf, static_cast<std::size_t>(n));
  }
}

struct Cursor {
  uint64_t seq = 0;
  uint64_t offset = 0;
};

std::optional<Cursor> parse_cursor(std::string_view s) {
  Cursor c;
  if (s.size() < kCursorBytes || s[20] != ' ' || s[41] != '\n') return std::nullopt;
  auto a = std::from_chars(s.data(), s.data() + 20, c.seq);
  auto b = std::from_chars(s.data() + 21, s.data() + 41, c.offset);
  if (a.ec != std::errc() || a.ptr != s.data() + 20 || b.ec != std::errc() ||
      b.ptr != s.data() + 41)
    return std::nullopt;
  return c;
}

}  // namespace

SegmentScan scan_segment(std::string_view bytes) {
  SegmentScan scan;
  std::size_t pos = 0;
  for (;;) {
    std::size_t nl = bytes.find('\n', pos);
    if (nl == std::string_view::npos) break;
    std::string_view line = bytes.substr(pos, nl - pos);
    if (!line.empty()) {
      std::optional<Alert> a;
      if (line.size() <= std::numeric_limits<uint32_t>::max()) a = alert_from_json(line);
      if (a)
        scan.lines.push_back({pos, static_cast<uint32_t>(line.size()), a->priority});
      else
        ++scan.damaged;
    }
    pos = nl + 1;
  }
  scan.complete_bytes = pos;
  return scan;
}

std::unique_ptr<Spool> Spool::open(const std::string& dir, uint64_t max_bytes,
                                   std::string& error) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(dir, ec))) {
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      error = "cannot create spool directory " + dir + ": " + ec.message();
      return nullptr;
    }
    ::chmod(dir.c_str(), 0700);
  }
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!dfd) {
    error = "cannot open spool directory " + dir + ": " + std::strerror(errno) +
            (errno == ENOTDIR || errno == ELOOP ? " (a symbolic link or not a directory)" : "");
    return nullptr;
  }
  // Two writers would interleave their segments: one tracehound per spool directory. The lock
  // goes with the fd, so a crashed process never leaves it behind.
  if (::flock(dfd.get(), LOCK_EX | LOCK_NB) != 0) {
    error = "spool directory " + dir + " is in use by another tracehound (" +
            std::strerror(errno) + ")";
    return nullptr;
  }
  std::unique_ptr<Spool> s(new Spool(dir, max_bytes, std::move(dfd)));
  if (!s->index_existing(error)) return nullptr;
  return s;
}

Spool::Spool(std::string dir, uint64_t max_bytes, UniqueFd dir_fd)
    : dir_(std::move(dir)), max_bytes_(max_bytes), dir_fd_(std::move(dir_fd)) {}

bool Spool::index_existing(std::string& error) {
  std::error_code ec;
  std::vector<uint64_t> seqs;
  for (const auto& entry : std::filesystem::directory_iterator(dir_, ec)) {
    std::string name = entry.path().filename().string();
    if (name.rfind(".tmp-", 0) == 0) {  // a rewrite that was in progress when we died
      std::filesystem::remove(entry.path(), ec);
      continue;
    }
    if (auto seq = seq_of(name)) seqs.push_back(*seq);
  }
  if (ec) {
    error = "cannot list spool directory " + dir_ + ": " + ec.message();
    return false;
  }
  cursor_.reset(::openat(dir_fd_.get(), kCursor, O_RDWR | O_CREAT | kFileFlags, 0600));
  if (!cursor_) {
    error = "cannot open " + dir_ + "/" + kCursor + ": " + std::strerror(errno);
    return false;
  }
  std::string text;
  Cursor cur;
  if (read_file(cursor_.get(), text)) {
    if (auto c = parse_cursor(text)) cur = *c;
    else if (!text.empty())
      spdlog::warn("spool {}: unreadable cursor, delivering every stored alert again", dir_);
  }
  std::sort(seqs.begin(), seqs.end());
  for (uint64_t seq : seqs) {
    std::string path = path_of(seq);
    if (seq < cur.seq) {  // delivered; the process died before it removed the file
      ::unlink(path.c_str());
      continue;
    }
    UniqueFd fd(::open(path.c_str(), O_RDWR | kFileFlags));
    std::string bytes;
    if (!fd || !read_file(fd.get(), bytes)) {
      spdlog::error("spool {}: cannot read {}: {}", dir_, path, std::strerror(errno));
      continue;
    }
    SegmentScan scan = scan_segment(bytes);
    if (scan.complete_bytes < bytes.size() && ::ftruncate(fd.get(), static_cast<off_t>(scan.complete_bytes)) == 0)
      spdlog::warn("spool {}: {} ended in a torn line (a write cut short), removed", dir_, path);
    damaged_at_open_ += scan.damaged;
    Segment seg{seq, {}, 0};
    for (const auto& l : scan.lines)
      if (seq != cur.seq || l.offset >= cur.offset) seg.lines.push_back(l);
    if (seg.lines.empty()) {
      ::unlink(path.c_str());
      continue;
    }
    for (const auto& l : seg.lines) {
      bytes_ += l.length + 1;
      ++alerts_;
      ++counts_[static_cast<std::size_t>(l.priority)];
    }
    segs_.push_back(std::move(seg));
  }
  next_seq_ = std::max({kFirstSeq, cur.seq + 1, seqs.empty() ? 0 : seqs.back() + 1});
  return true;
}

Spool::~Spool() {
  sync();
  std::lock_guard lock(mu_);
  if (alerts_ == 0) {  // a clean stop with nothing left leaves an empty directory
    close_head();
    for (const auto& s : segs_) ::unlink(path_of(s.seq).c_str());
    ::unlinkat(dir_fd_.get(), kCursor, 0);
    ::fsync(dir_fd_.get());
  }
}

std::string Spool::path_of(uint64_t seq) const {
  char name[32];
  std::snprintf(name, sizeof name, "%020llu", static_cast<unsigned long long>(seq));
  return dir_ + "/" + name + std::string(kSuffix);
}

bool Spool::open_head() {
  close_head();
  uint64_t seq = next_seq_++;
  UniqueFd fd(::open(path_of(seq).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_APPEND | kFileFlags,
                     0600));
  if (!fd) return false;
  head_ = std::move(fd);
  head_size_ = 0;
  segs_.push_back({seq, {}, 0});
  dirty_ = true;
  return true;
}

void Spool::close_head() {
  if (head_) unsynced_.push_back(std::move(head_));
}

Spool::Appended Spool::append(std::string_view line, Priority priority) {
  Appended r;
  if (line.find('\n') != std::string_view::npos) {
    r.error = EINVAL;
    return r;
  }
  const std::size_t need = line.size() + 1;
  std::lock_guard lock(mu_);
  if (bytes_ + need > max_bytes_ && !evict_for(need, priority, r.evicted)) return r;
  if ((!head_ || segs_.back().lines.size() >= kSegmentAlerts) && !open_head()) {
    r.error = errno;
    return r;
  }
  std::string data;
  data.reserve(need);
  data.append(line);
  data += '\n';
  if (!write_all(head_.get(), data)) {
    r.error = errno;
    // Never leave a partial line: cut the file back; if even that fails, the head is closed so
    // nothing is glued to the torn line, and the next open truncates it.
    if (::ftruncate(head_.get(), static_cast<off_t>(head_size_)) != 0) close_head();
    if (segs_.back().lines.empty()) {
      head_.reset();
      forget_segment_file(segs_.back().seq);
      segs_.pop_back();
    }
    return r;
  }
  segs_.back().lines.push_back({head_size_, static_cast<uint32_t>(line.size()), priority});
  head_size_ += need;
  bytes_ += need;
  ++alerts_;
  ++counts_[static_cast<std::size_t>(priority)];
  dirty_ = true;
  r.stored = true;
  return r;
}

bool Spool::read_line(uint64_t seq, const SegmentLine& l, std::string& out) {
  if (!reader_ || reader_seq_ != seq) {
    reader_.reset(::open(path_of(seq).c_str(), O_RDONLY | kFileFlags));
    reader_seq_ = seq;
    if (!reader_) return false;
  }
  out.resize(l.length);
  std::size_t got = 0;
  while (got < l.length) {
    ssize_t n = ::pread(reader_.get(), out.data() + got, l.length - got,
                        static_cast<off_t>(l.offset + got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<std::size_t>(n);
  }
  return true;
}

std::vector<std::string> Spool::peek(std::size_t max) {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (auto& seg : segs_) {
    for (std::size_t i = seg.done; i < seg.lines.size() && out.size() < max; ++i) {
      std::string line;
      if (!read_line(seg.seq, seg.lines[i], line)) {
        spdlog::error("spool {}: cannot read back an alert of {}: {}", dir_, path_of(seg.seq),
                      std::strerror(errno));
        line.clear();
      }
      out.push_back(std::move(line));
    }
    if (out.size() >= max) break;
  }
  inflight_ = std::max(inflight_, out.size());
  return out;
}

void Spool::consume(std::size_t n) {
  std::lock_guard lock(mu_);
  inflight_ -= std::min(inflight_, n);
  while (n > 0 && !segs_.empty()) {
    Segment& front = segs_.front();
    while (n > 0 && front.done < front.lines.size()) {
      const auto& l = front.lines[front.done++];
      bytes_ -= l.length + 1;
      --alerts_;
      --counts_[static_cast<std::size_t>(l.priority)];
      --n;
    }
    bool is_head = head_ && segs_.size() == 1;
    if (pending_in(front) > 0 || (is_head && front.lines.size() < kSegmentAlerts)) break;
    if (is_head) close_head();
    forget_segment_file(front.seq);
    segs_.pop_front();
  }
  write_cursor();
}

void Spool::forget_segment_file(uint64_t seq) {
  if (reader_ && reader_seq_ == seq) reader_.reset();
  ::unlink(path_of(seq).c_str());
  dirty_ = true;
}

void Spool::write_cursor() {
  Cursor c{next_seq_, 0};
  if (!segs_.empty()) {
    const Segment& f = segs_.front();
    c.seq = f.seq;
    if (f.done < f.lines.size()) {
      c.offset = f.lines[f.done].offset;
    } else if (!f.lines.empty()) {
      c.offset = f.lines.back().offset + f.lines.back().length + 1;
    }
  }
  write_cursor_at(c.seq, c.offset);
}

std::size_t Spool::inflight_in(std::size_t seg_index) const {
  std::size_t skip = inflight_;
  for (std::size_t i = 0; i < seg_index && skip > 0; ++i) skip -= std::min(skip, pending_in(segs_[i]));
  return std::min(skip, pending_in(segs_[seg_index]));
}

void Spool::write_cursor_at(uint64_t seq, uint64_t offset) {
  char buf[kCursorBytes + 1];
  std::snprintf(buf, sizeof buf, "%020llu %020llu\n", static_cast<unsigned long long>(seq),
                static_cast<unsigned long long>(offset));
  if (::pwrite(cursor_.get(), buf, kCursorBytes, 0) != static_cast<ssize_t>(kCursorBytes) &&
      !cursor_warned_) {
    cursor_warned_ = true;
    spdlog::error("spool {}: cannot write the cursor ({}): a restart delivers some alerts again",
                  dir_, std::strerror(errno));
  }
  dirty_ = true;
}

bool Spool::evict_for(std::size_t need, Priority newcomer, std::vector<std::string>& evicted) {
  while (bytes_ + need > max_bytes_) {
    bool freed = false;
    for (auto level = eviction_level(counts_, newcomer); level && !freed;) {
      // The oldest segment holding an evictable alert of this level; in-flight ones are kept.
      for (std::size_t i = 0; i < segs_.size() && !freed; ++i) {
        const Segment& s = segs_[i];
        std::size_t first = s.done + inflight_in(i);
        bool has = std::any_of(s.lines.begin() + static_cast<std::ptrdiff_t>(first), s.lines.end(),
                               [&](const SegmentLine& l) { return l.priority == *level; });
        // Each rewrite frees at least 1/64 of the spool (when the segment has that much at
        // this level), so that a flood of severe alerts into a full spool costs one segment
        // rewrite per many alerts, and never much more than needed.
        if (has) freed = rewrite_without(i, *level, std::max<uint64_t>(need, max_bytes_ / 64), evicted);
      }
      if (freed) break;
      // Only in-flight alerts at this level: try the next more severe one.
      PriorityCounts fewer = counts_;
      for (std::size_t p = static_cast<std::size_t>(*level); p < fewer.size(); ++p) fewer[p] = 0;
      level = eviction_level(fewer, newcomer);
    }
    if (!freed) return false;
  }
  return true;
}

bool Spool::rewrite_without(std::size_t seg_index, Priority level, uint64_t target,
                            std::vector<std::string>& evicted) {
  Segment& s = segs_[seg_index];
  // Lines before `keep_from` are in flight and always kept.
  std::size_t keep_from = s.done + inflight_in(seg_index);
  std::string data;
  std::vector<SegmentLine> kept;
  std::vector<std::string> gone;
  uint64_t freed = 0;
  for (std::size_t i = s.done; i < s.lines.size(); ++i) {
    std::string line;
    if (!read_line(s.seq, s.lines[i], line)) return false;
    if (i >= keep_from && s.lines[i].priority == level && freed < target) {
      freed += line.size() + 1;
      gone.push_back(std::move(line));
      continue;
    }
    kept.push_back({data.size(), s.lines[i].length, s.lines[i].priority});
    data += line;
    data += '\n';
  }
  std::string tmp = dir_ + "/.tmp-" + std::to_string(s.seq);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | kFileFlags, 0600));
  if (!fd || !write_all(fd.get(), data)) {
    spdlog::error("spool {}: cannot rewrite a segment to evict alerts: {}", dir_,
                  std::strerror(errno));
    ::unlink(tmp.c_str());
    return false;
  }
  bool was_head = head_ && seg_index + 1 == segs_.size();
  if (seg_index == 0) {
    // The new file starts at the first undelivered alert: point the cursor there first, so that
    // a crash in between delivers some alerts twice rather than skipping any.
    write_cursor_at(s.seq, 0);
  }
  if (::rename(tmp.c_str(), path_of(s.seq).c_str()) != 0) {
    ::unlink(tmp.c_str());
    return false;
  }
  if (reader_seq_ == s.seq) reader_.reset();
  for (const auto& line : gone) {
    bytes_ -= line.size() + 1;
    --alerts_;
    --counts_[static_cast<std::size_t>(level)];
  }
  s.lines = std::move(kept);
  s.done = 0;
  if (was_head) {
    head_.reset(::open(path_of(s.seq).c_str(), O_WRONLY | O_APPEND | kFileFlags));
    head_size_ = data.size();
  }
  unsynced_.push_back(std::move(fd));
  dirty_ = true;
  for (auto& g : gone) evicted.push_back(std::move(g));
  if (s.lines.empty() && !was_head) {
    forget_segment_file(s.seq);
    segs_.erase(segs_.begin() + static_cast<std::ptrdiff_t>(seg_index));
  }
  return true;
}

void Spool::sync() {
  std::vector<UniqueFd> fds;
  {
    std::lock_guard lock(mu_);
    if (!dirty_) return;
    dirty_ = false;
    fds.swap(unsynced_);
    if (head_) fds.emplace_back(::dup(head_.get()));
    if (cursor_) fds.emplace_back(::dup(cursor_.get()));
  }
  for (const auto& fd : fds)
    if (fd) ::fdatasync(fd.get());
  ::fsync(dir_fd_.get());
}

bool Spool::empty() const {
  std::lock_guard lock(mu_);
  return alerts_ == 0;
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
