// What Falco's stock rules need that tracehound lacks: the event types a condition names, checked
// against tracehound's and Falco's (engine/fields/falco_catalogue.h). A name neither knows is a
// typo (an error with a suggestion); a type only Falco has makes a rule that can match nothing
// here a skipped rule rather than a silent one.
#pragma once

#include <optional>
#include <string>

#include "engine/condition/ast.h"
#include "engine/eval/compiler.h"

namespace th::rules {

struct EventTypeUse {
  std::string name;
  cond::SrcRange range;
};

// Reports every `evt.type` value (of =, != and in) that neither tracehound nor Falco knows, as
// TH-E-UNKNOWN-EVENT-TYPE; returns the first value only Falco knows, if any.
std::optional<EventTypeUse> check_event_types(const cond::Expr& condition, CompileContext& ctx);

}  // namespace th::rules
