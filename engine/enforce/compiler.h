// Compiles the condition of an `action: kill` rule (its syntax tree, macros and lists expanded)
// into the kernel's program (program.h). Only what the kernel knows at the kill point may be
// used (the table in compiler.cpp); anything else is a TH-E-KILL-FIELD error at the field or
// operator, with its file:line:col. Fields the kernel can only leave unknown where it matters
// (whether the executable is the host's file, loader variables) compile to `unknown`: they can
// keep a rule from killing, never make it kill.
#pragma once

#include <optional>

#include "engine/condition/ast.h"
#include "engine/enforce/program.h"
#include "engine/eval/compiler.h"

namespace th::enforce {

// nullopt when something is outside the kernel's knowledge (reported through ctx).
std::optional<RuleProgram> compile_kill_condition(const cond::Expr& condition, CompileContext& ctx);

// `condition and not unless` (`unless`: the rule's action_unless, may be null).
std::optional<RuleProgram> compile_kill_rule(const cond::Expr& condition, const cond::Expr* unless,
                                             CompileContext& ctx);

// Links the programs of the kill rules (in rule order) into one.
void link_rule(Program& out, const std::string& rule, const RuleProgram& p);

// Whether the kernel knows `field` (for `list-fields` and the docs).
bool kernel_knows_field(std::string_view field);

}  // namespace th::enforce
