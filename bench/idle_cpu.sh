#!/usr/bin/env bash
# Idle cost of a running `tracehound run` (default rules): the CPU time (the scheduler's run time
# of every thread, from /proc/PID/task/*/schedstat, in nanoseconds) it uses per second of wall time while the host does
# nothing tracehound is told about, and its peak resident memory (VmHWM) at the end.
# Each round starts tracehound, waits for "watching", lets it settle, then samples SECONDS.
#
#   sudo bench/idle_cpu.sh [build/tracehound] [SECONDS=30]      ROUNDS=3 by default
#
# Prints one line per round and the median in ms of CPU per second.
set -euo pipefail

th=${1:-build/tracehound}
seconds=${2:-30}
rounds=${ROUNDS:-3}
[ "$(id -u)" = 0 ] || { echo "needs root (the probe)" >&2; exit 2; }
work=$(mktemp -d)
# Not `kill ${th_pid:-0}`: pid 0 is the caller's whole process group.
trap '[ -z "${th_pid:-}" ] || kill "$th_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

# Nanoseconds on a CPU, summed over the process's threads (clock ticks of /proc/PID/stat are
# 10 ms: too coarse for a process that should use about 1 ms a second).
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%d\n", s }'; }

results=()
for round in $(seq "$rounds"); do
  "$th" run --format json --metrics-port 0 >"$work/alerts" 2>"$work/log" &
  th_pid=$!
  for _ in $(seq 300); do
    grep -q watching "$work/log" && break
    sleep 0.1
  done
  grep -q watching "$work/log" || { cat "$work/log" >&2; exit 1; }
  sleep 3  # settle: start-up work (the /proc scan, the first ticks) is not idle cost
  before=$(cpu_ns "$th_pid")
  sleep "$seconds"
  after=$(cpu_ns "$th_pid")
  hwm=$(awk '/VmHWM/ { print $2 }' "/proc/$th_pid/status")
  kill -INT "$th_pid"
  wait "$th_pid" || true
  ms=$(awk -v d=$((after - before)) -v s="$seconds" 'BEGIN { printf "%.3f", d / 1e6 / s }')
  echo "round $round: ${ms} ms CPU per second, peak RSS ${hwm} KiB"
  results+=("$ms")
done
printf '%s\n' "${results[@]}" | sort -n | awk '{ a[NR] = $1 } END { printf "median: %s ms CPU per second over %d rounds\n", a[int((NR + 1) / 2)], NR }'
