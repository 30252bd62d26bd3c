#include "engine/eval/rule_index.h"

#include <algorithm>
#include <bitset>
#include <string>
#include <unordered_map>

#include "engine/core/interest.h"
#include "engine/eval/matchers.h"

namespace th {

// The pins of one field: exact values, prefixes and suffixes hashed (one probe per distinct
// length), substrings found by a scan over the value's byte pairs. Every lookup appends the ids
// of the rules whose pin the value satisfies.
class TypeRuleIndex::FieldLookup {
 public:
  FieldLookup(ExtractFn fn, const FieldArg& arg) : fn_(fn), arg_(arg) {}

  bool reads(ExtractFn fn, const FieldArg& a) const {
    return fn == fn_ && a.present == arg_.present && a.index == arg_.index && a.key == arg_.key;
  }

  void add(MatcherLiterals::Kind kind, std::string_view text, uint32_t id) {
    using K = MatcherLiterals::Kind;
    switch (kind) {
      case K::equals: exact_[std::string(text)].push_back(id); break;
      case K::prefix: add_affix(prefix_, prefix_lengths_, text, id); break;
      case K::suffix: add_affix(suffix_, suffix_lengths_, text, id); break;
      case K::substring: add_needle(text, id); break;
    }
  }

  void lookup(const Event& e, Scratch& s, std::vector<uint32_t>& out) const {
    Values vals;
    if (!fn_(e, arg_, s, vals)) return;
    for (const Value& v : vals) {
      std::string_view x = v.str;
      if (!exact_.empty()) append(exact_, x, out);
      for (std::size_t n : prefix_lengths_) {
        if (n > x.size()) break;
        append(prefix_, x.substr(0, n), out);
      }
      for (std::size_t n : suffix_lengths_) {
        if (n > x.size()) break;
        append(suffix_, x.substr(x.size() - n), out);
      }
      if (!needles_.empty() || !byte_ids_.empty()) scan(x, out);
    }
  }

 private:
  using IdMap = std::unordered_map<std::string, std::vector<uint32_t>, StringHash, std::equal_to<>>;
  struct Needle {
    uint16_t head;  // its first two bytes
    std::string text;
    std::vector<uint32_t> ids;
  };
  static uint16_t head_of(unsigned char a, unsigned char b) {
    return static_cast<uint16_t>(a << 8 | b);
  }

  static void append(const IdMap& m, std::string_view key, std::vector<uint32_t>& out) {
    auto it = m.find(key);
    if (it != m.end()) out.insert(out.end(), it->second.begin(), it->second.end());
  }
  static void add_affix(IdMap& m, std::vector<std::size_t>& lengths, std::string_view text,
                        uint32_t id) {
    m[std::string(text)].push_back(id);
    auto at = std::lower_bound(lengths.begin(), lengths.end(), text.size());
    if (at == lengths.end() || *at != text.size()) lengths.insert(at, text.size());
  }
  void add_needle(std::string_view text, uint32_t id) {
    if (text.size() == 1) {
      byte_ids_[static_cast<unsigned char>(text[0])].push_back(id);
      return;
    }
    uint16_t h = head_of(text[0], text[1]);
    auto it = std::find_if(needles_.begin(), needles_.end(),
                           [&](const Needle& n) { return n.text == text; });
    if (it == needles_.end()) {
      Needle n{h, std::string(text), {}};
      auto at = std::upper_bound(needles_.begin(), needles_.end(), h,
                                 [](uint16_t k, const Needle& x) { return k < x.head; });
      it = needles_.insert(at, std::move(n));
      if (!heads_) heads_ = std::make_unique<std::bitset<65536>>();
      heads_->set(h);
    }
    it->ids.push_back(id);
  }

  void scan(std::string_view x, std::vector<uint32_t>& out) const {
    for (std::size_t i = 0; heads_ && i + 1 < x.size(); ++i) {
      uint16_t h = head_of(x[i], x[i + 1]);
      if (!heads_->test(h)) continue;
      auto lo = std::lower_bound(needles_.begin(), needles_.end(), h,
                                 [](const Needle& n, uint16_t k) { return n.head < k; });
      for (; lo != needles_.end() && lo->head == h; ++lo)
        if (x.substr(i, lo->text.size()) == lo->text)
          out.insert(out.end(), lo->ids.begin(), lo->ids.end());
    }
    if (byte_ids_.empty()) return;
    for (const auto& [c, ids] : byte_ids_)  // one-byte needles (rare)
      if (x.find(static_cast<char>(c)) != std::string_view::npos)
        out.insert(out.end(), ids.begin(), ids.end());
  }

  ExtractFn fn_;
  FieldArg arg_;
  IdMap exact_, prefix_, suffix_;
  std::vector<std::size_t> prefix_lengths_, suffix_lengths_;  // distinct, rising
  std::vector<Needle> needles_;                                // by head
  std::unique_ptr<std::bitset<65536>> heads_;                  // heads of the needles
  std::unordered_map<unsigned char, std::vector<uint32_t>> byte_ids_;
};

TypeRuleIndex::TypeRuleIndex() = default;
TypeRuleIndex::TypeRuleIndex(TypeRuleIndex&&) noexcept = default;
TypeRuleIndex& TypeRuleIndex::operator=(TypeRuleIndex&&) noexcept = default;
TypeRuleIndex::~TypeRuleIndex() = default;

TypeRuleIndex::TypeRuleIndex(EvtType t, const std::vector<PredicatePtr>& conditions) {
  if (conditions.empty()) return;
  owned_ = conditions;
  for (const auto& c : conditions) pins_.push_back(implied_pins(*c));
  by_request_ = t == EvtType::ptrace;
  if (by_request_) {
    Scratch scratch;
    for (int slot = 0; slot < kPtraceSlotCount; ++slot) {
      Event probe;
      probe.type = t;
      probe.request = slot < 64 ? slot : 0x4200 + (slot - 64);
      std::vector<PredicatePtr> by_id;
      for (const auto& c : conditions) {
        PredicatePtr sc = c->specialize(c, probe, scratch, kDimType | kDimRequest);
        auto k = sc->constant();
        by_id.push_back(k && !*k ? nullptr : sc);  // null: this request never matches
      }
      add_variant(by_id);
    }
  }
  // Requests outside the slots, and every other type: the conditions as given.
  add_variant(conditions);
}

void TypeRuleIndex::add_variant(const std::vector<PredicatePtr>& by_id) {
  std::vector<uint32_t> members;
  Variant v;
  for (uint32_t id = 0; id < by_id.size(); ++id) {
    if (!by_id[id]) continue;
    members.push_back(id);
    if (by_id[id] != owned_[id]) owned_.push_back(by_id[id]);
    v.conditions.push_back(by_id[id].get());
  }
  for (const auto& g : groups_)
    if (g->members == members) v.group = g.get();
  if (!v.group) {
    auto g = std::make_unique<Group>();
    for (uint32_t at = 0; at < members.size(); ++at) {
      const auto& pins = pins_[members[at]];
      if (!pins) {
        g->always.push_back(at);
        continue;
      }
      for (const Pin& p : *pins) {
        auto it = std::find_if(g->fields.begin(), g->fields.end(),
                               [&](const auto& f) { return f->reads(p.field, *p.arg); });
        if (it == g->fields.end())
          it = g->fields.insert(g->fields.end(), std::make_unique<FieldLookup>(p.field, *p.arg));
        (*it)->add(p.kind, p.text, at);
      }
    }
    g->members = std::move(members);
    v.group = g.get();
    groups_.push_back(std::move(g));
  }
  variants_.push_back(std::move(v));
}

const TypeRuleIndex::Variant& TypeRuleIndex::variant_for(const Event& e) const {
  if (!by_request_) return variants_[0];
  int slot = ptrace_request_slot(e.request);
  return variants_[slot < 0 ? kPtraceSlotCount : static_cast<std::size_t>(slot)];
}

const std::vector<uint32_t>& TypeRuleIndex::candidates(const Group& g, const Event& e,
                                                       Scratch& s) const {
  std::vector<uint32_t>& hits = s.index_hits();
  hits.clear();
  for (const auto& f : g.fields) f->lookup(e, s, hits);
  s.reset();
  if (hits.empty()) return g.always;
  std::sort(hits.begin(), hits.end());
  hits.erase(std::unique(hits.begin(), hits.end()), hits.end());
  if (g.always.empty()) return hits;
  std::vector<uint32_t>& merged = s.index_merged();
  merged.clear();
  std::merge(hits.begin(), hits.end(), g.always.begin(), g.always.end(),
             std::back_inserter(merged));
  return merged;
}

std::size_t TypeRuleIndex::indexed_fields(const Event& e) const {
  return variants_.empty() ? 0 : variant_for(e).group->fields.size();
}

std::size_t TypeRuleIndex::unpinned(const Event& e) const {
  return variants_.empty() ? 0 : variant_for(e).group->always.size();
}

}  // namespace th
