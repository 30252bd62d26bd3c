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
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_init

workload() {
  case $1 in
    dd) dd if=/dev/zero of=/dev/null bs=1 count=2000000 status=none ;;
    strace-f) strace -f -o /dev/null sh -c 'for i in $(seq 2000); do /bin/true; done' ;;
  esac
}

for _ in $(seq "$rounds"); do
  for mode in off on; do
    if [ "$mode" = on ]; then start_th --enforce; else start_th; fi
    for w in dd strace-f; do wall_seconds workload "$w" >>"$work/$w.$mode"; done
    stop_th
  done
done

echo "workload   off_median_s  on_median_s  on/off"
for w in dd strace-f; do
  off=$(median <"$work/$w.off")
  on=$(median <"$work/$w.on")
  awk -v w="$w" -v a="$off" -v b="$on" 'BEGIN { printf "%-10s %12s %12s %7.3f\n", w, a, b, b / a }'
done
