// libFuzzer target for the config loader: any bytes as tracehound.yaml must give a Config and
// diagnostics, never a crash, a sanitizer report or a hang; every diagnostic renders and has a
// code and a message; flags applied on top (a --webhook) validate again without trouble.
// Seeds: tests/fuzz/seeds/fuzz_config_loader/ (the shipped example config and small variants).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "engine/config/config.h"
#include "engine/core/diagnostics.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;  // config files are small; keep iterations fast
  std::string text(reinterpret_cast<const char*>(data), size);
  th::Diagnostics diags;
  th::Config cfg = th::parse_config(text, "fuzz.yaml", diags);
  th::add_webhook_url(cfg, "http://127.0.0.1:2801/", diags);
  th::validate_config(cfg, diags);
  diags.attach_snippets();
  std::string rendered = th::format_diagnostics_text(diags);
  for (const auto& d : diags.items())
    if (d.code.empty() || d.message.empty()) std::abort();
  for (const auto& w : cfg.outputs.webhooks)
    if (th::webhook_spool_dir(cfg.outputs, w).empty()) std::abort();
  return 0;
}
