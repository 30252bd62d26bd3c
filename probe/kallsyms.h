// Kernel symbol addresses from /proc/kallsyms (the probe needs the address of the kernel's
// mem_open() to recognise process memory files by their file operations).
#pragma once

#include <cstdint>
#include <istream>
#include <string_view>
#include <vector>

namespace th::probe {

// Addresses of the core-kernel (not module) text symbols called `name`, in file order. Zero
// addresses (kptr_restrict hides them) are left out, so an empty result means "not available".
std::vector<uint64_t> kallsyms_lookup(std::istream& kallsyms, std::string_view name);

// Same, reading /proc/kallsyms.
std::vector<uint64_t> kallsyms_lookup(std::string_view name);

}  // namespace th::probe
