#!/usr/bin/env bash
# The live detector's CPU per W1 event (as in bench/w1_capture_replay.sh, part 3) for two builds
# of tracehound, alternating A B A B..., one line per run and each side's median: W1's own cost
# on a virtual machine varies too much from one minute to the next for single runs to compare.
#
#   sudo bench/w1_live_ab.sh TRACEHOUND_A TRACEHOUND_B [BUILD_DIR=build]     ROUNDS=6 RULES=50
set -euo pipefail

[ $# -ge 2 ] || { echo "usage: $0 TRACEHOUND_A TRACEHOUND_B [BUILD_DIR]" >&2; exit 2; }
a=$1 b=$2 build=${3:-build}
[ "$(id -u)" = 0 ] || { echo "needs root (the probe)" >&2; exit 2; }
command -v strace >/dev/null || { echo "needs strace" >&2; exit 2; }
work=$(mktemp -d)
# Not `kill ${th_pid:-0}`: pid 0 is the caller's whole process group.
trap '[ -z "${th_pid:-}" ] || kill "$th_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
"$build/bench/gen_ptrace_rules" "${RULES:-50}" >"$work/rules.yaml"

cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%d\n", s }'; }
one_run() {  # one_run TRACEHOUND: prints "events cpu_ns"
  "$1" run --format json --metrics-port 0 --rules "$work/rules.yaml" >/dev/null 2>"$work/run.log" &
  th_pid=$!
  for _ in $(seq 300); do grep -q watching "$work/run.log" && break; sleep 0.1; done
  grep -q watching "$work/run.log" || { cat "$work/run.log" >&2; exit 1; }
  sleep 1
  local before after
  before=$(cpu_ns "$th_pid")
  strace -f -o /dev/null ls -R /usr >/dev/null 2>&1
  sleep 1
  after=$(cpu_ns "$th_pid")
  kill -INT "$th_pid"
  wait "$th_pid" || true
  th_pid=
  echo "$(sed -nE 's/.*stopped: ([0-9]+) events.*/\1/p' "$work/run.log") $((after - before))"
}

for round in $(seq "${ROUNDS:-6}"); do
  for side in A B; do
    bin=$a
    [ "$side" = B ] && bin=$b
    read -r events ns < <(one_run "$bin")
    awk -v s="$side" -v r="$round" -v e="$events" -v c="$ns" \
      'BEGIN { printf "%s round %d: %d events, %.1f ms CPU, %.3f us per event\n", s, r, e, c / 1e6, c / e / 1e3 }' |
      tee -a "$work/$side"
  done
done
for side in A B; do
  sort -g <(sed -E 's/.*CPU, ([0-9.]+) us.*/\1/' "$work/$side") |
    awk -v s="$side" '{ v[NR] = $1 } END { m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2;
                        printf "%s: median %.3f us per event (%.3f to %.3f) over %d runs\n", s, m, v[1], v[NR], NR }'
done
