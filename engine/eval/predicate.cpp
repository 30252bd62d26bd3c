#include "engine/eval/predicate.h"

namespace th {
namespace {
bool known_dims(uint8_t needed, uint8_t known) { return needed != 0 && (needed & ~known) == 0; }
Tri to_tri(bool b) { return b ? Tri::yes : Tri::no; }
}  // namespace

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
