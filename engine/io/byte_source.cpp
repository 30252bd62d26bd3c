#include "engine/io/byte_source.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace th {
namespace {
constexpr std::size_t kChunk = 1 << 20;
}

ByteSource ByteSource::from_fd(int fd) {
  ByteSource s;
  s.fd_ = fd;
  s.buf_.reserve(kChunk);
  return s;
}

ByteSource ByteSource::from_memory(std::string_view bytes) {
  ByteSource s;
  s.memory_ = bytes;
  s.eof_ = true;
  return s;
}

bool ByteSource::fill(std::size_t want) {
  if (fd_ < 0 || eof_) return false;
  if (begin_ > 0) {  // keep the unread tail at the front
    buf_.erase(0, begin_);
    begin_ = 0;
  }
  while (buf_.size() < want && !eof_) {
    std::size_t old = buf_.size();
    buf_.resize(old + std::max(kChunk, want - old));
    ssize_t n = ::read(fd_, buf_.data() + old, buf_.size() - old);
    if (n < 0 && errno == EINTR) {
      buf_.resize(old);
      continue;
    }
    if (n <= 0) {
      if (n < 0) error_ = std::strerror(errno);
      eof_ = true;
      buf_.resize(old);
      break;
    }
    buf_.resize(old + static_cast<std::size_t>(n));
  }
  return buf_.size() >= want;
}

std::string_view ByteSource::peek(std::size_t n) {
  if (fd_ < 0) return memory_.substr(0, n);
  if (buf_.size() - begin_ < n) fill(n);
  return std::string_view(buf_).substr(begin_, n);
}

void ByteSource::consume(std::size_t n) {
  consumed_ += n;
  if (fd_ < 0) {
    memory_.remove_prefix(std::min(n, memory_.size()));
    return;
  }
  begin_ += std::min(n, buf_.size() - begin_);
}

bool ByteSource::getline(std::string& line) {
  line.clear();
  for (;;) {
    std::string_view avail =
        fd_ < 0 ? memory_ : std::string_view(buf_).substr(begin_);
    auto nl = avail.find('\n');
    if (nl != std::string_view::npos) {
      line.append(avail.substr(0, nl));
      consume(nl + 1);
      return true;
    }
    line.append(avail);
    consume(avail.size());
    if (fd_ < 0 || !fill(1)) return !line.empty();
  }
}

}  // namespace th
