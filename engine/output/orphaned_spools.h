// Spools left behind by a webhook's earlier URL. A webhook's spool is keyed by its URL
// (<spool dir>/<hash of the URL>), so alerts spooled for one URL are never sent to another; when
// the URL changes, what was spooled for the old one waits for it. That must not go unnoticed.
#pragma once

#include <string>
#include <vector>

#include "engine/metrics/metrics.h"

namespace th {

// Looks at the siblings of `current_dir` (the spool in use) that are spools of other URLs and
// hold alerts. Returns one sentence for each, and sets
// tracehound_spool_orphaned_alerts{output=`output`} to the sum of their alerts. A sibling that
// another process has locked (another tracehound delivers it) is not reported.
std::vector<std::string> find_orphaned_spools(const std::string& current_dir,
                                              const std::string& output, Metrics& metrics);

}  // namespace th
