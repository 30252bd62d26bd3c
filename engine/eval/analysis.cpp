#include "engine/eval/analysis.h"

#include "engine/core/ptrace_request.h"

namespace th {

ConditionReach analyze_condition(const Predicate& p) {
  ConditionReach r;
  Scratch s;
  Event e;
  for (std::size_t i = 0; i < kEvtTypeCount; ++i) {
    e = Event{};
    e.type = static_cast<EvtType>(i);
    if (p.partial(e, s, kDimType) != Tri::no) r.types.add(e.type);
    s.reset();
  }
  r.interest.types = r.types;

  if (r.types.contains(EvtType::ptrace)) {
    e = Event{};
    e.type = EvtType::ptrace;
    // Every slot, named or not, so that requests added by newer kernels are judged too.
    for (int slot = 0; slot < kPtraceSlotCount; ++slot) {
      e.request = slot < 64 ? slot : 0x4200 + (slot - 64);
      if (p.partial(e, s, kDimType | kDimRequest) != Tri::no) r.interest.ptrace.set(slot);
      s.reset();
    }
    e.request = kUnlistedPtraceRequest;
    r.interest.ptrace_other = p.partial(e, s, kDimType | kDimRequest) != Tri::no;
    s.reset();
  }

  for (EvtType t : {EvtType::open, EvtType::openat, EvtType::openat2}) {
    if (!r.types.contains(t)) continue;
    e = Event{};
    e.type = t;
    for (uint32_t mode : {0u, 1u, 2u}) {  // O_RDONLY, O_WRONLY, O_RDWR
      e.open_flags = mode;
      bool possible = p.partial(e, s, kDimType | kDimOpenMode) != Tri::no;
      s.reset();
      if (!possible) continue;
      if (mode == 0) r.interest.mem_open_read = true;
      else r.interest.mem_open_write = true;
    }
  }
  return r;
}

}  // namespace th
