// One alert per injection session. The first match of a rule for a (rule, tracer, target) pair is
// alerted at once; further matches within the window are folded into a count, and a summary alert
// carrying that count and the requests seen is emitted when the window closes, the tracer detaches
// from the target, either process exits, the session table is full, or the detector shuts down.
// Nothing is hidden: every folded match is counted in the summary and in
// tracehound_folded_matches_total{rule}, and every summary in tracehound_fold_summaries_total.
//
// The window is fixed from the session's first match (not sliding): a tracer that pokes for ten
// minutes gets one alert plus one summary per window, so a long session is still reported.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "engine/core/alert.h"
#include "engine/core/event.h"

namespace th {

class Counter;
class Metrics;

struct FoldOptions {
  bool enabled = true;                       // global switch; rules can opt out with `fold: false`
  uint64_t window_ns = 60'000'000'000ull;    // a session lasts at most this long
  std::size_t max_sessions = 16384;          // bound; the oldest session is closed beyond it
  Metrics* metrics = nullptr;                // registry for the fold metrics; nullptr: global
};

// Why a session closed; also the `reason` label of tracehound_fold_summaries_total.
enum class CloseReason : uint8_t { window, detach, exit, table_full, shutdown };
std::string_view close_reason_label(CloseReason r);  // "window", "detach", ...
std::string_view close_reason_text(CloseReason r);   // "window closed", "tracer detached", ...

class SessionFolder {
 public:
  explicit SessionFolder(FoldOptions opts = {});

  // A rule matched event `e` and `alert` is what would be emitted. Returns true when the alert
  // must go out now; false when the match was folded into an open session. `fold` is the rule's
  // own setting. Sessions this match closes (its window passed, or the table is full) append
  // their summaries to `out`, before the caller emits the new alert.
  bool on_match(const Alert& alert, bool fold, const Event& e, std::vector<Alert>& out);

  // Closes the sessions an event ends (a successful PTRACE_DETACH of the target by the tracer,
  // the exit of a tracer or a target), appending their summaries to `out`.
  void on_event(const Event& e, std::vector<Alert>& out);
  // Closes sessions whose window has passed at time `now_ns`.
  void expire(uint64_t now_ns, std::vector<Alert>& out);
  // Closes every session (shutdown, end of a replay, rule reload).
  void flush(std::vector<Alert>& out);

  std::size_t open_sessions() const { return sessions_.size(); }
  const FoldOptions& options() const { return opts_; }

 private:
  using Key = std::tuple<std::string, int32_t, int32_t>;  // rule, tracer pid, target pid (0: none)
  struct Session {
    Alert first;
    uint64_t start_ns = 0;
    uint64_t last_ns = 0;
    uint64_t folded = 0;
    std::map<std::string, uint64_t> requests;  // every match of the session (first included)
    Counter* folded_counter = nullptr;         // tracehound_folded_matches_total{rule}
    std::list<Key>::iterator order;            // position in order_ (creation order)
  };
  using SessionMap = std::map<Key, Session>;

  void close(SessionMap::iterator it, CloseReason reason, std::vector<Alert>& out);
  void ref_pid(int32_t pid);
  void unref_pid(int32_t pid);
  bool has_sessions_of(int32_t pid) const { return pid > 0 && pid_refs_.count(pid) > 0; }
  static std::string what(const Event& e);

  FoldOptions opts_;
  Metrics* metrics_;
  SessionMap sessions_;
  std::list<Key> order_;                            // oldest session first
  std::unordered_map<int32_t, uint32_t> pid_refs_;  // sessions naming a pid as tracer or target
};

}  // namespace th
