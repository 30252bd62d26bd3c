#include "probe/ring_reader.h"

#include <bpf/bpf.h>
#include <linux/bpf.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

namespace th::probe {

// One mmap()ed range, unmapped with its owner.
class RingReader::Mapping {
 public:
  Mapping() = default;
  Mapping(void* address, std::size_t size) : address_(address), size_(size) {}
  Mapping(Mapping&& other) noexcept
      : address_(std::exchange(other.address_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  Mapping& operator=(Mapping&& other) noexcept {
    if (this != &other) {
      unmap();
      address_ = std::exchange(other.address_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping() { unmap(); }

  // Maps `size` bytes of `fd` at `offset`; empty (errno set) on failure.
  static Mapping map(int fd, std::size_t size, int protection, off_t offset) {
    void* address = ::mmap(nullptr, size, protection, MAP_SHARED, fd, offset);
    if (address == MAP_FAILED) return {};
    return {address, size};
  }
  explicit operator bool() const { return address_ != nullptr; }
  std::byte* bytes() const { return static_cast<std::byte*>(address_); }

 private:
  void unmap() {
    if (address_) ::munmap(address_, size_);
  }
  void* address_ = nullptr;
  std::size_t size_ = 0;
};

// The kernel's layout of a ring map's file (kernel/bpf/ringbuf.c): page 0 holds the consumer
// position (the only page user space may write), page 1 the producer position, and the data
// area (a power of two of at least a page) starts at page 2. Positions only grow; a position's
// place in the data area is position & mask.
struct RingReader::Ring {
  Mapping consumer_page;  // read-write, page 0
  Mapping producer_area;  // read-only, page 1 and the data area, once
  const std::byte* data = nullptr;
  uint64_t size = 0;  // bytes of the data area
  Callback callback = nullptr;
  void* ctx = nullptr;

  unsigned long* consumer_pos() const {
    return reinterpret_cast<unsigned long*>(consumer_page.bytes());
  }
  const unsigned long* producer_pos() const {
    return reinterpret_cast<const unsigned long*>(producer_area.bytes());
  }
};

RingReader::RingReader() {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ < 0) epoll_errno_ = errno;
}

RingReader::~RingReader() {
  rings_.clear();  // the mappings first, then the fd that watched them
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

bool RingReader::add(int map_fd, Callback callback, void* ctx, std::string& error) {
  auto fail = [&](const char* what, int err) {
    error = std::string(what) + ": " + std::strerror(err);
    return false;
  };
  if (epoll_fd_ < 0) return fail("cannot create an epoll instance for the ring buffers", epoll_errno_);
  bpf_map_info info{};
  uint32_t info_len = sizeof(info);
  if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len) != 0)
    return fail("cannot read a ring buffer's map information", errno);
  if (info.type != BPF_MAP_TYPE_RINGBUF) return fail("a ring buffer's map", EINVAL);

  const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  Ring ring;
  ring.size = info.max_entries;
  ring.callback = callback;
  ring.ctx = ctx;
  ring.consumer_page = Mapping::map(map_fd, page, PROT_READ | PROT_WRITE, 0);
  if (!ring.consumer_page) return fail("cannot map a ring buffer's consumer page", errno);
  ring.producer_area = Mapping::map(map_fd, page + ring.size, PROT_READ, static_cast<off_t>(page));
  if (!ring.producer_area) return fail("cannot map a ring buffer's data", errno);
  ring.data = ring.producer_area.bytes() + page;

  epoll_event watch{};
  watch.events = EPOLLIN;
  watch.data.u32 = static_cast<uint32_t>(rings_.size());
  if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, map_fd, &watch) != 0)
    return fail("cannot watch a ring buffer", errno);
  rings_.push_back(std::move(ring));
  return true;
}

int RingReader::consume() {
  int64_t handled = 0;
  for (Ring& ring : rings_) {
    int64_t n = consume_ring(ring);
    if (n < 0) return static_cast<int>(n);
    handled += n;
  }
  return static_cast<int>(std::min<int64_t>(handled, INT_MAX));
}

// The producer's side (kernel/bpf/ringbuf.c): a record is reserved by writing its header with
// the busy bit set and then publishing the new producer position (release); it is committed by
// clearing the busy bit (and setting the discard bit to drop it). So: the producer position is
// read with acquire, each header with acquire, and only what precedes the first busy record is
// taken. The consumer position is published with release after each record, once its bytes are
// no longer needed: from then on the kernel may write over them.
int64_t RingReader::consume_ring(Ring& ring) {
  constexpr uint32_t kFlags = BPF_RINGBUF_BUSY_BIT | BPF_RINGBUF_DISCARD_BIT;
  const uint64_t mask = ring.size - 1;
  unsigned long consumer = __atomic_load_n(ring.consumer_pos(), __ATOMIC_ACQUIRE);
  const unsigned long producer = __atomic_load_n(ring.producer_pos(), __ATOMIC_ACQUIRE);
  int64_t handled = 0;
  while (consumer < producer) {
    // Headers are 8-byte aligned and the data area a multiple of 8: a header never wraps.
    const auto* header = reinterpret_cast<const uint32_t*>(ring.data + (consumer & mask));
    const uint32_t len = __atomic_load_n(header, __ATOMIC_ACQUIRE);
    if (len & BPF_RINGBUF_BUSY_BIT) break;  // being written: it and everything after wait
    const uint32_t size = len & ~kFlags;
    const uint64_t footprint = (uint64_t{size} + BPF_RINGBUF_HDR_SZ + 7) & ~uint64_t{7};
    if (footprint > ring.size) return -EBADMSG;  // would read past the mapping
    int rc = 0;
    if ((len & BPF_RINGBUF_DISCARD_BIT) == 0) {
      rc = ring.callback(ring.ctx, contiguous(ring, consumer + BPF_RINGBUF_HDR_SZ, size), size);
      ++handled;
    }
    consumer += footprint;
    __atomic_store_n(ring.consumer_pos(), consumer, __ATOMIC_RELEASE);
    if (rc < 0) return rc;
  }
  return handled;
}

// `size` bytes from `position` as one piece: in place, or copied in two parts when they run
// past the end of the data area (the rest is at its start).
const std::byte* RingReader::contiguous(const Ring& ring, uint64_t position, std::size_t size) {
  const uint64_t start = position & (ring.size - 1);
  if (start + size <= ring.size) return ring.data + start;
  const auto first = static_cast<std::size_t>(ring.size - start);
  if (scratch_.size() < size) scratch_.resize(size);
  std::memcpy(scratch_.data(), ring.data + start, first);
  std::memcpy(scratch_.data() + first, ring.data, size - first);
  wrapped_.fetch_add(1, std::memory_order_relaxed);
  return scratch_.data();
}

}  // namespace th::probe
