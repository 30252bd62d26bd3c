#!/usr/bin/env bash
# What enforcement costs other workloads: a `tracehound run` (default rules) with enforcement
# off, then with `--enforce` (the entry hooks of ptrace and process_vm_writev, the memory-file
# checks at write entry), alternating per round; each workload's wall seconds, medians and the
# on/off ratio of the medians. Enforcing kills injectors host-wide: run it alone on the host.
#
#   sudo bench/enforce_cost.sh [build/tracehound]       ROUNDS=5 by default
#
# Workloads:
#   dd        dd if=/dev/zero of=/dev/null bs=1 count=2000000 (two million write syscalls)
#   strace-f  strace -f -o /dev/null sh -c 'for i in $(seq 2000); do /bin/true; done'
set -euo pipefail

th=${1:-build/tracehound}
rounds=${ROUNDS:-5}
[ "$(id -u)" = 0 ] || { echo "needs root (the probe)" >&2; exit 2; }
work=$(mktemp -d)
trap 'kill "${th_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

workload() {
  case $1 in
    dd) dd if=/dev/zero of=/dev/null bs=1 count=2000000 status=none ;;
    strace-f) strace -f -o /dev/null sh -c 'for i in $(seq 2000); do /bin/true; done' ;;
  esac
}

wall_of() {
  local start end
  start=$(date +%s%N)
  workload "$1" >/dev/null 2>&1
  end=$(date +%s%N)
  awk -v ns=$((end - start)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}

start_th() {
  "$th" run --format json --metrics-port 0 "$@" >"$work/alerts" 2>"$work/log" &
  th_pid=$!
  for _ in $(seq 300); do
    grep -q watching "$work/log" && return 0
    sleep 0.1
  done
  echo "tracehound did not start: $(cat "$work/log")" >&2
  exit 1
}

stop_th() {
  kill -INT "$th_pid"
  wait "$th_pid" || true
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for _ in $(seq "$rounds"); do
  for mode in off on; do
    if [ "$mode" = on ]; then start_th --enforce; else start_th; fi
    for w in dd strace-f; do wall_of "$w" >>"$work/$w.$mode"; done
    stop_th
  done
done

echo "workload   off_median_s  on_median_s  on/off"
for w in dd strace-f; do
  off=$(median <"$work/$w.off")
  on=$(median <"$work/$w.on")
  awk -v w="$w" -v a="$off" -v b="$on" 'BEGIN { printf "%-10s %12s %12s %7.3f\n", w, a, b, b / a }'
done
