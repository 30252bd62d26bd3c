#include "engine/rules/resolver.h"

#include <algorithm>

#include "engine/condition/parser.h"
#include "engine/core/closest_name.h"

namespace th::rules {

using cond::Expr;
using cond::ExprPtr;
using cond::Operand;
using cond::OperandPtr;
using cond::SrcRange;

constexpr std::size_t kMaxListItems = 100'000;

Resolver::Resolver(const Collected& c, cond::SourceMap& sources, Diagnostics& diags)
    : c_(c), sources_(sources), diags_(diags) {}

void Resolver::error(ErrorCode code, const SourcePos& pos, std::string message,
                     const std::string& kind, const std::string& name) {
  bool in_rule = kind == "rule" && name == rule_;
  diags_.report(code, pos, std::move(message), kind, name, in_rule ? "" : rule_);
}

ExprPtr Resolver::parse(const Text& t, const std::string& kind, const std::string& name) {
  uint32_t id = sources_.add(t.file, t.value, t.segments, {kind, name});
  auto r = cond::parse_condition(t.value, id);
  if (!r.ok()) {
    uint32_t off = r.error ? r.error->offset : 0;
    error("TH-E-PARSE", sources_.position(id, off),
          "condition syntax: " + (r.error ? r.error->message : std::string("invalid")), kind,
          name);
    return nullptr;
  }
  return r.expr;
}

OperandPtr Resolver::literal(const Text& t, const cond::SourceMap::Origin& origin) {
  uint32_t id = sources_.add(t.file, t.value, t.segments, origin);
  return Operand::make_literal(t.value, false,
                               SrcRange{id, 0, static_cast<uint32_t>(t.value.size())});
}

const std::vector<OperandPtr>* Resolver::list_items(const std::string& name) {
  if (auto it = list_cache_.find(name); it != list_cache_.end()) return &it->second;
  auto idx = c_.list_index.find(name);
  if (idx == c_.list_index.end()) return nullptr;
  used_lists_.insert(name);
  if (!list_stack_.insert(name).second) {
    const auto& l = c_.lists[idx->second];
    error("TH-E-LIST-LOOP", l.pos, "list '" + name + "' includes itself", "list", name);
    static const std::vector<OperandPtr> kEmpty;
    return &kEmpty;
  }
  std::vector<OperandPtr> out;
  for (const Text& item : c_.lists[idx->second].items) {
    // Falco expands items that name another list.
    if (c_.list_index.count(item.value)) {
      if (const auto* sub = list_items(item.value)) {
        // Lists that include other lists several times grow exponentially: bound them.
        if (out.size() + sub->size() > kMaxListItems) {
          error("TH-E-TOO-LARGE", c_.lists[idx->second].pos,
                "list '" + name + "' has more than " + std::to_string(kMaxListItems) +
                    " items once the lists it includes are expanded",
                "list", name);
          break;
        }
        out.insert(out.end(), sub->begin(), sub->end());
        continue;
      }
    }
    out.push_back(literal(item, {"list", name}));
  }
  list_stack_.erase(name);
  return &(list_cache_[name] = std::move(out));
}

OperandPtr Resolver::resolve_operand(const OperandPtr& o, bool expand_literal) {
  if (o->kind == Operand::Kind::list) {
    std::vector<OperandPtr> items;
    bool changed = false;
    for (const auto& i : o->items) {
      if (i->kind == Operand::Kind::literal) {
        if (const auto* sub = list_items(i->text)) {
          items.insert(items.end(), sub->begin(), sub->end());
          changed = true;
          continue;
        }
      }
      items.push_back(i);
    }
    if (!changed) return o;
    return Operand::make_list(std::move(items), o->range);
  }
  if (expand_literal && o->kind == Operand::Kind::literal) {
    if (const auto* sub = list_items(o->text)) return Operand::make_list(*sub, o->range);
  }
  return o;
}

ExprPtr Resolver::macro(const std::string& name, const SrcRange& use, const std::string& kind,
                        const std::string& item) {
  auto idx = c_.macro_index.find(name);
  if (idx == c_.macro_index.end()) {
    std::vector<std::string_view> names;
    for (const auto& m : c_.macros) names.push_back(m.name);
    error("TH-E-UNDEFINED-MACRO", sources_.position(use.source, use.begin),
          "undefined macro '" + name + "'" + did_you_mean(name, names), kind, item);
    return nullptr;
  }
  used_macros_.insert(name);
  if (auto it = macro_cache_.find(name); it != macro_cache_.end()) return it->second;
  if (macro_failed_.count(name)) return nullptr;
  if (std::find(macro_stack_.begin(), macro_stack_.end(), name) != macro_stack_.end()) {
    std::string cycle;
    bool in = false;
    for (const auto& m : macro_stack_) {
      in = in || m == name;
      if (in) cycle += m + " -> ";
    }
    cycle += name;
    error("TH-E-MACRO-LOOP", sources_.position(use.source, use.begin), "macro loop: " + cycle,
          "macro", name);
    macro_failed_.insert(name);
    return nullptr;
  }
  const CollectedMacro& m = c_.macros[idx->second];
  macro_stack_.push_back(name);
  ExprPtr parsed = parse(m.condition, "macro", name);
  ExprPtr resolved = parsed ? resolve(parsed, "macro", name) : nullptr;
  macro_stack_.pop_back();
  if (!resolved) {
    macro_failed_.insert(name);
    return nullptr;
  }
  macro_cache_[name] = resolved;
  return resolved;
}

ExprPtr Resolver::resolve(const ExprPtr& e, const std::string& kind, const std::string& name) {
  switch (e->kind) {
    case Expr::Kind::identifier:
      return macro(e->name, e->range, kind, name);
    case Expr::Kind::and_:
    case Expr::Kind::or_:
    case Expr::Kind::not_: {
      std::vector<ExprPtr> kids;
      bool changed = false, ok = true;
      for (const auto& c : e->children) {
        auto r = resolve(c, kind, name);
        if (!r) {
          ok = false;
          continue;
        }
        changed = changed || r != c;
        kids.push_back(std::move(r));
      }
      if (!ok) return nullptr;
      if (!changed) return e;
      if (e->kind == Expr::Kind::not_) return Expr::make_not(kids[0], e->range);
      return e->kind == Expr::Kind::and_ ? Expr::make_and(std::move(kids), e->range)
                                         : Expr::make_or(std::move(kids), e->range);
    }
    case Expr::Kind::unary:
      return e;
    case Expr::Kind::binary: {
      bool list_op = cond::op_takes_list(e->op) || e->modifier != cond::Modifier::none;
      auto rhs = resolve_operand(e->rhs, e->modifier != cond::Modifier::none);
      if (!list_op || rhs == e->rhs) return e;
      return Expr::make_binary(e->lhs, e->op, e->op_range, e->modifier, rhs, e->range);
    }
  }
  return e;
}

namespace {

// "proc.aname[2]" -> field operand with its argument.
OperandPtr field_operand(const std::string& text, const SrcRange& r) {
  auto open = text.find('[');
  if (open != std::string::npos && text.back() == ']')
    return Operand::make_field(text.substr(0, open), text.substr(open + 1, text.size() - open - 2),
                               r, r);
  return Operand::make_field(text, std::nullopt, r);
}

}  // namespace

OperandPtr Resolver::exception_value(const ExceptionValue& v, const std::string& rule) {
  if (!v.is_list) return resolve_operand(literal(v.item, {"rule", rule}), false);
  std::vector<OperandPtr> items;
  for (const auto& i : v.items) {
    if (i.is_list) return nullptr;
    items.push_back(literal(i.item, {"rule", rule}));
  }
  return resolve_operand(Operand::make_list(std::move(items), {}), false);
}

// One `field comp value` check of an exception; nullptr (reported) when it is malformed.
ExprPtr Resolver::exception_check(const Text& field, const std::string& comp,
                                  const SourcePos& comp_pos, const ExceptionValue& value,
                                  const std::string& ex, const std::string& rule) {
  auto fail = [&](const SourcePos& pos, const std::string& msg) -> ExprPtr {
    error("TH-E-BAD-EXCEPTION", pos, "exception '" + ex + "': " + msg, "rule", rule);
    return nullptr;
  };
  auto op = cond::op_from_name(comp);
  if (!op || *op == cond::Op::exists)
    return fail(comp_pos, "'" + comp + "' is not a comparison operator");
  if (value.is_list && !cond::op_takes_list(*op))
    return fail(value.pos, "a list of values needs 'in', 'intersects' or 'pmatch', not '" + comp +
                               "'");
  uint32_t fid = sources_.add(field.file, field.value, field.segments, {"rule", rule});
  SrcRange frange{fid, 0, static_cast<uint32_t>(field.value.size())};
  OperandPtr rhs = exception_value(value, rule);
  if (!rhs) return fail(value.pos, "values nest too deeply");
  if (cond::op_takes_list(*op) && rhs->kind != Operand::Kind::list)
    rhs = Operand::make_list({rhs}, rhs->range);
  return Expr::make_binary(field_operand(field.value, frange), *op, frange, cond::Modifier::none,
                           rhs, frange);
}

// `fields: proc.name`: the values are one list, compared with `comps` (default `in`); a scalar
// operator gives one check per value, any of which excepts.
bool Resolver::single_field_exception(const ExceptionItem& ex, const std::string& rule,
                                      std::vector<ExprPtr>& alternatives) {
  const std::string& exn = ex.name.value;
  auto fail = [&](const SourcePos& pos, const std::string& msg) {
    error("TH-E-BAD-EXCEPTION", pos, "exception '" + exn + "': " + msg, "rule", rule);
    return false;
  };
  std::string comp = "in";
  SourcePos comp_pos = ex.pos;
  if (ex.comps) {
    if (ex.comps->is_list) return fail(ex.comps->pos, "with one field, 'comps' is one operator");
    comp = ex.comps->item.value;
    comp_pos = ex.comps->pos;
  }
  ExceptionValue all;
  all.is_list = true;
  all.pos = ex.pos;
  bool ok = true;
  for (const auto& v : ex.values) {
    if (v.is_list) {
      ok = fail(v.pos, "with one field, each value is a string");
      continue;
    }
    all.items.push_back(v);
  }
  const Text& field = ex.fields->item;
  if (!cond::op_from_name(comp) || !cond::op_takes_list(*cond::op_from_name(comp))) {
    std::vector<ExprPtr> ors;
    for (const auto& v : all.items) {
      if (auto c = exception_check(field, comp, comp_pos, v, exn, rule))
        ors.push_back(c);
      else
        ok = false;
    }
    if (!ors.empty())
      alternatives.push_back(ors.size() == 1 ? ors[0] : Expr::make_or(std::move(ors), {}));
    return ok;
  }
  if (auto c = exception_check(field, comp, comp_pos, all, exn, rule))
    alternatives.push_back(c);
  else
    ok = false;
  return ok;
}

// `fields: [a, b]`: each value is a tuple, one entry per field, compared with `comps`
// (default `=`); a tuple excepts when all its checks hold.
bool Resolver::multi_field_exception(const ExceptionItem& ex, const std::string& rule,
                                     std::vector<ExprPtr>& alternatives) {
  const std::string& exn = ex.name.value;
  const ExceptionValue& fields = *ex.fields;
  auto fail = [&](const SourcePos& pos, const std::string& msg) {
    error("TH-E-BAD-EXCEPTION", pos, "exception '" + exn + "': " + msg, "rule", rule);
    return false;
  };
  std::vector<std::string> comps(fields.items.size(), "=");
  std::vector<SourcePos> comp_pos(fields.items.size(), ex.pos);
  if (ex.comps) {
    if (!ex.comps->is_list || ex.comps->items.size() != fields.items.size())
      return fail(ex.comps->pos, "'comps' must list one operator per field");
    for (std::size_t i = 0; i < comps.size(); ++i) {
      comps[i] = ex.comps->items[i].item.value;
      comp_pos[i] = ex.comps->items[i].pos;
    }
  }
  bool ok = true;
  for (const auto& tuple : ex.values) {
    if (!tuple.is_list || tuple.items.size() != fields.items.size()) {
      ok = fail(tuple.pos, "each value must list one entry per field (" +
                               std::to_string(fields.items.size()) + ")");
      continue;
    }
    std::vector<ExprPtr> ands;
    for (std::size_t i = 0; i < fields.items.size(); ++i) {
      if (auto c = exception_check(fields.items[i].item, comps[i], comp_pos[i], tuple.items[i],
                                   exn, rule))
        ands.push_back(c);
      else
        ok = false;
    }
    if (ands.size() == fields.items.size())
      alternatives.push_back(ands.size() == 1 ? ands[0] : Expr::make_and(std::move(ands), {}));
  }
  return ok;
}

ExprPtr Resolver::exceptions(const CollectedRule& r) {
  std::vector<ExprPtr> alternatives;
  bool ok = true;
  for (const ExceptionItem& ex : r.exceptions) {
    if (!ex.fields) {
      error("TH-E-BAD-EXCEPTION", ex.pos, "exception '" + ex.name.value + "' has no 'fields'",
            "rule", r.name);
      ok = false;
      continue;
    }
    if (ex.values.empty()) continue;
    bool good = ex.fields->is_list ? multi_field_exception(ex, r.name, alternatives)
                                   : single_field_exception(ex, r.name, alternatives);
    ok = ok && good;
  }
  if (!ok) return nullptr;
  if (alternatives.empty()) return Expr::make_and({}, {});  // marker: no exceptions
  return alternatives.size() == 1 ? alternatives[0] : Expr::make_or(std::move(alternatives), {});
}

ExprPtr Resolver::rule_condition(const CollectedRule& r) {
  rule_ = r.name;
  ExprPtr parsed = parse(r.condition, "rule", r.name);
  ExprPtr resolved = parsed ? resolve(parsed, "rule", r.name) : nullptr;
  ExprPtr ex = exceptions(r);
  if (!resolved || !ex) return nullptr;
  if (ex->kind == Expr::Kind::and_ && ex->children.empty()) return resolved;
  return Expr::make_and({resolved, Expr::make_not(ex, ex->range)}, resolved->range);
}

ExprPtr Resolver::action_unless(const CollectedRule& r, bool& failed) {
  failed = false;
  if (!r.action_unless) return nullptr;
  rule_ = r.name;
  ExprPtr parsed = parse(*r.action_unless, "rule", r.name);
  ExprPtr resolved = parsed ? resolve(parsed, "rule", r.name) : nullptr;
  failed = resolved == nullptr;
  return resolved;
}

void Resolver::report_unused() {
  for (const auto& m : c_.macros)
    if (!used_macros_.count(m.name))
      diags_.warning("TH-W-UNUSED-MACRO", m.pos, "macro '" + m.name + "' is not used by any rule",
                     "macro", m.name);
  for (const auto& l : c_.lists)
    if (!used_lists_.count(l.name))
      diags_.warning("TH-W-UNUSED-LIST", l.pos, "list '" + l.name + "' is not used by any rule",
                     "list", l.name);
}

}  // namespace th::rules
