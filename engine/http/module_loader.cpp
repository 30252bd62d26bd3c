#include "engine/http/module_loader.h"

#include <dlfcn.h>

#include <filesystem>
#include <mutex>
#include <optional>
#include <vector>

namespace th::http {
namespace {

namespace fs = std::filesystem;

struct LoadState {
  std::mutex mu;
  bool tried = false;
  const HttpModule* module = nullptr;
  std::string error;
  std::optional<std::string> only_path;  // use_module_at
};

LoadState& state() {
  static LoadState s;
  return s;
}

std::vector<std::string> candidates(const LoadState& s) {
  if (s.only_path) return {*s.only_path};
  std::error_code ec;
  fs::path exe_dir = fs::read_symlink("/proc/self/exe", ec).parent_path();
  if (ec) return {};
  return {(exe_dir / TH_HTTP_MODULE_FILE).string(),
          (exe_dir / ".." / TH_HTTP_MODULE_INSTALL_DIR / TH_HTTP_MODULE_FILE)
              .lexically_normal()
              .string()};
}

// One candidate: the module, or nullptr with the reason in `why`.
const HttpModule* try_load(const std::string& path, std::string& why) {
  // Never closed: connections the module made may live as long as the process.
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char* e = ::dlerror();
    why = (e ? std::string(e) : path + ": cannot be loaded");
    return nullptr;
  }
  auto entry = reinterpret_cast<HttpModuleEntry>(::dlsym(handle, kHttpModuleEntry));
  if (!entry) {
    why = path + ": no " + kHttpModuleEntry + " (not a tracehound HTTP module)";
    return nullptr;
  }
  const HttpModule* m = entry();
  if (!m || m->abi != kHttpModuleAbi) {
    why = path + ": interface version " + (m ? std::to_string(m->abi) : "?") +
           ", this tracehound needs " + std::to_string(kHttpModuleAbi) +
           " (a module from another build: reinstall both together)";
    return nullptr;
  }
  return m;
}

}  // namespace

const char* module_file_name() { return TH_HTTP_MODULE_FILE; }

const HttpModule* module(std::string& error) {
  LoadState& s = state();
  std::lock_guard lock(s.mu);
  if (!s.tried) {
    s.tried = true;
    std::string reasons;
    for (const auto& path : candidates(s)) {
      std::string why;
      if ((s.module = try_load(path, why))) break;
      reasons += (reasons.empty() ? "" : "; ") + why;
    }
    if (!s.module) {
      if (reasons.empty()) reasons = "cannot read /proc/self/exe";
      s.error = std::string("cannot load the HTTP module ") + TH_HTTP_MODULE_FILE +
                " (needed for webhooks and container metadata): " + reasons;
    }
  }
  if (!s.module) error = s.error;
  return s.module;
}

void use_module_at(const std::string& path) {
  LoadState& s = state();
  std::lock_guard lock(s.mu);
  s.only_path = path;
  s.tried = false;
  s.module = nullptr;
  s.error.clear();
}

}  // namespace th::http
