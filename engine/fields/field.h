// The field registry: one table of every field a condition or an output may name, with its type,
// description and accessor. `tracehound list-fields` and the generated field reference
// (engine/fields/FIELDS.md, kept current by a test) come from it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/core/event.h"

namespace th {

enum class FieldType : uint8_t {
  string,   // CHARBUF
  int64,    // INT64 / PID
  uint64,   // UINT64 / UINT32
  boolean,  // BOOL
  abstime,  // ABSTIME: ns since the epoch
};
std::string_view field_type_name(FieldType t);  // "string", "int64", ...
constexpr bool field_type_is_numeric(FieldType t) {
  return t == FieldType::int64 || t == FieldType::uint64 || t == FieldType::abstime;
}

// One extracted value. Which member is meaningful follows from the field's type, known when the
// condition is compiled, so there is no tag. Strings are borrowed: they point into the event,
// the process table, or the evaluation scratch, and live until the next event.
// Deliberately without default member initialisers: Values holds an array of these that must
// cost nothing to construct on every evaluation.
struct Value {
  std::string_view str;
  int64_t i;   // int64 and boolean (0/1)
  uint64_t u;  // uint64 and abstime
};

// The values one field gives for one event. Most fields give one; `proc.aname` without an index
// gives one per ancestor. Fixed capacity so that extraction never allocates.
class Values {
 public:
  static constexpr std::size_t kCapacity = 64;
  Values() {}  // slots stay uninitialised: constructing Values costs nothing
  void clear() { n_ = 0; }
  bool push(const Value& v) {
    if (n_ == kCapacity) return false;
    slots_[n_++].v = v;
    return true;
  }
  void push_str(std::string_view s) { push(Value{s, 0, 0}); }
  void push_int(int64_t i) { push(Value{{}, i, static_cast<uint64_t>(i)}); }
  void push_uint(uint64_t u) { push(Value{{}, static_cast<int64_t>(u), u}); }
  void push_bool(bool b) { push_int(b ? 1 : 0); }
  std::size_t size() const { return n_; }
  bool empty() const { return n_ == 0; }
  const Value& operator[](std::size_t i) const { return slots_[i].v; }
  const Value* begin() const { return &slots_[0].v; }
  const Value* end() const { return &slots_[0].v + n_; }

 private:
  // A union with an empty constructor: std::string_view's constructor would otherwise zero all
  // 64 slots on every extraction.
  union Slot {
    Slot() {}
    Value v;
  };
  static_assert(sizeof(Slot) == sizeof(Value));
  Slot slots_[kCapacity];
  std::size_t n_ = 0;
};

// A field's argument (`proc.aname[2]`, `evt.arg[request]`), checked and parsed at compile time.
struct FieldArg {
  bool present = false;
  int64_t index = 0;  // when the field takes an index
  std::string key;    // when it takes a key
};

enum class FieldArgKind : uint8_t {
  none,            // no argument allowed
  index_optional,  // proc.aname, proc.aname[2]
  index_required,
  key_required,    // evt.arg[name]
};

// Scratch storage for transformers and formatted values, reused across events
// (engine/fields/scratch.h).
class Scratch;

// Extracts the field's values for `e` into `out` (which arrives empty). Returns false when the
// field has no value for this event (e.g. target.pid on an exec): comparisons are then false and
// `exists` is false, as in Falco.
using ExtractFn = bool (*)(const Event& e, const FieldArg& arg, Scratch& scratch, Values& out);

struct FieldDef {
  std::string_view name;
  FieldType type;
  std::string_view description;
  FieldArgKind arg = FieldArgKind::none;
  ExtractFn extract = nullptr;
  // For numeric fields with symbolic constants (ptrace.request): parse a constant name, and
  // render a value for outputs. Both null for ordinary fields.
  std::optional<int64_t> (*parse_symbol)(std::string_view) = nullptr;
  std::string_view (*render_symbol)(int64_t) = nullptr;
  // Event types for which the field has a value; all() for fields of every event.
  EvtTypeSet types = EvtTypeSet::all();
  // Falco's field (true) or tracehound's own (false); shown in list-fields.
  bool falco_compatible = true;
  // Which parts of an event the value depends on, when it depends on nothing else (see
  // engine/eval/analysis.h); 0 for fields that depend on the process or other arguments.
  uint8_t analysis_dims = 0;
};

// Dimensions of the static analysis that derives the rule index and the probe's interest.
inline constexpr uint8_t kDimType = 1;       // evt.type
inline constexpr uint8_t kDimRequest = 2;    // the ptrace request
inline constexpr uint8_t kDimOpenMode = 4;   // the access mode of a memory-file open

class FieldRegistry {
 public:
  explicit FieldRegistry(std::vector<FieldDef> defs);
  // The fields tracehound ships (engine/fields/builtin_fields.cpp).
  static const FieldRegistry& builtin();

  const FieldDef* find(std::string_view name) const;
  std::span<const FieldDef> all() const { return defs_; }

 private:
  std::vector<FieldDef> defs_;  // sorted by name
};

}  // namespace th
