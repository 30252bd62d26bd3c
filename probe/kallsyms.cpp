#include "probe/kallsyms.h"

#include <charconv>
#include <fstream>
#include <string>

namespace th::probe {

std::vector<uint64_t> kallsyms_lookup(std::istream& in, std::string_view name) {
  std::vector<uint64_t> out;
  std::string line;
  while (std::getline(in, line)) {
    // "ffffffff8177dd40 t mem_open" or "... t name\t[module]"
    std::string_view l = line;
    auto sp1 = l.find(' ');
    if (sp1 == std::string_view::npos || sp1 + 3 > l.size() || l[sp1 + 2] != ' ') continue;
    char type = l[sp1 + 1];
    if (type != 't' && type != 'T') continue;
    std::string_view sym = l.substr(sp1 + 3);
    if (sym.find('\t') != std::string_view::npos) continue;  // a module's symbol
    if (sym != name) continue;
    uint64_t addr = 0;
    auto [p, ec] = std::from_chars(l.data(), l.data() + sp1, addr, 16);
    if (ec == std::errc{} && p == l.data() + sp1 && addr != 0) out.push_back(addr);
  }
  return out;
}

std::vector<uint64_t> kallsyms_lookup(std::string_view name) {
  std::ifstream in("/proc/kallsyms");
  if (!in) return {};
  return kallsyms_lookup(in, name);
}

}  // namespace th::probe
