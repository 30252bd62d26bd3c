#include "engine/eval/matchers.h"

#include <fnmatch.h>
#include <strings.h>

#include <algorithm>
#include <cctype>

namespace th {
namespace {

using cond::Op;

char fold(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.empty()) return true;
  if (needle.size() > hay.size()) return false;
  for (std::size_t i = 0; i + needle.size() <= hay.size(); ++i) {
    std::size_t j = 0;
    while (j < needle.size() && fold(hay[i + j]) == fold(needle[j])) ++j;
    if (j == needle.size()) return true;
  }
  return false;
}

template <class T>
bool compare_ordered(Op op, T a, T b) {
  switch (op) {
    case Op::eq: case Op::in: case Op::intersects: return a == b;
    case Op::ne: return a != b;
    case Op::lt: return a < b;
    case Op::le: return a <= b;
    case Op::gt: return a > b;
    case Op::ge: return a >= b;
    default: return false;
  }
}

bool compare_strings(Op op, std::string_view a, std::string_view b, Scratch& s) {
  switch (op) {
    case Op::contains: case Op::bcontains: return a.find(b) != std::string_view::npos;
    case Op::icontains: return icontains(a, b);
    case Op::startswith: case Op::bstartswith: return a.starts_with(b);
    case Op::endswith: return a.ends_with(b);
    case Op::glob: return glob_match(b, a, false, s);
    case Op::iglob: return glob_match(b, a, true, s);
    default: return compare_ordered(op, a, b);  // equality and order
  }
}

class StringMatcher final : public Matcher {
 public:
  StringMatcher(Op op, std::string c) : op_(op), c_(std::move(c)) {}
  bool match(const Value& v, const Event&, Scratch& s) const override {
    return compare_strings(op_, v.str, c_, s);
  }
  std::optional<MatcherLiterals> literals() const override {
    using K = MatcherLiterals::Kind;
    switch (op_) {
      case Op::eq: return MatcherLiterals{K::equals, {c_}};
      case Op::startswith: case Op::bstartswith: return MatcherLiterals{K::prefix, {c_}};
      case Op::endswith: return MatcherLiterals{K::suffix, {c_}};
      case Op::contains: case Op::bcontains: return MatcherLiterals{K::substring, {c_}};
      case Op::glob: {
        // fnmatch without flags: the pattern's head up to its first special character must
        // match literally.
        std::string_view head(c_);
        head = head.substr(0, head.find_first_of("*?[\\"));
        if (head.size() == c_.size()) return MatcherLiterals{K::equals, {c_}};
        return MatcherLiterals{K::prefix, {head}};
      }
      default: return std::nullopt;  // ne, order, case-insensitive operators
    }
  }

 private:
  Op op_;
  std::string c_;
};

class StringSetMatcher final : public Matcher {
 public:
  explicit StringSetMatcher(std::vector<std::string> items) {
    for (auto& i : items) {
      min_ = std::min(min_, i.size());
      max_ = std::max(max_, i.size());
      set_.insert(std::move(i));
    }
  }
  bool match(const Value& v, const Event&, Scratch&) const override {
    // The length window rejects most misses without hashing.
    if (v.str.size() < min_ || v.str.size() > max_) return false;
    return set_.find(v.str) != set_.end();
  }
  std::optional<MatcherLiterals> literals() const override {
    MatcherLiterals l{MatcherLiterals::Kind::equals, {}};
    for (const auto& i : set_) l.texts.push_back(i);
    return l;
  }

 private:
  StringSet set_;
  std::size_t min_ = SIZE_MAX;
  std::size_t max_ = 0;
};

// Falco's pmatch: the value is one of the paths or lies below one of them, by whole components.
class PmatchMatcher final : public Matcher {
 public:
  explicit PmatchMatcher(std::vector<std::string> prefixes) {
    for (auto& p : prefixes) {
      while (p.size() > 1 && p.back() == '/') p.pop_back();
      prefixes_.push_back(std::move(p));
    }
  }
  bool match(const Value& v, const Event&, Scratch&) const override {
    for (const auto& p : prefixes_) {
      if (!v.str.starts_with(p)) continue;
      if (v.str.size() == p.size() || p == "/" || v.str[p.size()] == '/') return true;
    }
    return false;
  }
  std::optional<MatcherLiterals> literals() const override {
    MatcherLiterals l{MatcherLiterals::Kind::prefix, {}};
    for (const auto& p : prefixes_) l.texts.push_back(p);
    return l;
  }

 private:
  std::vector<std::string> prefixes_;
};

class RegexMatcher final : public Matcher {
 public:
  explicit RegexMatcher(std::unique_ptr<RE2> re) : re_(std::move(re)) {}
  bool match(const Value& v, const Event&, Scratch&) const override {
    return re_->Match(re2::StringPiece(v.str.data(), v.str.size()), 0, v.str.size(),
                      RE2::ANCHOR_BOTH, nullptr, 0);
  }

 private:
  std::unique_ptr<RE2> re_;
};

// int64 and uint64 comparisons differ only in which member of the value they read.
template <class T, T Value::*Member>
class NumberMatcher final : public Matcher {
 public:
  NumberMatcher(Op op, T c) : op_(op), c_(c) {}
  bool match(const Value& v, const Event&, Scratch&) const override {
    return compare_ordered(op_, v.*Member, c_);
  }

 private:
  Op op_;
  T c_;
};

// Numeric `in` lists are short in practice: a sorted vector beats hashing.
template <class T, T Value::*Member>
class NumberSetMatcher final : public Matcher {
 public:
  explicit NumberSetMatcher(std::vector<T> items) : items_(std::move(items)) {
    std::sort(items_.begin(), items_.end());
    items_.erase(std::unique(items_.begin(), items_.end()), items_.end());
  }
  bool match(const Value& v, const Event&, Scratch&) const override {
    return std::binary_search(items_.begin(), items_.end(), v.*Member);
  }

 private:
  std::vector<T> items_;
};

class BoolMatcher final : public Matcher {
 public:
  BoolMatcher(Op op, bool c) : op_(op), c_(c) {}
  bool match(const Value& v, const Event&, Scratch&) const override {
    bool b = v.i != 0;
    return op_ == Op::ne ? b != c_ : b == c_;
  }

 private:
  Op op_;
  bool c_;
};

class ModifierMatcher final : public Matcher {
 public:
  ModifierMatcher(cond::Modifier mod, std::vector<MatcherPtr> items)
      : mod_(mod), items_(std::move(items)) {}
  bool match(const Value& v, const Event& e, Scratch& s) const override {
    std::size_t hits = 0;
    for (const auto& m : items_) {
      if (m->match(v, e, s)) {
        ++hits;
        if (mod_ == cond::Modifier::anyof) return true;
        if (mod_ == cond::Modifier::oneof && hits > 1) return false;
      } else if (mod_ == cond::Modifier::allof) {
        return false;
      }
    }
    switch (mod_) {
      case cond::Modifier::oneof: return hits == 1;
      case cond::Modifier::allof: return !items_.empty();
      default: return false;
    }
  }

 private:
  cond::Modifier mod_;
  std::vector<MatcherPtr> items_;
};

class FieldMatcher final : public Matcher {
 public:
  FieldMatcher(Op op, FieldType type, ExtractorPtr rhs)
      : op_(op), type_(type), rhs_(std::move(rhs)) {}
  bool match(const Value& v, const Event& e, Scratch& s) const override {
    Values r;
    if (!rhs_->extract(e, s, r)) return false;
    for (const Value& x : r)
      if (compare_values(op_, type_, v, x, s)) return true;
    return false;
  }
  uint8_t rhs_dims() const override { return rhs_->dims(); }
  bool rhs_is_constant() const override { return false; }

 private:
  Op op_;
  FieldType type_;
  ExtractorPtr rhs_;
};

}  // namespace

bool glob_match(std::string_view pattern, std::string_view s, bool case_insensitive,
                Scratch& scratch) {
  // fnmatch wants NUL-terminated strings; scratch buffers keep their capacity.
  std::string& p = scratch.next();
  p.assign(pattern);
  std::string& v = scratch.next();
  v.assign(s);
  return fnmatch(p.c_str(), v.c_str(), case_insensitive ? FNM_CASEFOLD : 0) == 0;
}

bool compare_values(Op op, FieldType type, const Value& a, const Value& b, Scratch& s) {
  switch (type) {
    case FieldType::string: return compare_strings(op, a.str, b.str, s);
    case FieldType::int64: return compare_ordered(op, a.i, b.i);
    case FieldType::uint64:
    case FieldType::abstime: return compare_ordered(op, a.u, b.u);
    case FieldType::boolean:
      return op == Op::ne ? (a.i != 0) != (b.i != 0) : (a.i != 0) == (b.i != 0);
  }
  return false;
}

MatcherPtr make_string_matcher(Op op, std::string c) {
  return std::make_unique<StringMatcher>(op, std::move(c));
}
MatcherPtr make_string_set_matcher(std::vector<std::string> items) {
  return std::make_unique<StringSetMatcher>(std::move(items));
}
MatcherPtr make_pmatch_matcher(std::vector<std::string> prefixes) {
  return std::make_unique<PmatchMatcher>(std::move(prefixes));
}
MatcherPtr make_regex_matcher(std::unique_ptr<RE2> re) {
  return std::make_unique<RegexMatcher>(std::move(re));
}
MatcherPtr make_int_matcher(Op op, int64_t c) {
  return std::make_unique<NumberMatcher<int64_t, &Value::i>>(op, c);
}
MatcherPtr make_uint_matcher(Op op, uint64_t c) {
  return std::make_unique<NumberMatcher<uint64_t, &Value::u>>(op, c);
}
MatcherPtr make_int_set_matcher(std::vector<int64_t> items) {
  return std::make_unique<NumberSetMatcher<int64_t, &Value::i>>(std::move(items));
}
MatcherPtr make_uint_set_matcher(std::vector<uint64_t> items) {
  return std::make_unique<NumberSetMatcher<uint64_t, &Value::u>>(std::move(items));
}
MatcherPtr make_bool_matcher(Op op, bool c) { return std::make_unique<BoolMatcher>(op, c); }
MatcherPtr make_modifier_matcher(cond::Modifier mod, std::vector<MatcherPtr> items) {
  return std::make_unique<ModifierMatcher>(mod, std::move(items));
}
MatcherPtr make_field_matcher(Op op, FieldType type, ExtractorPtr rhs) {
  return std::make_unique<FieldMatcher>(op, type, std::move(rhs));
}

}  // namespace th
