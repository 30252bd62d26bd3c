// The names Falco knows: its syscall fields, the fields of its container plugin, its event types
// and the names of their arguments. The rule loader uses them to tell a rule that needs something
// Falco has and tracehound lacks (skipped, with a warning) from a typo (an error with a
// suggestion). The syscall fields, event types and argument names are generated from Falco's own
// lists (scripts/gen_falco_catalogue.py, checked by tests/fields/falco_catalogue_test.cpp); the
// container plugin's fields are written here from the plugin's documentation.
#pragma once

#include <span>
#include <string_view>

namespace th::falco {

// Sorted tables (falco_catalogue_data.cpp, generated).
std::span<const std::string_view> syscall_fields();
std::span<const std::string_view> event_types();
std::span<const std::string_view> event_arg_names();
// The container plugin's fields (container.*, k8s.*, proc.is_container_*), sorted.
std::span<const std::string_view> container_plugin_fields();

// A field name as written in a condition or output (without its [argument]) that Falco resolves:
// one of the tables, `evt.arg.NAME` / `evt.rawarg.NAME` with NAME an argument of some event, or
// a `*.label.KEY` field of the container plugin.
bool has_field(std::string_view name);
bool has_event_type(std::string_view name);

}  // namespace th::falco
