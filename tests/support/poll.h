// Waiting for something to happen without a fixed sleep: poll a condition until a deadline.
#pragma once

#include <chrono>
#include <functional>
#include <thread>

namespace th::test {

// Waits for `pred` (checked every `step`) for at most `limit`; returns whether it came true. The
// bound only keeps a broken test from hanging: assert on what `pred` observed, never on how long
// it took.
inline bool eventually(const std::function<bool()>& pred,
                       std::chrono::milliseconds limit = std::chrono::seconds(30),
                       std::chrono::milliseconds step = std::chrono::milliseconds(5)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(step);
  }
  return pred();
}

}  // namespace th::test
