#!/usr/bin/env bash
# Whole-process overhead of a running `tracehound run` (default rules) on other workloads:
# the CPU time (user + system) a workload itself uses with tracehound running, divided by the
# same without it, alternating without/with for ROUNDS rounds in one run; medians reported.
# Also tracehound's own peak resident memory, its start-up time to "watching", and the kernel
# and user-space drop counters (which must stay at zero).
#
#   sudo bench/overhead.sh [build/tracehound]          ROUNDS=7 by default; TH_ARGS adds run options
#
# Workloads:
#   syscalls    dd if=/dev/zero of=/dev/null bs=1 count=1000000 (a syscall-heavy program, no ptrace)
#   strace-f    strace -f of 400 /bin/true runs from a shell loop (fork/exec-heavy, traced)
set -euo pipefail

th=${1:-build/tracehound}
rounds=${ROUNDS:-7}
[ "$(id -u)" = 0 ] || { echo "needs root (the probe)" >&2; exit 2; }
work=$(mktemp -d)
# Not `kill ${th_pid:-0}`: pid 0 is the caller's whole process group.
trap '[ -z "${th_pid:-}" ] || kill "$th_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

workload() {
  case $1 in
    syscalls) dd if=/dev/zero of=/dev/null bs=1 count=1000000 status=none ;;
    strace-f) strace -f -o /dev/null sh -c 'for i in $(seq 400); do /bin/true; done' ;;
  esac
}

# CPU seconds (user + sys) of one workload run, from the shell's accounting of its children.
cpu_of() {
  local TIMEFORMAT='%U %S' t
  t=$( { time workload "$1" >/dev/null 2>&1; } 2>&1 )
  awk '{ printf "%.4f\n", $1 + $2 }' <<<"$t"
}

start_th() {
  # shellcheck disable=SC2086  # TH_ARGS: extra arguments for `tracehound run`, e.g. --config F
  "$th" run --format json --metrics-port 0 ${TH_ARGS:-} >"$work/alerts" 2>"$work/log" &
  th_pid=$!
  for _ in $(seq 200); do
    grep -q watching "$work/log" && break
    sleep 0.05
  done
  grep -q watching "$work/log" || { cat "$work/log" >&2; exit 1; }
  port=$(sed -n 's/.*metrics on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/log")
}

stop_th() {
  # Counters and peak memory before it goes.
  curl -s "http://127.0.0.1:$port/metrics" >"$work/metrics" || true
  grep -E '^VmHWM' "/proc/$th_pid/status" | awk '{print $2}' >>"$work/rss_kb"
  sed -n 's/.*started in \([0-9]*\) ms.*/\1/p' "$work/log" >>"$work/startup_ms"
  kdrops=$(awk '/^tracehound_kernel_drops_total/ {s += $2} END {print s + 0}' "$work/metrics")
  udrops=$(awk '/^tracehound_output_dropped_total/ {s += $2} END {print s + 0}' "$work/metrics")
  echo "$kdrops $udrops" >>"$work/drops"
  kill -TERM "$th_pid"
  wait "$th_pid" || true
  th_pid=
}

median() { sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

for w in syscalls strace-f; do
  : >"$work/ratios"
  for r in $(seq "$rounds"); do
    base=$(cpu_of "$w")
    start_th
    with=$(cpu_of "$w")
    stop_th
    awk -v a="$with" -v b="$base" 'BEGIN { printf "%.4f\n", a / b }' >>"$work/ratios"
    echo "$w round $r: without ${base}s, with ${with}s" >&2
  done
  printf '%-10s CPU ratio with/without: median %s (min %s, max %s) over %s rounds\n' "$w" \
    "$(median <"$work/ratios")" "$(sort -g "$work/ratios" | head -1)" \
    "$(sort -g "$work/ratios" | tail -1)" "$rounds"
done
printf 'tracehound peak RSS: median %s KiB; start-up to watching: median %s ms\n' \
  "$(median <"$work/rss_kb")" "$(median <"$work/startup_ms")"
printf 'drops (kernel, user space) summed over all runs: %s\n' \
  "$(awk '{k += $1; u += $2} END {print k + 0 ", " u + 0}' "$work/drops")"
