#include "engine/eval/predicate.h"

#include <algorithm>

namespace th {
namespace {
bool known_dims(uint8_t needed, uint8_t known) { return needed != 0 && (needed & ~known) == 0; }
Tri to_tri(bool b) { return b ? Tri::yes : Tri::no; }
}  // namespace

PredicatePtr Predicate::specialize(const PredicatePtr& self, const Event& e, Scratch& s,
                                   uint8_t known) const {
  Tri t = partial(e, s, known);
  s.reset();
  if (t == Tri::unknown) return self;
  return std::make_shared<ConstNode>(t == Tri::yes);
}

namespace {
// and/or share this: `absorbing` is false for and (a false child makes it false), true for or.
template <class Node>
PredicatePtr specialize_children(const PredicatePtr& self, const std::vector<PredicatePtr>& kids,
                                 bool absorbing, const Event& e, Scratch& s, uint8_t known) {
  std::vector<PredicatePtr> out;
  bool changed = false;
  for (const auto& k : kids) {
    PredicatePtr sk = k->specialize(k, e, s, known);
    changed = changed || sk != k;
    if (auto c = sk->constant()) {
      if (*c == absorbing) return std::make_shared<ConstNode>(absorbing);
      continue;  // the neutral constant drops out
    }
    // Flatten nested nodes of the same kind (macro expansions nest them).
    if (auto* same = dynamic_cast<const Node*>(sk.get())) {
      for (const auto& g : same->children()) out.push_back(g);
      changed = true;
      continue;
    }
    out.push_back(std::move(sk));
  }
  if (out.empty()) return std::make_shared<ConstNode>(!absorbing);
  if (out.size() == 1) return out[0];
  // Cheap, decisive operands first (see Predicate::cost).
  std::vector<PredicatePtr> sorted = out;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const PredicatePtr& a, const PredicatePtr& b) { return a->cost() < b->cost(); });
  changed = changed || sorted != out;
  if (!changed) return self;
  return std::make_shared<Node>(std::move(sorted));
}
}  // namespace

PredicatePtr AndNode::specialize(const PredicatePtr& self, const Event& e, Scratch& s,
                                 uint8_t known) const {
  return specialize_children<AndNode>(self, children_, false, e, s, known);
}

PredicatePtr OrNode::specialize(const PredicatePtr& self, const Event& e, Scratch& s,
                                uint8_t known) const {
  return specialize_children<OrNode>(self, children_, true, e, s, known);
}

PredicatePtr NotNode::specialize(const PredicatePtr& self, const Event& e, Scratch& s,
                                 uint8_t known) const {
  PredicatePtr c = child_->specialize(child_, e, s, known);
  if (auto v = c->constant()) return std::make_shared<ConstNode>(!*v);
  if (c == child_) return self;
  return std::make_shared<NotNode>(std::move(c));
}

PredicatePtr MemoNode::specialize(const PredicatePtr& self, const Event& e, Scratch& s,
                                  uint8_t known) const {
  PredicatePtr inner = inner_->specialize(inner_, e, s, known);
  if (inner->constant()) return inner;
  if (inner == inner_) return self;
  // Specialising is deterministic, so every rule gets the same tree for this event type and
  // the slot keeps meaning one thing per event.
  return std::make_shared<MemoNode>(slot_, std::move(inner));
}

Tri AndNode::partial(const Event& e, Scratch& s, uint8_t known) const {
  Tri out = Tri::yes;
  for (const auto& c : children_) {
    Tri t = c->partial(e, s, known);
    if (t == Tri::no) return Tri::no;
    if (t == Tri::unknown) out = Tri::unknown;
  }
  return out;
}

Tri OrNode::partial(const Event& e, Scratch& s, uint8_t known) const {
  Tri out = Tri::no;
  for (const auto& c : children_) {
    Tri t = c->partial(e, s, known);
    if (t == Tri::yes) return Tri::yes;
    if (t == Tri::unknown) out = Tri::unknown;
  }
  return out;
}

Tri NotNode::partial(const Event& e, Scratch& s, uint8_t known) const {
  Tri t = child_->partial(e, s, known);
  return t == Tri::unknown ? t : (t == Tri::yes ? Tri::no : Tri::yes);
}

Tri CheckNode::partial(const Event& e, Scratch& s, uint8_t known) const {
  if (!lhs_->types().contains(e.type)) return Tri::no;  // no value: the check is false
  if (!known_dims(lhs_->dims(), known)) return Tri::unknown;
  if (!matcher_->rhs_is_constant() && !known_dims(matcher_->rhs_dims(), known))
    return Tri::unknown;
  return to_tri(eval(e, s));
}

Tri ExistsNode::partial(const Event& e, Scratch& s, uint8_t known) const {
  if (!lhs_->types().contains(e.type)) return Tri::no;
  if (!known_dims(lhs_->dims(), known)) return Tri::unknown;
  return to_tri(eval(e, s));
}

}  // namespace th
