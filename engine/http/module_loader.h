// Finds and loads the HTTP module (module_api.h) at the first call, once per process: next to
// the executable (a build tree), then in <exe dir>/../lib/tracehound/ (an installed tree). A
// failure is remembered too, so that callers can ask cheaply, and its message names the module
// and each place tried with the dynamic loader's reason.
#pragma once

#include <string>

#include "engine/http/module_api.h"

namespace th::http {

// The module's file name (libtracehound_http.so, from the build).
const char* module_file_name();

// The loaded module, or nullptr with `error` set. Thread-safe.
const HttpModule* module(std::string& error);

// Tests: load from `path` only, from now on (forgets an earlier result; a module already loaded
// stays mapped, and what it made keeps working).
void use_module_at(const std::string& path);

}  // namespace th::http
