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

namespace {

// Lower is more selective: an exact value decides more than a substring.
unsigned pin_cost(const std::vector<Pin>& pins) {
  unsigned c = 0;
  for (const Pin& p : pins) c += p.kind == MatcherLiterals::Kind::equals ? 1u
                                 : p.kind == MatcherLiterals::Kind::substring ? 4u : 2u;
  return c;
}

std::optional<std::vector<Pin>> check_pins(const CheckNode& c) {
  const FieldArg* arg = nullptr;
  ExtractFn fn = c.lhs().direct(&arg);
  if (!fn || c.lhs().type() != FieldType::string || c.lhs().dims() != 0) return std::nullopt;
  auto lit = c.matcher().literals();
  if (!lit) return std::nullopt;
  std::vector<Pin> out;
  for (std::string_view t : lit->texts) {
    // An empty prefix, suffix or substring fits every value: no pin at all.
    if (t.empty() && lit->kind != MatcherLiterals::Kind::equals) return std::nullopt;
    out.push_back({fn, arg, lit->kind, t});
  }
  return out;
}

}  // namespace

std::optional<std::vector<Pin>> implied_pins(const Predicate& p) {
  if (auto* c = dynamic_cast<const CheckNode*>(&p)) return check_pins(*c);
  if (auto* m = dynamic_cast<const MemoNode*>(&p)) return implied_pins(m->inner());
  if (auto* a = dynamic_cast<const AndNode*>(&p)) {
    // Any operand's pins are implied by the conjunction: keep the most selective.
    std::optional<std::vector<Pin>> best;
    for (const auto& k : a->children()) {
      auto pins = implied_pins(*k);
      if (pins && (!best || pin_cost(*pins) < pin_cost(*best))) best = std::move(pins);
    }
    return best;
  }
  if (auto* o = dynamic_cast<const OrNode*>(&p)) {
    // A disjunction implies the union of its operands' pins, if each operand has some.
    std::vector<Pin> all;
    for (const auto& k : o->children()) {
      auto pins = implied_pins(*k);
      if (!pins) return std::nullopt;
      all.insert(all.end(), pins->begin(), pins->end());
    }
    return all;
  }
  if (auto v = p.constant(); v && !*v) return std::vector<Pin>{};  // never true: no event
  return std::nullopt;  // negation, exists, constant true, checks that cannot be pinned
}

}  // namespace th
