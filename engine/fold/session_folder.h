// One alert per injection session. The first match of a rule for a (rule, tracer, target) pair is
// alerted at once; further matches within the window are folded into a count, and a summary alert
// carrying that count and the requests seen is emitted when the window closes, the tracer detaches
// from the target, or either process exits. Nothing is hidden: every folded match is counted in
// the summary and in tracehound_folded_matches_total.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "engine/core/alert.h"
#include "engine/core/event.h"

namespace th {

struct FoldOptions {
  bool enabled = true;                       // global switch; rules can opt out with `fold: false`
  uint64_t window_ns = 60'000'000'000ull;    // a session lasts at most this long
  std::size_t max_sessions = 16384;          // bound; the oldest session is closed beyond it
};

class SessionFolder {
 public:
  explicit SessionFolder(FoldOptions opts = {});

  // A rule matched event `e` and `alert` is what would be emitted. Returns true when the alert
  // must go out now; false when the match was folded into an open session. `fold` is the rule's
  // own setting. Sessions this match closes (its window passed, or the table is full) append
  // their summaries to `out`.
  bool on_match(const Alert& alert, bool fold, const Event& e, std::vector<Alert>& out);

  // Closes the sessions an event ends (ptrace DETACH of a target, exit of a tracer or target),
  // appending their summaries to `out`.
  void on_event(const Event& e, std::vector<Alert>& out);
  // Closes sessions whose window has passed at time `now_ns`.
  void expire(uint64_t now_ns, std::vector<Alert>& out);
  // Closes every session (shutdown, end of a replay).
  void flush(std::vector<Alert>& out);

  std::size_t open_sessions() const { return sessions_.size(); }
  const FoldOptions& options() const { return opts_; }

 private:
  using Key = std::tuple<std::string, int32_t, int32_t>;  // rule, tracer pid, target pid
  struct Session {
    Alert first;
    uint64_t start_ns = 0;
    uint64_t last_ns = 0;
    uint64_t folded = 0;
    std::map<std::string, uint64_t> requests;  // what the folded matches did, by name
  };
  void close(std::map<Key, Session>::iterator it, const char* reason, std::vector<Alert>& out);
  static std::string what(const Event& e);

  FoldOptions opts_;
  std::map<Key, Session> sessions_;
};

}  // namespace th
