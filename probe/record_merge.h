// Puts the records of the probe's two rings back into one order. Each ring is read in its own
// order, but a process's records alternate between them (ATTACH in `events`, PEEKDATA in `bulk`,
// POKEDATA in `events`...), and a rule, a capture or the process table must see them as they
// happened. The records of one drain are kept, sorted by their kernel timestamp, and handed out
// only up to a watermark: the time just before the drain started. A record stamped before that
// was committed before the drain started (its stamp is taken before its syscall returns), and so
// was every record its own thread made before it, in either ring: nothing older can turn up in a
// later drain. Records stamped later wait for the next drain (the next moment, not the next
// wakeup: Probe::poll drains again at once while some wait).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace th::probe {

class RecordMerge {
 public:
  // Copies one record (the callback of a ring-buffer read).
  void add(const void* data, std::size_t size);
  // Hands out, oldest first, every record stamped before `watermark_boot_ns`. Stops early if
  // `deliver` throws: that record counts as handed out, the rest stay. Returns how many.
  std::size_t release(uint64_t watermark_boot_ns,
                      const std::function<void(std::span<const std::byte>)>& deliver);
  bool empty() const { return slots_.empty(); }
  std::size_t waiting() const { return slots_.size(); }

 private:
  struct Slot {
    uint64_t ts;
    std::size_t offset, size;
  };
  void drop_first(std::size_t n);
  std::vector<std::byte> arena_;
  std::vector<Slot> slots_;
};

// CLOCK_BOOTTIME now, the clock of the records' stamps.
uint64_t boot_now_ns();

}  // namespace th::probe
