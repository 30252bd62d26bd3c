#!/usr/bin/env bash
# What the io_uring hooks cost an io_uring-heavy program: its CPU time (user + system) with a
# `tracehound run` (default rules) running, over the same without, alternating for ROUNDS rounds;
# medians and min-max of the ratios, and the events the kernel side sent and filtered.
#
#   sudo bench/io_uring_cost.sh [build/tracehound] [build/tests/attack]     ROUNDS=5 by default
#
# Workloads (tests/attack/iouring_workload):
#   null-writes  2,000,000 one-byte IORING_OP_WRITE requests to /dev/null, 64 in flight
#   file-writes  8 files of 4,096 blocks of 4 KiB (write, writev, write_fixed in turn), 64 in flight
set -euo pipefail

th=${1:-build/tracehound}
attack=${2:-build/tests/attack}
rounds=${ROUNDS:-5}
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init

workload() {
  case $1 in
    null-writes) "$attack/iouring_workload" --files 0 --null-writes 2000000 ;;
    file-writes) "$attack/iouring_workload" --files 8 --blocks 4096 --block-size 4096 --dir "$work" ;;
  esac
}

for w in null-writes file-writes; do
  : >"$work/ratios"
  for r in $(seq "$rounds"); do
    base=$(cpu_seconds workload "$w")
    start_th
    with=$(cpu_seconds workload "$w")
    stop_th
    awk -v a="$with" -v b="$base" 'BEGIN { printf "%.4f\n", a / b }' >>"$work/ratios"
    echo "$w round $r: without ${base}s, with ${with}s" >&2
  done
  printf '%-12s CPU ratio with/without: median %s (min %s, max %s) over %s rounds\n' "$w" \
    "$(median <"$work/ratios")" "$(sort -g "$work/ratios" | head -1)" \
    "$(sort -g "$work/ratios" | tail -1)" "$rounds"
done
printf 'last run: kernel events %s, filtered %s, drops %s\n' \
  "$(metric_sum tracehound_kernel_events_total)" "$(metric_sum tracehound_kernel_filtered_total)" \
  "$(metric_sum tracehound_kernel_drops_total)"
