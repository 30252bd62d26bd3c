#include "probe/wakeup_pacer.h"

#include <gtest/gtest.h>

#include <vector>

namespace th::probe {
namespace {

constexpr uint64_t kMs = 1'000'000;

struct PacingCase {
  const char* name;
  std::vector<std::size_t> looks;  // records taken by each look, in order
  uint64_t gap_ns;                 // the gap after the last look
  int look_again_ms;
};

class WakeupPacerTest : public ::testing::TestWithParam<PacingCase> {};

TEST_P(WakeupPacerTest, GapFollowsTheStream) {
  const PacingCase& c = GetParam();
  WakeupPacer pacer;
  uint64_t gap = pacer.gap_ns();
  uint64_t now = 0;
  for (std::size_t records : c.looks) gap = pacer.after_look(records, now += kMs);
  EXPECT_EQ(gap, c.gap_ns);
  EXPECT_EQ(pacer.gap_ns(), c.gap_ns);
  EXPECT_EQ(pacer.look_again_ms(), c.look_again_ms);
}

INSTANTIATE_TEST_SUITE_P(
    Streams, WakeupPacerTest,
    ::testing::Values(
        PacingCase{"before_any_look", {}, 4 * kMs, 6},
        PacingCase{"light_stream_keeps_the_base", {1, 5, 15, 31}, 4 * kMs, 6},
        PacingCase{"one_heavy_look_doubles", {32}, 8 * kMs, 10},
        PacingCase{"heavy_stream_grows_to_the_cap", {100, 100, 100, 100, 100}, 32 * kMs, 34},
        PacingCase{"the_cap_holds", {100, 100, 100, 100, 100, 100, 100}, 32 * kMs, 34},
        PacingCase{"in_between_holds", {100, 20}, 8 * kMs, 10},
        PacingCase{"a_light_look_resets", {100, 100, 15}, 4 * kMs, 6},
        PacingCase{"an_empty_look_resets", {100, 100, 100, 0}, 4 * kMs, 6}),
    [](const ::testing::TestParamInfo<PacingCase>& info) { return std::string(info.param.name); });

// After a look that found records the reader keeps expecting silent ones for one look-again
// interval, even if a look in between (woken early by something else) finds none; after a heavy
// look, for the longer interval that look set.
TEST(WakeupPacer, ExpectsSilentRecordsForOneIntervalAfterALookThatFoundSome) {
  WakeupPacer pacer;
  EXPECT_FALSE(pacer.expecting(0));
  pacer.after_look(5, 100 * kMs);  // light: 4 ms gap, look again within 6 ms
  EXPECT_TRUE(pacer.expecting(101 * kMs));
  pacer.after_look(0, 102 * kMs);  // woken early, nothing there
  EXPECT_TRUE(pacer.expecting(105 * kMs));
  EXPECT_FALSE(pacer.expecting(106 * kMs));

  pacer.after_look(100, 200 * kMs);  // heavy: 8 ms gap, look again within 10 ms
  pacer.after_look(0, 201 * kMs);    // the gap goes back to 4 ms, the owed wait does not
  EXPECT_EQ(pacer.gap_ns(), 4 * kMs);
  EXPECT_TRUE(pacer.expecting(209 * kMs));
  EXPECT_FALSE(pacer.expecting(210 * kMs));
}

}  // namespace
}  // namespace th::probe
