// UserNames: passwd parsing, lazy reload on change, allocation-free lookups.
#include "engine/proc/user_names.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <new>

#include "tests/proc/fake_proc.h"

// Counts heap allocations made by this program, to check that warm lookups make none.
namespace {
std::atomic<std::size_t> g_allocations{0};
}
// GCC cannot see that these replace the global pair, and warns on every inlined delete.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace th {
namespace {

using namespace std::chrono_literals;

struct PasswdCase {
  const char* name;
  std::string content;
  std::vector<std::pair<uint32_t, std::string>> expected;  // uid -> name
  std::size_t size;
};

class PasswdTable : public ::testing::TestWithParam<PasswdCase> {};

TEST_P(PasswdTable, Parses) {
  auto m = parse_passwd(GetParam().content);
  EXPECT_EQ(m.size(), GetParam().size);
  for (const auto& [uid, name] : GetParam().expected) {
    auto it = m.find(uid);
    ASSERT_NE(it, m.end()) << uid;
    EXPECT_EQ(it->second, name);
  }
}

INSTANTIATE_TEST_SUITE_P(
    Content, PasswdTable,
    ::testing::Values(
        PasswdCase{"debian_default",
                   "root:x:0:0:root:/root:/bin/bash\n"
                   "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
                   "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin\n"
                   "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
                   "alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n",
                   {{0, "root"}, {33, "www-data"}, {65534, "nobody"}, {1000, "alice"}},
                   5},
        PasswdCase{"first_entry_of_a_uid_wins", "toor:x:0:0::/root:/bin/sh\nroot:x:0:0::/root:/bin/sh\n",
                   {{0, "toor"}}, 1},
        PasswdCase{"comments_nis_and_blank_lines",
                   "# comment\n\n+@netgroup::::::\n-baduser::::::\n+::::::\nbin:x:2:2::/bin:/x\n",
                   {{2, "bin"}}, 1},
        PasswdCase{"malformed_lines_skipped",
                   "nocolons\n:x:5:5::/:/x\nname_only:x\nbaduid:x:12a:1::/:/x\nneg:x:-1:1::/:/x\n"
                   "huge:x:99999999999:1::/:/x\nok:x:7:7::/:/x\n",
                   {{7, "ok"}}, 1},
        PasswdCase{"crlf_and_no_trailing_newline", "svc:x:999:999::/:/x\r\nlast:x:1001:1001::/:/x",
                   {{999, "svc"}, {1001, "last"}}, 2},
        PasswdCase{"short_line_without_gid", "short:x:1234\n", {{1234, "short"}}, 1},
        PasswdCase{"empty", "", {}, 0}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(UserNames, LooksUpAndReloadsWhenTheFileChanges) {
  fake::TempDir dir;
  std::filesystem::path path = dir / "passwd";
  fake::write_text(path, "root:x:0:0::/root:/bin/sh\nalice:x:1000:1000::/home/alice:/bin/sh\n");
  UserNames names(path.string(), 0ms);
  EXPECT_EQ(names.name(1000), "alice");
  EXPECT_EQ(names.name(0), "root");
  EXPECT_EQ(names.name(4242), "");
  EXPECT_EQ(names.reloads(), 1u);
  for (int i = 0; i < 100; ++i) names.name(0);
  EXPECT_EQ(names.reloads(), 1u) << "unchanged file: not re-read";

  std::string_view old_alice = names.name(1000);
  fake::write_text(path, "root:x:0:0::/root:/bin/sh\nbob:x:1000:1000::/home/bob:/bin/sh\n");
  std::filesystem::last_write_time(path, std::filesystem::last_write_time(path) + 10s);
  EXPECT_EQ(names.name(1000), "bob");
  EXPECT_EQ(names.reloads(), 2u);
  EXPECT_EQ(old_alice, "alice") << "views from before one reload stay valid";
}

TEST(UserNames, RecheckIsRateLimited) {
  fake::TempDir dir;
  std::filesystem::path path = dir / "passwd";
  fake::write_text(path, "alice:x:1000:1000::/:/x\n");
  UserNames names(path.string(), std::chrono::hours(1));
  EXPECT_EQ(names.name(1000), "alice");
  fake::write_text(path, "bob:x:1000:1000::/:/x\n");
  std::filesystem::last_write_time(path, std::filesystem::last_write_time(path) + 10s);
  EXPECT_EQ(names.name(1000), "alice") << "not checked again before the interval";
  names.refresh();
  EXPECT_EQ(names.name(1000), "bob");
}

TEST(UserNames, MissingFileThenAppears) {
  fake::TempDir dir;
  std::filesystem::path path = dir / "passwd";
  UserNames names(path.string(), 0ms);
  EXPECT_EQ(names.name(0), "");
  fake::write_text(path, "root:x:0:0::/root:/bin/sh\n");
  EXPECT_EQ(names.name(0), "root");
  std::filesystem::remove(path);
  EXPECT_EQ(names.name(0), "root") << "a vanished file keeps the last names";
}

TEST(UserNames, EmptyPathGivesNoNames) {
  UserNames names("", 0ms);
  EXPECT_EQ(names.name(0), "");
  EXPECT_EQ(names.size(), 0u);
}

TEST(UserNames, WarmLookupsDoNotAllocate) {
  fake::TempDir dir;
  std::filesystem::path path = dir / "passwd";
  std::string content;
  for (uint32_t uid = 0; uid < 500; ++uid) {
    content += "user" + std::to_string(uid) + "-with-a-long-name:x:" + std::to_string(uid) +
               ":100::/home:/bin/sh\n";
  }
  fake::write_text(path, content);
  UserNames names(path.string(), 0ms);  // recheck on every lookup: the worst case
  ASSERT_EQ(names.name(1), "user1-with-a-long-name");
  std::size_t total = 0;
  const std::size_t before = g_allocations.load();
  for (int round = 0; round < 20; ++round) {
    for (uint32_t uid = 0; uid < 600; ++uid) total += names.name(uid).size();
  }
  const std::size_t after = g_allocations.load();
  EXPECT_EQ(after - before, 0u);
  EXPECT_GT(total, 0u);
  // The counter does see allocations.
  auto* probe = new std::string(200, 'x');
  EXPECT_GT(g_allocations.load(), after);
  delete probe;
}

}  // namespace
}  // namespace th
