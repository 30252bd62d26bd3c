#!/usr/bin/env bash
# The live detector's CPU per W1 event (as in bench/w1_capture_replay.sh, part 3) for two builds
# of tracehound, alternating A B A B..., one line per run and each side's median: W1's own cost
# on a virtual machine varies too much from one minute to the next for single runs to compare.
#
#   sudo bench/w1_live_ab.sh TRACEHOUND_A TRACEHOUND_B [BUILD_DIR=build]     ROUNDS=6 RULES=50
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 TRACEHOUND_A TRACEHOUND_B [BUILD_DIR]" >&2; exit 2; }
a=$1 b=$2 build=${3:-build}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
command -v strace >/dev/null || { echo "needs strace" >&2; exit 2; }
bench_init
"$build/bench/gen_ptrace_rules" "${RULES:-50}" >"$work/rules.yaml"

for round in $(seq "${ROUNDS:-6}"); do
  for side in A B; do
    th=$a
    [ "$side" = B ] && th=$b
    start_th --rules "$work/rules.yaml"
    sleep 1
    before=$(run_time_ns "$th_pid")
    strace -f -o /dev/null ls -R /usr >/dev/null 2>&1
    sleep 1
    after=$(run_time_ns "$th_pid")
    stop_th
    events=$(sed -nE 's/.*stopped: ([0-9]+) events.*/\1/p' "$work/log")
    awk -v s="$side" -v r="$round" -v e="$events" -v c=$((after - before)) \
      'BEGIN { printf "%s round %d: %d events, %.1f ms CPU, %.3f us per event\n", s, r, e, c / 1e6, c / e / 1e3 }' |
      tee -a "$work/$side"
  done
done
for side in A B; do
  sed -E 's/.*CPU, ([0-9.]+) us.*/\1/' "$work/$side" >"$work/$side.us"
  echo "$side: median $(median <"$work/$side.us") us per event ($(sort -g "$work/$side.us" | head -1) to" \
       "$(sort -g "$work/$side.us" | tail -1)) over $(wc -l <"$work/$side.us") runs"
done
