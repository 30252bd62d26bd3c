#include "engine/rules/falco_compat.h"

#include <unordered_set>
#include <vector>

#include "engine/core/closest_name.h"
#include "engine/core/evt_type.h"
#include "engine/fields/falco_catalogue.h"

namespace th::rules {
namespace {

using cond::Expr;
using cond::Operand;

class EventTypeChecker {
 public:
  explicit EventTypeChecker(CompileContext& ctx) : ctx_(ctx) {}

  void walk(const Expr& e, unsigned depth) {
    // Macros are shared subtrees: each is looked at once (the resolver bounds the depth).
    if (depth > 1000 || !seen_.insert(&e).second) return;
    for (const auto& c : e.children) walk(*c, depth + 1);
    if (e.kind != Expr::Kind::binary || !e.lhs || !e.rhs) return;
    if (e.lhs->kind != Operand::Kind::field || e.lhs->name != "evt.type" || e.lhs->arg) return;
    if (e.op != cond::Op::eq && e.op != cond::Op::ne && e.op != cond::Op::in) return;
    if (e.rhs->kind == Operand::Kind::literal) value(*e.rhs);
    if (e.rhs->kind == Operand::Kind::list)
      for (const auto& item : e.rhs->items)
        if (item->kind == Operand::Kind::literal) value(*item);
  }

  std::optional<EventTypeUse> falco_only;

 private:
  void value(const Operand& v) {
    if (evt_type_from_name(v.text)) return;
    if (falco::has_event_type(v.text)) {
      if (!falco_only) falco_only = EventTypeUse{v.text, v.range};
      return;
    }
    std::vector<std::string_view> names;
    for (const auto& t : kEvtTypes) names.push_back(t.name);
    std::string hint = did_you_mean(v.text, names);
    if (hint.empty()) hint = did_you_mean(v.text, falco::event_types());
    ctx_.error("TH-E-UNKNOWN-EVENT-TYPE", v.range,
               "unknown event type '" + v.text + "' (neither tracehound's nor Falco's)" + hint);
  }

  CompileContext& ctx_;
  std::unordered_set<const Expr*> seen_;
};

}  // namespace

std::optional<EventTypeUse> check_event_types(const cond::Expr& condition, CompileContext& ctx) {
  EventTypeChecker c(ctx);
  c.walk(condition, 0);
  return c.falco_only;
}

}  // namespace th::rules
