#include "engine/eval/compiler.h"

#include <algorithm>
#include <charconv>

#include "engine/core/closest_name.h"
#include "engine/fields/falco_catalogue.h"
#include "engine/eval/constants.h"
#include "engine/eval/extractors.h"
#include "engine/eval/matchers.h"
#include "engine/eval/type_check.h"

namespace th {
namespace {

using cond::Expr;
using cond::Op;
using cond::Operand;

// Appended piece by piece: GCC 12 warns falsely (-Wrestrict, its bug 105329) on `"'" + string`.
std::string quoted(std::string_view s) { return std::string(1, '\'').append(s).append(1, '\''); }

// The compiled left side of a check, with a printable name for messages.
struct Lhs {
  ExtractorPtr ex;
  std::string name;
};

class Compiler {
 public:
  explicit Compiler(CompileContext& ctx) : ctx_(ctx), constants_(ctx) {}

  PredicatePtr expr(const Expr& e, unsigned depth = 0) {
    if (depth > 1000) {
      ctx_.error("TH-E-TOO-DEEP", e.range, "condition nests too deeply");
      return nullptr;
    }
    SharedSubtrees* sh = ctx_.shared;
    bool composite = e.kind == Expr::Kind::and_ || e.kind == Expr::Kind::or_ ||
                     e.kind == Expr::Kind::not_;
    if (sh && composite) {
      auto uses = sh->uses.find(&e);
      if (uses != sh->uses.end() && uses->second > 1) {
        if (auto hit = sh->compiled.find(&e); hit != sh->compiled.end())
          return count(sh->sizes[&e], e.range) ? hit->second : nullptr;
        std::size_t before = nodes_;
        PredicatePtr p = expr_uncached(e, depth);
        if (!p) return nullptr;
        // Memoising costs a lookup: worth it for subtrees of a few checks, not for `not x`.
        if (nodes_ - before >= kMemoMinNodes) p = std::make_shared<MemoNode>(sh->slots++, std::move(p));
        sh->compiled.emplace(&e, p);
        sh->sizes.emplace(&e, nodes_ - before);
        return p;
      }
    }
    return expr_uncached(e, depth);
  }

  PredicatePtr expr_uncached(const Expr& e, unsigned depth) {
    if (!count(1, e.range)) return nullptr;
    switch (e.kind) {
      case Expr::Kind::and_:
      case Expr::Kind::or_: {
        std::vector<PredicatePtr> kids;
        bool ok = true;
        for (const auto& c : e.children) {
          auto p = expr(*c, depth + 1);
          ok = ok && p;
          if (p) kids.push_back(std::move(p));
        }
        if (!ok) return nullptr;
        if (e.kind == Expr::Kind::and_) return std::make_unique<AndNode>(std::move(kids));
        return std::make_unique<OrNode>(std::move(kids));
      }
      case Expr::Kind::not_: {
        auto p = expr(*e.children.at(0), depth + 1);
        return p ? std::make_unique<NotNode>(std::move(p)) : nullptr;
      }
      case Expr::Kind::identifier:
        ctx_.error("TH-E-UNDEFINED-MACRO", e.range, "undefined macro " + quoted(e.name));
        return nullptr;
      case Expr::Kind::unary: {
        auto lhs = operand(*e.lhs, depth);
        if (!lhs.ex) return nullptr;
        return std::make_unique<ExistsNode>(std::move(lhs.ex));
      }
      case Expr::Kind::binary:
        return binary(e, depth);
    }
    return nullptr;
  }

 private:
  // A field or transformer producing values.
  Lhs operand(const Operand& o, unsigned depth) {
    switch (o.kind) {
      case Operand::Kind::field: {
        FieldArg arg;
        const FieldDef* def = resolve_field(o, arg, ctx_);
        if (!def) return {};
        std::string name = o.name + (o.arg ? "[" + *o.arg + "]" : "");
        return {make_field_extractor(*def, std::move(arg)), name};
      }
      case Operand::Kind::transformer:
        return transformer(o, depth);
      case Operand::Kind::literal:
        ctx_.error("TH-E-BAD-OPERAND", o.range,
                   "expected a field here, found the value " + quoted(o.text));
        return {};
      case Operand::Kind::list:
        ctx_.error("TH-E-BAD-OPERAND", o.range, "expected a field here, found a list");
        return {};
    }
    return {};
  }

  Lhs transformer(const Operand& o, unsigned depth) {
    if (o.arg && o.name != "getopt") {
      ctx_.error("TH-E-BAD-TRANSFORMER", o.arg_range.end ? o.arg_range : o.range,
                 "transformer '" + o.name + "' does not take an argument [...]");
      return {};
    }
    static const std::pair<std::string_view, TransformKind> kSimple[] = {
        {"tolower", TransformKind::tolower}, {"toupper", TransformKind::toupper},
        {"b64", TransformKind::b64},         {"basename", TransformKind::basename},
        {"len", TransformKind::len}};
    for (const auto& [name, kind] : kSimple) {
      if (o.name != name) continue;
      if (o.items.size() != 1) {
        ctx_.error("TH-E-BAD-TRANSFORMER", o.range,
                   std::string(name) + "() takes exactly one argument");
        return {};
      }
      auto inner = operand(*o.items[0], depth + 1);
      if (!inner.ex) return {};
      if (inner.ex->type() != FieldType::string) {
        ctx_.error("TH-E-BAD-TRANSFORMER", o.range,
                   std::string(name) + "() needs a string, but " + inner.name + " is " +
                       std::string(field_type_name(inner.ex->type())));
        return {};
      }
      return {make_transform_extractor(kind, std::move(inner.ex)),
              std::string(name) + "(" + inner.name + ")"};
    }
    if (o.name == "val") {
      if (o.items.size() != 1 || o.items[0]->kind != Operand::Kind::field) {
        ctx_.error("TH-E-BAD-TRANSFORMER", o.range, "val() takes exactly one field");
        return {};
      }
      return operand(*o.items[0], depth + 1);
    }
    if (o.name == "join" || o.name == "concat") return join(o, depth);
    if (o.name == "getopt") return getopt(o, depth);
    ctx_.error("TH-E-BAD-TRANSFORMER", o.range, "unknown transformer " + quoted(o.name));
    return {};
  }

  // A join/concat part: a literal, or a string-valued field or transformer.
  ExtractorPtr part(const Operand& item, unsigned depth, const char* fn) {
    if (item.kind == Operand::Kind::literal) return make_literal_extractor(item.text);
    if (item.kind == Operand::Kind::list) {
      ctx_.error("TH-E-BAD-TRANSFORMER", item.range,
                 std::string(fn) + "() arguments cannot be nested lists");
      return nullptr;
    }
    return operand(item, depth + 1).ex;
  }

  Lhs join(const Operand& o, unsigned depth) {
    std::vector<ExtractorPtr> parts;
    ExtractorPtr sep;
    if (o.name == "join") {
      if (o.items.size() != 2) {
        ctx_.error("TH-E-BAD-TRANSFORMER", o.range,
                   "join() takes a separator and a list: join(\"-\", (a, b))");
        return {};
      }
      if (o.items[1]->kind != Operand::Kind::list) {
        ctx_.error("TH-E-BAD-TRANSFORMER", o.items[1]->range,
                   "join() second argument must be a list: (a, b)");
        return {};
      }
      sep = part(*o.items[0], depth, "join");
      if (!sep) return {};
      for (const auto& item : o.items[1]->items) {
        auto p = part(*item, depth, "join");
        if (!p) return {};
        parts.push_back(std::move(p));
      }
    } else {
      if (o.items.size() < 2) {
        ctx_.error("TH-E-BAD-TRANSFORMER", o.range, "concat() takes at least 2 arguments");
        return {};
      }
      for (const auto& item : o.items) {
        auto p = part(*item, depth, "concat");
        if (!p) return {};
        if (p->type() != FieldType::string) {
          ctx_.error("TH-E-BAD-TRANSFORMER", item->range, "concat() arguments must be strings");
          return {};
        }
        parts.push_back(std::move(p));
      }
    }
    return {make_join_extractor(std::move(sep), std::move(parts)), o.name + "(...)"};
  }

  Lhs getopt(const Operand& o, unsigned depth) {
    if (o.items.size() != 2 || o.items[1]->kind != Operand::Kind::literal) {
      ctx_.error("TH-E-BAD-TRANSFORMER", o.range,
                 "getopt() takes a field and an option string: getopt(proc.args, \"nt:\")[t]");
      return {};
    }
    if (!o.arg || o.arg->size() != 1) {
      ctx_.error("TH-E-BAD-TRANSFORMER", o.arg ? o.arg_range : o.range,
                 "getopt(...) needs the option to extract as a one-character argument: [t]");
      return {};
    }
    auto args = operand(*o.items[0], depth + 1);
    if (!args.ex) return {};
    if (args.ex->type() != FieldType::string) {
      ctx_.error("TH-E-BAD-TRANSFORMER", o.range, "getopt() needs a string field");
      return {};
    }
    return {make_getopt_extractor(std::move(args.ex), o.items[1]->text, (*o.arg)[0]),
            "getopt(...)"};
  }

  PredicatePtr binary(const Expr& e, unsigned depth) {
    auto lhs = operand(*e.lhs, depth);
    if (!lhs.ex) {
      // Still look at the right side so that its own mistakes are reported too.
      if (e.rhs && e.rhs->kind != Operand::Kind::literal && e.rhs->kind != Operand::Kind::list)
        operand(*e.rhs, depth);
      return nullptr;
    }
    FieldType type = lhs.ex->type();
    if (auto why = operator_type_error(e.op, type, lhs.name)) {
      ctx_.error("TH-E-BAD-OPERATOR", e.op_range, *why);
      return nullptr;
    }
    const Operand& rhs = *e.rhs;
    current_symbol_field_ = symbol_field(*e.lhs);
    MatcherPtr m;
    if (e.modifier != cond::Modifier::none) {
      m = modifier_matcher(e, type, lhs.name);
    } else if (rhs.kind == Operand::Kind::field || rhs.kind == Operand::Kind::transformer) {
      m = field_matcher(e, type, lhs.name, depth);
    } else if (cond::op_takes_list(e.op)) {
      m = list_matcher(e, type, lhs.name);
    } else if (rhs.kind == Operand::Kind::list) {
      ctx_.error("TH-E-BAD-OPERAND", rhs.range,
                 "operator " + quoted(cond::op_name(e.op)) + " takes one value, not a list");
    } else {
      m = constant_matcher(e.op, type, rhs, lhs.name);
    }
    if (!m) return nullptr;
    return std::make_unique<CheckNode>(std::move(lhs.ex), std::move(m));
  }

  MatcherPtr modifier_matcher(const Expr& e, FieldType type, const std::string& lhs) {
    std::vector<const Operand*> items;
    if (e.rhs->kind == Operand::Kind::list) {
      if (!count(e.rhs->items.size(), e.rhs->range)) return nullptr;
      for (const auto& i : e.rhs->items) items.push_back(i.get());
    } else if (e.rhs->kind == Operand::Kind::literal) {
      items.push_back(e.rhs.get());
    } else {
      ctx_.error("TH-E-BAD-OPERAND", e.rhs->range,
                 std::string(cond::modifier_name(e.modifier)) + " needs a list of values");
      return nullptr;
    }
    std::vector<MatcherPtr> ms;
    bool ok = true;
    for (const Operand* i : items) {
      if (i->kind != Operand::Kind::literal) {
        ctx_.error("TH-E-BAD-OPERAND", i->range, "list items must be values");
        ok = false;
        continue;
      }
      auto m = constant_matcher(e.op, type, *i, lhs);
      ok = ok && m;
      if (m) ms.push_back(std::move(m));
    }
    if (!ok) return nullptr;
    return make_modifier_matcher(e.modifier, std::move(ms));
  }

  MatcherPtr field_matcher(const Expr& e, FieldType type, const std::string& lhs,
                           unsigned depth) {
    if (e.op == Op::regex || e.op == Op::pmatch) {
      ctx_.error("TH-E-BAD-OPERAND", e.rhs->range,
                 "operator " + quoted(cond::op_name(e.op)) +
                     " does not support a field on its right side");
      return nullptr;
    }
    auto rhs = operand(*e.rhs, depth + 1);
    if (!rhs.ex) return nullptr;
    if (!comparable_types(type, rhs.ex->type())) {
      ctx_.error("TH-E-TYPE-MISMATCH", e.rhs->range,
                 "cannot compare " + lhs + " (" + std::string(field_type_name(type)) + ") with " +
                     rhs.name + " (" + std::string(field_type_name(rhs.ex->type())) + ")");
      return nullptr;
    }
    // `in`/`intersects` against a field: equal to any of its values.
    Op op = (e.op == Op::in || e.op == Op::intersects) ? Op::eq : e.op;
    return make_field_matcher(op, type, std::move(rhs.ex));
  }

  MatcherPtr list_matcher(const Expr& e, FieldType type, const std::string& lhs) {
    std::vector<const Operand*> items;
    if (e.rhs->kind == Operand::Kind::list) {
      if (!count(e.rhs->items.size(), e.rhs->range)) return nullptr;
      for (const auto& i : e.rhs->items) items.push_back(i.get());
    } else {
      items.push_back(e.rhs.get());
    }
    for (const Operand* i : items) {
      if (i->kind != Operand::Kind::literal) {
        ctx_.error("TH-E-BAD-OPERAND", i->range, "list items must be values");
        return nullptr;
      }
      if (!constants_.no_nul(*i)) return nullptr;
    }
    if (type == FieldType::string) {
      std::vector<std::string> vals;
      for (const Operand* i : items) vals.push_back(i->text);
      if (e.op == Op::pmatch) return make_pmatch_matcher(std::move(vals));
      return make_string_set_matcher(std::move(vals));
    }
    if (e.op == Op::pmatch) return nullptr;  // rejected by the type check
    if (type == FieldType::boolean) {
      bool t = false, f = false;
      for (const Operand* i : items) {
        auto b = constants_.boolean(*i, lhs);
        if (!b) return nullptr;
        (*b ? t : f) = true;
      }
      if (t && f) {
        std::vector<MatcherPtr> both;
        both.push_back(make_bool_matcher(Op::eq, true));
        both.push_back(make_bool_matcher(Op::eq, false));
        return make_modifier_matcher(cond::Modifier::anyof, std::move(both));
      }
      return make_bool_matcher(Op::eq, t);
    }
    if (type == FieldType::int64) {
      std::vector<int64_t> vals;
      for (const Operand* i : items) {
        auto v = constants_.int64(*i, lhs, current_symbol_field_);
        if (!v) return nullptr;
        vals.push_back(*v);
      }
      return make_int_set_matcher(std::move(vals));
    }
    std::vector<uint64_t> vals;
    for (const Operand* i : items) {
      auto v = constants_.uint64(*i, lhs);
      if (!v) return nullptr;
      vals.push_back(*v);
    }
    return make_uint_set_matcher(std::move(vals));
  }

  // The field whose symbolic constants apply (ptrace.request), when the lhs is that field.
  const FieldDef* symbol_field(const Operand& lhs) {
    if (lhs.kind != Operand::Kind::field) return nullptr;
    const FieldDef* d = ctx_.fields.find(lhs.name);
    return d && d->parse_symbol ? d : nullptr;
  }

  MatcherPtr constant_matcher(Op op, FieldType type, const Operand& rhs, const std::string& lhs) {
    if (!constants_.no_nul(rhs)) return nullptr;
    switch (type) {
      case FieldType::string:
        if (op == Op::regex) {
          RE2::Options opts(RE2::POSIX);
          opts.set_log_errors(false);
          auto re = std::make_unique<RE2>(rhs.text, opts);
          if (!re->ok()) {
            ctx_.error("TH-E-BAD-REGEX", rhs.range,
                       "invalid regular expression " + quoted(rhs.text) + ": " + re->error());
            return nullptr;
          }
          return make_regex_matcher(std::move(re));
        }
        return make_string_matcher(op, rhs.text);
      case FieldType::boolean: {
        auto b = constants_.boolean(rhs, lhs);
        return b ? make_bool_matcher(op, *b) : nullptr;
      }
      case FieldType::int64: {
        auto v = constants_.int64(rhs, lhs, current_symbol_field_);
        return v ? make_int_matcher(op, *v) : nullptr;
      }
      case FieldType::uint64:
      case FieldType::abstime: {
        auto v = constants_.uint64(rhs, lhs);
        return v ? make_uint_matcher(op, *v) : nullptr;
      }
    }
    return nullptr;
  }

  // Macros are shared subtrees: a chain of macros that each use the previous one twice expands
  // exponentially. Compilation stops, with one error, past a size no real rule comes near.
  bool count(std::size_t n, const cond::SrcRange& where) {
    nodes_ += n;
    if (nodes_ <= kMaxNodes) return true;
    if (!too_large_reported_)
      ctx_.error("TH-E-TOO-LARGE", where,
                 "the condition is too large once its macros and lists are expanded (more than " +
                     std::to_string(kMaxNodes) + " checks and values)");
    too_large_reported_ = true;
    return false;
  }

  static constexpr std::size_t kMaxNodes = 1'000'000;
  static constexpr std::size_t kMemoMinNodes = 4;
  CompileContext& ctx_;
  ConstantParser constants_;
  const FieldDef* current_symbol_field_ = nullptr;
  std::size_t nodes_ = 0;
  bool too_large_reported_ = false;
};

void count_uses_impl(const Expr& e, std::unordered_map<const Expr*, unsigned>& uses,
                     unsigned depth) {
  if (depth > 1000) return;
  // A node already seen is not walked again: its subtree's counts stay those of one use, and
  // exponential macro chains cost linear time here.
  if (uses[&e]++ > 0) return;
  for (const auto& c : e.children) count_uses_impl(*c, uses, depth + 1);
}

}  // namespace

void SharedSubtrees::count_uses(const cond::Expr& e) { count_uses_impl(e, uses, 0); }

void CompileContext::report(DiagCode code, const cond::SrcRange& r, std::string message) {
  const auto& origin = sources.origin(r.source);
  if (origin.kind.empty() || (origin.kind == item_kind && origin.name == item_name))
    diags.report(code, pos(r), std::move(message), item_kind, item_name);
  else
    diags.report(code, pos(r), std::move(message), origin.kind, origin.name, item_name);
}

void CompileContext::error(ErrorCode code, const cond::SrcRange& r, std::string message) {
  report(code, r, std::move(message));
}

void CompileContext::warning(WarningCode code, const cond::SrcRange& r, std::string message) {
  report(code, r, std::move(message));
}

const FieldDef* resolve_field(const cond::Operand& f, FieldArg& arg, CompileContext& ctx) {
  const FieldDef* def = ctx.fields.find(f.name);
  if (!def && ctx.allow_falco_only && falco::has_field(f.name)) {
    if (!ctx.falco_only) ctx.falco_only = CompileContext::FalcoOnly{f.name, f.range};
    return nullptr;
  }
  if (!def) {
    std::vector<std::string_view> names;
    for (const auto& d : ctx.fields.all()) names.push_back(d.name);
    std::string hint = did_you_mean(f.name, names);
    if (hint.empty()) {
      // A misspelt Falco field: say which one, and that tracehound lacks it.
      std::vector<std::string_view> falco_names(falco::syscall_fields().begin(),
                                                falco::syscall_fields().end());
      falco_names.insert(falco_names.end(), falco::container_plugin_fields().begin(),
                         falco::container_plugin_fields().end());
      if (std::string c = closest_name(f.name, falco_names); !c.empty())
        hint = "; did you mean Falco's '" + c + "' (which tracehound does not have)?";
    }
    ctx.error("TH-E-UNKNOWN-FIELD", f.range, "unknown field '" + f.name + "'" + hint);
    ctx.saw_unknown_field = true;
    return nullptr;
  }
  arg = {};
  if (!f.arg) {
    if (def->arg == FieldArgKind::index_required || def->arg == FieldArgKind::key_required) {
      ctx.error("TH-E-FIELD-ARG", f.range, "field '" + f.name + "' needs an argument: " +
                                               f.name + "[...]");
      return nullptr;
    }
    return def;
  }
  switch (def->arg) {
    case FieldArgKind::none:
      ctx.error("TH-E-FIELD-ARG", f.arg_range.end ? f.arg_range : f.range,
                "field '" + f.name + "' takes no argument");
      return nullptr;
    case FieldArgKind::index_optional:
    case FieldArgKind::index_required: {
      int64_t v = -1;
      const std::string& s = *f.arg;
      auto r = std::from_chars(s.data(), s.data() + s.size(), v);
      if (r.ec != std::errc() || r.ptr != s.data() + s.size() || v < 0) {
        ctx.error("TH-E-FIELD-ARG", f.arg_range.end ? f.arg_range : f.range,
                  "field '" + f.name + "' takes a non-negative index, not '" + s + "'");
        return nullptr;
      }
      arg.present = true;
      arg.index = v;
      return def;
    }
    case FieldArgKind::key_required:
      arg.present = true;
      arg.key = *f.arg;
      return def;
  }
  return def;
}

PredicatePtr compile_condition(const cond::Expr& expr, CompileContext& ctx) {
  std::size_t before = ctx.diags.error_count();
  Compiler c(ctx);
  auto p = c.expr(expr);
  if (ctx.diags.error_count() != before || ctx.falco_only) return nullptr;
  return p;
}

}  // namespace th
