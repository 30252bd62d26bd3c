// libFuzzer target for the whole rule loader: YAML reading, collection with overrides, macro and
// list resolution, exceptions, compilation and indexing. Any input must give a ruleset or
// diagnostics, never a crash, a sanitizer report or a hang. Seeds: tests/fuzz/seeds/
// fuzz_rules_loader/ (Falco's ptrace rules and rule files of our own).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/core/diagnostics.h"
#include "engine/rules/loader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;  // rule files are small; keep iterations fast
  std::string content(reinterpret_cast<const char*>(data), size);
  // The same content twice: the second copy overrides and appends to the first one's items.
  th::LoadResult r = th::load_rules_from_strings({{"a.yaml", content}, {"b.yaml", content}});
  // Diagnostics must render, and errors must mean no ruleset.
  std::string text = th::format_diagnostics_text(r.diags);
  std::string json = th::format_diagnostics_json(r.diags);
  if (r.diags.has_errors() == (r.ruleset != nullptr)) std::abort();
  for (const auto& d : r.diags.items())
    if (d.code.empty() || d.message.empty()) std::abort();
  return 0;
}
