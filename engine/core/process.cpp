#include "engine/core/process.h"

namespace th {

void Process::refresh_cmdline() {
  args.clear();
  for (std::size_t i = 1; i < argv.size(); ++i) {
    if (i > 1) args.push_back(' ');
    args += argv[i];
  }
  cmdline = comm;
  if (!args.empty()) {
    cmdline.push_back(' ');
    cmdline += args;
  }
}

}  // namespace th
