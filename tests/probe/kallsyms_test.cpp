#include "probe/kallsyms.h"

#include <sstream>

#include <gtest/gtest.h>

namespace {

using th::probe::kallsyms_lookup;

TEST(Kallsyms, FindsCoreTextSymbolsOnly) {
  std::istringstream in(
      "ffffffff8177dd30 t __pfx_mem_open\n"
      "ffffffff8177dd40 t mem_open\n"
      "ffffffff81000000 T mem_open_other\n"
      "ffffffffc0a01000 t mem_open\t[some_module]\n"
      "ffffffff82000000 d mem_open\n"
      "ffffffff8177ee00 T mem_open\n");
  auto found = kallsyms_lookup(in, "mem_open");
  EXPECT_EQ(found, (std::vector<uint64_t>{0xffffffff8177dd40ULL, 0xffffffff8177ee00ULL}));
}

TEST(Kallsyms, HiddenAddressesAreNotAddresses) {
  std::istringstream in("0000000000000000 t mem_open\n");
  EXPECT_TRUE(kallsyms_lookup(in, "mem_open").empty());
}

TEST(Kallsyms, MalformedLinesAreSkipped) {
  std::istringstream in("garbage\n\nzzzz t mem_open\nffffffff8177dd40 tmem_open\nffffffff8177dd40 t mem_open\n");
  EXPECT_EQ(kallsyms_lookup(in, "mem_open"), (std::vector<uint64_t>{0xffffffff8177dd40ULL}));
}

}  // namespace
