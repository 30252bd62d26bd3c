#include "engine/enforce/compiler.h"

#include <algorithm>
#include <array>
#include <string_view>

#include "engine/eval/constants.h"

namespace th::enforce {
namespace {

using cond::Expr;
using cond::Op;
using cond::Operand;

// How a field the kernel knows is compiled.
enum class Shape : uint8_t {
  integer,   // a number (or a symbolic name the field knows: PTRACE_POKETEXT)
  boolean,   // true/false as 1/0
  evt_type,  // an evt.type name
  exe_path,  // an executable path: compared by file identity
  container, // container.id / target.container.id: the pid-namespace boundary
  unknown,   // the kernel cannot tell: always unknown (only ever keeps a rule from killing)
};

struct KernelField {
  std::string_view name;
  Shape shape;
  Fact fact;
};

// The one table of what the kernel knows at a kill point (README "Prevention").
constexpr std::array kKernelFields = {
    KernelField{"evt.type", Shape::evt_type, Fact::evt_type},
    KernelField{"ptrace.request", Shape::integer, Fact::ptrace_request},
    KernelField{"evt.arg.request", Shape::integer, Fact::ptrace_request},
    KernelField{"ptrace.arch_prctl_code", Shape::integer, Fact::arch_prctl_code},
    KernelField{"evt.failed", Shape::boolean, Fact::failed},
    KernelField{"evt.is_open_write", Shape::boolean, Fact::open_write},
    KernelField{"target.is_self", Shape::boolean, Fact::target_is_self},
    KernelField{"target.is_descendant", Shape::boolean, Fact::target_is_descendant},
    KernelField{"target.pid", Shape::integer, Fact::target_pid},
    KernelField{"user.uid", Shape::integer, Fact::uid},
    KernelField{"proc.exepath", Shape::exe_path, Fact::caller_exe_sets},
    KernelField{"target.exepath", Shape::exe_path, Fact::target_exe_sets},
    KernelField{"container.id", Shape::container, Fact::caller_host_pidns},
    KernelField{"target.container.id", Shape::container, Fact::target_host_pidns},
    // The kernel compares executables by file identity with the host's files at the listed
    // paths, which is what these two refine; where it matters it leaves them unknown.
    KernelField{"proc.is_exe_host_file", Shape::unknown, Fact::count},
    KernelField{"proc.env_injection", Shape::unknown, Fact::count},
};

// Appended piece by piece: GCC 12 warns falsely (-Wrestrict, its bug 105329) on `"'" + string`.
std::string quoted(std::string_view s) { return std::string(1, '\'').append(s).append(1, '\''); }

const KernelField* kernel_field(std::string_view name) {
  for (const auto& f : kKernelFields)
    if (f.name == name) return &f;
  return nullptr;
}

std::string kernel_field_names() {
  std::string out;
  for (const auto& f : kKernelFields)
    if (f.shape != Shape::unknown) out.append(out.empty() ? "" : ", ").append(f.name);
  return out;
}

class KillCompiler {
 public:
  explicit KillCompiler(CompileContext& ctx) : ctx_(ctx), constants_(ctx) {}

  bool expr(const Expr& e, unsigned depth = 0) {
    if (depth > 200) return reject(e.range, "the condition nests too deeply for the kernel");
    switch (e.kind) {
      case Expr::Kind::and_:
      case Expr::Kind::or_: {
        bool ok = true;
        for (std::size_t i = 0; i < e.children.size(); ++i) {
          ok = expr(*e.children[i], depth + 1) && ok;
          if (i > 0) emit(e.kind == Expr::Kind::and_ ? Op_and() : Op_or());
        }
        return ok;
      }
      case Expr::Kind::not_: {
        bool ok = expr(*e.children.at(0), depth + 1);
        emit({enforce::Op::not_, Fact::evt_type, 0});
        return ok;
      }
      case Expr::Kind::identifier:
        return reject(e.range, "unresolved name " + quoted(e.name));
      case Expr::Kind::unary:
        return reject(e.range, "the kernel cannot decide 'exists' checks");
      case Expr::Kind::binary: return check(e);
    }
    return false;
  }

  RuleProgram take() { return std::move(out_); }

 private:
  static Insn Op_and() { return {enforce::Op::and_, Fact::evt_type, 0}; }
  static Insn Op_or() { return {enforce::Op::or_, Fact::evt_type, 0}; }
  void emit(Insn i) { out_.insns.push_back(i); }
  void push_const(int64_t tri) { emit({enforce::Op::constant, Fact::evt_type, tri}); }

  bool reject(const cond::SrcRange& r, const std::string& why) {
    ctx_.error("TH-E-KILL-FIELD", r, "action: kill: " + why);
    push_const(kUnknown);  // keeps the stack shape, so that later mistakes are found too
    return false;
  }

  bool check(const Expr& e) {
    const Operand& lhs = *e.lhs;
    if (lhs.kind != Operand::Kind::field)
      return reject(lhs.range, "the kernel decides on plain fields, not on transformed values");
    const KernelField* kf = kernel_field(lhs.name);
    if (!kf || lhs.arg)
      return reject(lhs.range, "field " + quoted(lhs.name + (lhs.arg ? "[" + *lhs.arg + "]" : "")) +
                                   " is not known to the kernel at the kill point (it knows " +
                                   kernel_field_names() + ")");
    if (e.modifier != cond::Modifier::none)
      return reject(e.op_range, "the kernel does not take list modifiers");
    if (kf->shape == Shape::unknown) {
      push_const(kUnknown);
      return true;
    }
    if (kf->shape == Shape::container) return container(e, *kf);
    if (e.rhs->kind == Operand::Kind::transformer || e.rhs->kind == Operand::Kind::field)
      return reject(e.rhs->range, "the kernel compares " + quoted(lhs.name) + " with constants only");
    if (kf->shape == Shape::exe_path) return exe_path(e, *kf);
    return value_check(e, *kf);
  }

  std::optional<int64_t> value(const Operand& o, const KernelField& kf) {
    if (o.kind != Operand::Kind::literal) return std::nullopt;
    if (kf.shape == Shape::boolean) {
      auto b = constants_.boolean(o, std::string(kf.name));
      return b ? std::optional<int64_t>(*b ? 1 : 0) : std::nullopt;
    }
    if (kf.shape == Shape::evt_type) {
      auto t = evt_type_from_name(o.text);
      if (!t) ctx_.error("TH-E-BAD-VALUE", o.range, "unknown evt.type " + quoted(o.text));
      return t ? std::optional<int64_t>(static_cast<int64_t>(*t)) : std::nullopt;
    }
    const FieldDef* def = ctx_.fields.find(kf.name);
    return constants_.int64(o, std::string(kf.name), def && def->parse_symbol ? def : nullptr);
  }

  bool value_check(const Expr& e, const KernelField& kf) {
    if (e.op == Op::in) {
      if (e.rhs->kind != Operand::Kind::list) return reject(e.rhs->range, "expected a list");
      if (e.rhs->items.empty()) {
        push_const(kNo);
        return true;
      }
      bool ok = true;
      for (std::size_t i = 0; i < e.rhs->items.size(); ++i) {
        auto v = value(*e.rhs->items[i], kf);
        ok = ok && v.has_value();
        emit({enforce::Op::eq, kf.fact, v.value_or(0)});
        if (i > 0) emit(Op_or());
      }
      return ok;
    }
    static constexpr std::pair<Op, enforce::Op> kOps[] = {
        {Op::eq, enforce::Op::eq}, {Op::ne, enforce::Op::ne}, {Op::lt, enforce::Op::lt},
        {Op::le, enforce::Op::le}, {Op::gt, enforce::Op::gt}, {Op::ge, enforce::Op::ge}};
    for (const auto& [from, to] : kOps) {
      if (e.op != from) continue;
      bool ordered = from != Op::eq && from != Op::ne;
      if (ordered && kf.shape != Shape::integer)
        return reject(e.op_range, quoted(kf.name) + " has no order");
      auto v = value(*e.rhs, kf);
      emit({to, kf.fact, v.value_or(0)});
      return v.has_value();
    }
    return reject(e.op_range, "the kernel cannot apply '" + std::string(cond::op_name(e.op)) +
                                  "' to " + quoted(kf.name));
  }

  // `proc.exepath in (list)`, `= path`, `!= path`: a set of files, by identity.
  bool exe_path(const Expr& e, const KernelField& kf) {
    std::vector<std::string> paths;
    if (e.op == Op::in && e.rhs->kind == Operand::Kind::list) {
      for (const auto& item : e.rhs->items) paths.push_back(item->text);
    } else if ((e.op == Op::eq || e.op == Op::ne) && e.rhs->kind == Operand::Kind::literal) {
      paths.push_back(e.rhs->text);
    } else {
      return reject(e.op_range, "the kernel compares executables by file identity: only '=', "
                                "'!=' and 'in' apply to " + quoted(kf.name));
    }
    std::sort(paths.begin(), paths.end());
    paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
    if (paths.empty()) {
      push_const(kNo);
      return true;
    }
    auto it = std::find(out_.exe_sets.begin(), out_.exe_sets.end(), paths);
    std::size_t set = static_cast<std::size_t>(it - out_.exe_sets.begin());
    if (it == out_.exe_sets.end()) out_.exe_sets.push_back(std::move(paths));
    emit({enforce::Op::any_bits, kf.fact, static_cast<int64_t>(set)});  // the linker sets the bit
    if (e.op == Op::ne) emit({enforce::Op::not_, Fact::evt_type, 0});
    return true;
  }

  // container.id = / != val(target.container.id): the pid-namespace boundary; container.id or
  // target.container.id = / != host: in the initial pid namespace.
  bool container(const Expr& e, const KernelField& kf) {
    if (e.op != Op::eq && e.op != Op::ne)
      return reject(e.op_range, "the kernel only tells whether " + quoted(kf.name) +
                                    " is the same as the target's, or host");
    const Operand& rhs = *e.rhs;
    Fact fact = Fact::count;
    if (rhs.kind == Operand::Kind::literal && rhs.text == "host") {
      fact = kf.fact;
    } else if (kf.name == "container.id" && rhs.kind == Operand::Kind::transformer &&
               rhs.name == "val" && rhs.items.size() == 1 &&
               rhs.items[0]->kind == Operand::Kind::field &&
               rhs.items[0]->name == "target.container.id" && !rhs.items[0]->arg) {
      fact = Fact::same_pidns;
    } else {
      return reject(rhs.range, "the kernel only compares " + quoted(kf.name) +
                                   " with host or with val(target.container.id), through the "
                                   "pid namespaces");
    }
    emit({e.op == Op::eq ? enforce::Op::eq : enforce::Op::ne, fact, 1});
    return true;
  }

  CompileContext& ctx_;
  ConstantParser constants_;
  RuleProgram out_;
};

}  // namespace

std::optional<RuleProgram> compile_kill_condition(const cond::Expr& condition, CompileContext& ctx) {
  KillCompiler c(ctx);
  if (!c.expr(condition)) return std::nullopt;
  return c.take();
}

std::optional<RuleProgram> compile_kill_rule(const cond::Expr& condition, const cond::Expr* unless,
                                             CompileContext& ctx) {
  auto main = compile_kill_condition(condition, ctx);
  std::optional<RuleProgram> extra;
  if (unless) extra = compile_kill_condition(*unless, ctx);
  if (!main || (unless && !extra)) return std::nullopt;
  if (!unless) return main;
  // Renumber the exe lists of `unless` after those of the condition.
  for (Insn i : extra->insns) {
    if (i.op == enforce::Op::any_bits) {
      const auto& paths = extra->exe_sets[static_cast<std::size_t>(i.value)];
      auto it = std::find(main->exe_sets.begin(), main->exe_sets.end(), paths);
      i.value = it - main->exe_sets.begin();
      if (it == main->exe_sets.end()) main->exe_sets.push_back(paths);
    }
    main->insns.push_back(i);
  }
  main->insns.push_back({enforce::Op::not_, Fact::evt_type, 0});
  main->insns.push_back({enforce::Op::and_, Fact::evt_type, 0});
  return main;
}

void link_rule(Program& out, const std::string& rule, const RuleProgram& p) {
  for (Insn i : p.insns) {
    if (i.op == enforce::Op::any_bits) {
      const auto& paths = p.exe_sets[static_cast<std::size_t>(i.value)];
      auto it = std::find(out.exe_sets.begin(), out.exe_sets.end(), paths);
      std::size_t set = static_cast<std::size_t>(it - out.exe_sets.begin());
      if (it == out.exe_sets.end()) out.exe_sets.push_back(paths);
      i.value = static_cast<int64_t>(uint64_t{1} << (set & 63));
    }
    out.insns.push_back(i);
  }
  out.insns.push_back({enforce::Op::rule, Fact::evt_type, static_cast<int64_t>(out.rules.size())});
  out.rules.push_back(rule);
}

bool kernel_knows_field(std::string_view field) {
  const KernelField* f = kernel_field(field);
  return f && f->shape != Shape::unknown;
}

}  // namespace th::enforce
