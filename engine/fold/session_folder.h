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
#include <string_view>
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

  // Rule `rule` matched event `e`; `fold` is the rule's own setting. Decided before anything is
  // rendered, so that a folded match costs a lookup and a count. Returns true when the match was
  // folded into an open session; false when it must be alerted (then render the alert and call
  // open). A session whose window has passed is closed here, its summary appended to `out`.
  bool try_fold(std::string_view rule, bool fold, const Event& e, std::vector<Alert>& out);
  // The match that try_fold did not fold will be alerted: opens its session when the rule folds
  // and returns where the session keeps the first alert (its summary repeats that alert's output
  // and fields); store the rendered alert there. nullptr when nothing folds. When the table is
  // full, the oldest session is closed first, its summary appended to `out`.
  Alert* open(std::string_view rule, bool fold, const Event& e, std::vector<Alert>& out);

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
  using KeyView = std::tuple<std::string_view, int32_t, int32_t>;  // lookups without a copy
  struct Session {
    Alert first;
    uint64_t start_ns = 0;
    uint64_t last_ns = 0;
    uint64_t folded = 0;
    std::map<std::string, uint64_t> requests;  // every match of the session (first included)
    Counter* folded_counter = nullptr;         // tracehound_folded_matches_total{rule}
    std::list<Key>::iterator order;            // position in order_ (creation order)
  };
  using SessionMap = std::map<Key, Session, std::less<>>;

  bool folds(bool fold) const { return opts_.enabled && fold && opts_.max_sessions > 0; }
  static KeyView key_of(std::string_view rule, const Event& e);

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
