// Compiled conditions: typed predicate trees. A leaf pairs an Extractor (field, possibly through
// transformers) with a Matcher (operator and constants parsed once at compile time). Evaluation
// short-circuits and allocates nothing in steady state.
//
// Every node can also be evaluated on a partially known event (three-valued, Kleene logic): the
// static analysis uses it to find which event types, ptrace requests and open modes a rule could
// possibly match (engine/eval/analysis.h).
#pragma once

#include <algorithm>
#include <memory>
#include <optional>
#include <vector>

#include "engine/core/event.h"
#include "engine/fields/field.h"
#include "engine/fields/scratch.h"

namespace th {

class Predicate;
// Shared: specialised trees (see specialize) reuse the subtrees they do not change.
using PredicatePtr = std::shared_ptr<const Predicate>;

class Predicate {
 public:
  virtual ~Predicate() = default;
  virtual bool eval(const Event& e, Scratch& s) const = 0;
  // Tri::unknown when the outcome depends on parts of the event outside `known_dims`.
  virtual Tri partial(const Event& e, Scratch& s, uint8_t known_dims) const = 0;
  // The tree simplified for events like `e` on the known dimensions: checks with a known outcome
  // become constants and and/or/not fold them away. `self` is this node, for sharing.
  virtual PredicatePtr specialize(const PredicatePtr& self, const Event& e, Scratch& s,
                                  uint8_t known_dims) const;
  // The constant value of a ConstNode; nullopt for every other node.
  virtual std::optional<bool> constant() const { return std::nullopt; }
  // A rough cost of evaluating the node, used to order the operands of and/or: checks on what
  // the event itself says (its type, the ptrace request, the open mode) are cheap and decide
  // most events, so they go first. Reordering is safe: evaluation has no side effects.
  virtual unsigned cost() const { return 2; }
};

// Produces the values of the left (or right, for val()) side of a check.
class Extractor {
 public:
  Extractor(FieldType type, uint8_t dims, EvtTypeSet types = EvtTypeSet::all())
      : type_(type), dims_(dims), types_(types) {}
  virtual ~Extractor() = default;
  FieldType type() const { return type_; }
  // The analysis dimensions the values depend on; 0 when they depend on anything else.
  uint8_t dims() const { return dims_; }
  // Event types for which there can be a value; for the others extraction always fails, which
  // the analysis can rely on whatever the dimensions.
  EvtTypeSet types() const { return types_; }
  // false when there is no value for this event (comparisons are then false).
  virtual bool extract(const Event& e, Scratch& s, Values& out) const = 0;
  // For a registered field read as it is (no transformer): its accessor and argument, so that
  // checks can call it directly. Null otherwise.
  virtual ExtractFn direct(const FieldArg** arg) const { return nullptr; }

 private:
  FieldType type_;
  uint8_t dims_;
  EvtTypeSet types_;
};
using ExtractorPtr = std::unique_ptr<const Extractor>;

// What a string matcher can accept, for the rule index (engine/eval/rule_index.h): only values
// that equal, start with, end with or contain one of `texts`. A necessary condition, not always
// a sufficient one (a glob gives its literal head as a prefix).
struct MatcherLiterals {
  enum class Kind : uint8_t { equals, prefix, suffix, substring };
  Kind kind;
  std::vector<std::string_view> texts;  // borrowed from the matcher
};

// An operator with its right-hand side, applied to one extracted value.
class Matcher {
 public:
  virtual ~Matcher() = default;
  virtual bool match(const Value& v, const Event& e, Scratch& s) const = 0;
  // Set when every value this matcher accepts fits the literals (byte-exact operators only).
  virtual std::optional<MatcherLiterals> literals() const { return std::nullopt; }
  // Dimensions the right-hand side depends on (val(field)); 0 for constants.
  virtual uint8_t rhs_dims() const { return 0; }
  virtual bool rhs_is_constant() const { return true; }
};
using MatcherPtr = std::unique_ptr<const Matcher>;

// A subtree is as cheap as its dearest operand: an `or` of request checks stays cheap (and is
// decisive), one that reads the process table is not.
inline unsigned max_cost(const std::vector<PredicatePtr>& kids) {
  unsigned c = 0;
  for (const auto& k : kids) c = std::max(c, k->cost());
  return c;
}

class AndNode final : public Predicate {
 public:
  explicit AndNode(std::vector<PredicatePtr> c) : children_(std::move(c)) {}
  unsigned cost() const override { return max_cost(children_); }
  const std::vector<PredicatePtr>& children() const { return children_; }
  bool eval(const Event& e, Scratch& s) const override {
    for (const auto& c : children_)
      if (!c->eval(e, s)) return false;
    return true;
  }
  Tri partial(const Event& e, Scratch& s, uint8_t known) const override;
  PredicatePtr specialize(const PredicatePtr& self, const Event& e, Scratch& s,
                          uint8_t known) const override;

 private:
  std::vector<PredicatePtr> children_;
};

class OrNode final : public Predicate {
 public:
  explicit OrNode(std::vector<PredicatePtr> c) : children_(std::move(c)) {}
  unsigned cost() const override { return max_cost(children_); }
  const std::vector<PredicatePtr>& children() const { return children_; }
  bool eval(const Event& e, Scratch& s) const override {
    for (const auto& c : children_)
      if (c->eval(e, s)) return true;
    return false;
  }
  Tri partial(const Event& e, Scratch& s, uint8_t known) const override;
  PredicatePtr specialize(const PredicatePtr& self, const Event& e, Scratch& s,
                          uint8_t known) const override;

 private:
  std::vector<PredicatePtr> children_;
};

class NotNode final : public Predicate {
 public:
  explicit NotNode(PredicatePtr c) : child_(std::move(c)) {}
  unsigned cost() const override { return child_->cost(); }
  bool eval(const Event& e, Scratch& s) const override { return !child_->eval(e, s); }
  Tri partial(const Event& e, Scratch& s, uint8_t known) const override;
  PredicatePtr specialize(const PredicatePtr& self, const Event& e, Scratch& s,
                          uint8_t known) const override;

 private:
  PredicatePtr child_;
};

// lhs op rhs: true when any value of the lhs matches (multi-valued fields such as proc.aname
// without an index match when any ancestor does, as in Falco).
class CheckNode final : public Predicate {
 public:
  CheckNode(ExtractorPtr lhs, MatcherPtr m)
      : lhs_(std::move(lhs)), matcher_(std::move(m)), direct_(lhs_->direct(&direct_arg_)) {}
  bool eval(const Event& e, Scratch& s) const override {
    Values v;
    // Most checks read a plain field: calling its accessor directly saves a virtual call on
    // the hottest path of evaluation.
    if (!(direct_ ? direct_(e, *direct_arg_, s, v) : lhs_->extract(e, s, v))) return false;
    for (const Value& x : v)
      if (matcher_->match(x, e, s)) return true;
    return false;
  }
  Tri partial(const Event& e, Scratch& s, uint8_t known) const override;
  unsigned cost() const override {
    return lhs_->dims() != 0 && matcher_->rhs_is_constant() ? 1 : (direct_ ? 2 : 4);
  }
  const Extractor& lhs() const { return *lhs_; }
  const Matcher& matcher() const { return *matcher_; }

 private:
  ExtractorPtr lhs_;
  MatcherPtr matcher_;
  const FieldArg* direct_arg_ = nullptr;
  ExtractFn direct_ = nullptr;
};

// lhs exists
class ExistsNode final : public Predicate {
 public:
  explicit ExistsNode(ExtractorPtr lhs) : lhs_(std::move(lhs)) {}
  bool eval(const Event& e, Scratch& s) const override {
    Values v;
    return lhs_->extract(e, s, v) && !v.empty();
  }
  Tri partial(const Event& e, Scratch& s, uint8_t known) const override;

 private:
  ExtractorPtr lhs_;
};

// A subtree that several rules share (a macro they all use): evaluated once per event, its
// result kept in the scratch's memo slot for the other rules. Slots are numbered per ruleset;
// such trees are evaluated through Ruleset::match, which sizes the slots (Scratch::begin_event).
class MemoNode final : public Predicate {
 public:
  MemoNode(uint32_t slot, PredicatePtr inner) : slot_(slot), inner_(std::move(inner)) {}
  bool eval(const Event& e, Scratch& s) const override {
    bool v;
    if (s.memo_get(slot_, v)) return v;
    v = inner_->eval(e, s);
    s.memo_set(slot_, v);
    return v;
  }
  Tri partial(const Event& e, Scratch& s, uint8_t known) const override {
    return inner_->partial(e, s, known);
  }
  PredicatePtr specialize(const PredicatePtr& self, const Event& e, Scratch& s,
                          uint8_t known) const override;
  unsigned cost() const override { return inner_->cost(); }
  uint32_t slot() const { return slot_; }
  const Predicate& inner() const { return *inner_; }

 private:
  uint32_t slot_;
  PredicatePtr inner_;
};

// A constant outcome (an empty condition, or a folded subtree).
class ConstNode final : public Predicate {
 public:
  explicit ConstNode(bool v) : v_(v) {}
  bool eval(const Event&, Scratch&) const override { return v_; }
  Tri partial(const Event&, Scratch&, uint8_t) const override { return v_ ? Tri::yes : Tri::no; }
  std::optional<bool> constant() const override { return v_; }

 private:
  bool v_;
};

}  // namespace th
