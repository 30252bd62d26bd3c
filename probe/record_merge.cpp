#include "probe/record_merge.h"

#include <time.h>

#include <algorithm>
#include <cstring>

namespace th::probe {

void RecordMerge::add(const void* data, std::size_t size) {
  uint64_t ts = 0;  // every record starts with th_header.ts_boot_ns; a short one sorts first
  if (size >= sizeof ts) std::memcpy(&ts, data, sizeof ts);
  std::size_t offset = arena_.size();
  arena_.resize(offset + size);
  std::memcpy(arena_.data() + offset, data, size);
  slots_.push_back({ts, offset, size});
}

std::size_t RecordMerge::release(uint64_t watermark_boot_ns,
                                 const std::function<void(std::span<const std::byte>)>& deliver) {
  std::stable_sort(slots_.begin(), slots_.end(),
                   [](const Slot& a, const Slot& b) { return a.ts < b.ts; });
  std::size_t n = 0;
  try {
    for (; n < slots_.size() && slots_[n].ts < watermark_boot_ns; ++n) {
      const Slot& s = slots_[n];
      deliver(std::span<const std::byte>(arena_.data() + s.offset, s.size));
    }
  } catch (...) {
    drop_first(n + 1);
    throw;
  }
  drop_first(n);
  return n;
}

void RecordMerge::drop_first(std::size_t n) {
  n = std::min(n, slots_.size());
  if (n == slots_.size()) {
    slots_.clear();
    arena_.clear();
    return;
  }
  // Few records wait (those committed during one drain): copy them to the front.
  std::vector<std::byte> kept;
  std::vector<Slot> rest(slots_.begin() + static_cast<std::ptrdiff_t>(n), slots_.end());
  for (auto& s : rest) {
    std::size_t offset = kept.size();
    kept.insert(kept.end(), arena_.begin() + static_cast<std::ptrdiff_t>(s.offset),
                arena_.begin() + static_cast<std::ptrdiff_t>(s.offset + s.size));
    s.offset = offset;
  }
  arena_ = std::move(kept);
  slots_ = std::move(rest);
}

uint64_t boot_now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

}  // namespace th::probe
