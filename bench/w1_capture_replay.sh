#!/usr/bin/env bash
# W1 (`strace -f -o /dev/null ls -R /usr`) through tracehound's capture, replay and live detector:
#   1. `capture` with the default config and everything the probe sees: events, kernel drops,
#      file size and bytes per event, for the binary format and (FORMATS="binary jsonl") JSON Lines;
#      then `capture --no-aggregation` (binary): every record, the in-kernel flood aggregation off;
#   2. `replay` of that complete capture with the generated ptrace-style rule sets of 1, 50 and
#      1,000 rules (bench/ptrace_rules.h, printed by gen_ptrace_rules): events/s from its summary;
#   3. `run` with the same rule sets while W1 runs: the detector's CPU per event (the scheduler's
#      run time of its threads, /proc/PID/task/*/schedstat, divided by the events it processed).
#
#   sudo bench/w1_capture_replay.sh [BUILD_DIR=build]     RULES="1 50 1000" FORMATS=binary
set -euo pipefail

build=${1:-build}
th=$build/tracehound
gen=$build/bench/gen_ptrace_rules
[ "$(id -u)" = 0 ] || { echo "needs root (the probe)" >&2; exit 2; }
command -v strace >/dev/null || { echo "needs strace" >&2; exit 2; }
work=$(mktemp -d)
# Not `kill ${th_pid:-0}`: pid 0 is the caller's whole process group.
trap '[ -z "${th_pid:-}" ] || kill "$th_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

w1() { strace -f -o /dev/null ls -R /usr >/dev/null 2>&1; }
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%d\n", s }'; }
wait_for() {  # wait_for FILE TEXT
  for _ in $(seq 300); do
    grep -q "$2" "$1" && return 0
    sleep 0.1
  done
  echo "timed out waiting for '$2' in $1" >&2
  cat "$1" >&2
  exit 1
}
for n in ${RULES:-1 50 1000}; do "$gen" "$n" >"$work/rules$n.yaml"; done

echo "# capture of W1 ($(uptime | sed 's/.*load/load/'))"
for fmt in ${FORMATS:-binary} all; do
  out=$work/w1.$fmt
  if [ "$fmt" = all ]; then
    "$th" capture --no-aggregation -o "$out" 2>"$work/capture.log" &
  else
    "$th" capture --format "$fmt" -o "$out" 2>"$work/capture.log" &
  fi
  th_pid=$!
  wait_for "$work/capture.log" capturing
  w1
  sleep 0.5
  kill -INT "$th_pid"
  wait "$th_pid" || true
  line=$(grep "captured" "$work/capture.log" | tail -1 | sed 's/.*captured/captured/')
  bytes=$(stat -c %s "$out")
  events=$(sed -E 's/captured ([0-9]+) events.*/\1/' <<<"$line")
  awk -v f="$fmt" -v b="$bytes" -v e="$events" -v l="$line" \
    'BEGIN { printf "%s: %s; file %d bytes, %.1f bytes per event\n", f, l, b, e ? b / e : 0 }'
done

echo "# replay of the complete binary capture ($(uptime | sed 's/.*load/load/'))"
for n in ${RULES:-1 50 1000}; do
  "$th" replay --rules "$work/rules$n.yaml" "$work/w1.all" 2>&1 >/dev/null |
    grep "replay:" | sed "s/.*replay:/$n rules:/"
done

echo "# live detector on W1 ($(uptime | sed 's/.*load/load/'))"
for n in ${RULES:-1 50 1000}; do
  "$th" run --format json --metrics-port 0 --rules "$work/rules$n.yaml" \
    >"$work/alerts" 2>"$work/run.log" &
  th_pid=$!
  wait_for "$work/run.log" watching
  sleep 1
  before=$(cpu_ns "$th_pid")
  w1
  sleep 1
  after=$(cpu_ns "$th_pid")
  kill -INT "$th_pid"
  wait "$th_pid" || true
  events=$(grep "stopped:" "$work/run.log" | sed -E 's/.*stopped: ([0-9]+) events.*/\1/')
  drops=$(grep -c "dropped\|lost" "$work/run.log" || true)
  awk -v n="$n" -v c=$((after - before)) -v e="$events" -v d="$drops" \
    'BEGIN { printf "%s rules: %d events, %.1f ms CPU, %.2f us per event, %d drop lines\n",
             n, e, c / 1e6, e ? c / e / 1e3 : 0, d }'
done
