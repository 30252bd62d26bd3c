#include "engine/output/orphaned_spools.h"

#include <algorithm>
#include <filesystem>

#include "engine/output/spool.h"

namespace th {
namespace {

// A URL key: the 16 hexadecimal digits destination_spool_dir() names a spool with.
bool is_url_key(const std::string& name) {
  return name.size() == 16 && std::all_of(name.begin(), name.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

std::vector<std::string> find_orphaned_spools(const std::string& current_dir,
                                              const std::string& output, Metrics& metrics) {
  namespace fs = std::filesystem;
  std::vector<std::string> found;
  std::size_t alerts = 0;
  const fs::path current(current_dir);
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(current.parent_path(), ec)) {
    if (!entry.is_directory(ec) || entry.is_symlink(ec)) continue;
    if (!is_url_key(entry.path().filename().string()) || entry.path() == current) continue;
    std::string error;
    auto spool = Spool::open(entry.path().string(), UINT64_MAX, error);
    if (!spool || spool->empty()) continue;  // locked by another process, unreadable or empty
    alerts += spool->alerts();
    found.push_back(std::to_string(spool->alerts()) + " alerts spooled for an earlier URL of " +
                    "webhook '" + output + "' wait in " + entry.path().string() +
                    " and are not delivered: restore that URL to send them, or remove the " +
                    "directory");
  }
  metrics
      .gauge("tracehound_spool_orphaned_alerts",
             "Alerts in spools of a webhook's earlier URLs, which are not delivered",
             {{"output", output}})
      .set(static_cast<double>(alerts));
  return found;
}

}  // namespace th
