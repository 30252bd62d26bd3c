// Reads the probe's BPF ring buffers (BPF_MAP_TYPE_RINGBUF) with each data area mapped once.
// libbpf's ring_buffer maps every data area twice in a row so that a record wrapping past the
// end reads as one piece; the kernel makes every page of a ring mapping resident at once
// (remap_vmalloc_range), so that second view costs as much memory as the ring itself. Here the
// rare record that wraps is copied into a reusable scratch buffer instead, and the callback
// always sees contiguous bytes. One epoll instance watches all rings (readable when the kernel
// wakes the reader of any of them). Every mapping and the epoll fd belong to the reader.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace th::probe {

class RingReader {
 public:
  // One record: its bytes, valid only during the call (they are in a read-only mapping of the
  // kernel's ring, or in the reader's scratch buffer). A negative return stops consume() after
  // that record (it counts as consumed) and becomes consume()'s result.
  using Callback = int (*)(void* ctx, const void* data, std::size_t size);

  RingReader();
  ~RingReader();
  RingReader(const RingReader&) = delete;
  RingReader& operator=(const RingReader&) = delete;

  // Maps a ring (the map stays the caller's: the reader never closes `map_fd`) and watches it.
  // consume() reads the rings in the order they were added. False with `error` on failure.
  bool add(int map_fd, Callback callback, void* ctx, std::string& error);

  // Hands every committed record of every ring to its callback, up to the record being written
  // (if any) or the end each ring had when its turn came. Returns how many were handed out (at
  // most INT_MAX), or a callback's negative return, or -EBADMSG for a header no kernel writes.
  int consume();

  // Readable when the kernel wakes the reader of some ring; -1 if it could not be created.
  int epoll_fd() const { return epoll_fd_; }

  // Records that wrapped past the end of their ring's data area and were copied whole first.
  // Any thread (Probe::stats() may run beside the reading thread).
  uint64_t wrapped_records() const { return wrapped_.load(std::memory_order_relaxed); }

 private:
  class Mapping;
  struct Ring;
  int64_t consume_ring(Ring& ring);
  const std::byte* contiguous(const Ring& ring, uint64_t position, std::size_t size);

  int epoll_fd_ = -1;
  int epoll_errno_ = 0;  // why epoll_fd_ is -1
  std::vector<Ring> rings_;
  std::vector<std::byte> scratch_;  // the last wrapped record, reused
  std::atomic<uint64_t> wrapped_{0};
};

}  // namespace th::probe
