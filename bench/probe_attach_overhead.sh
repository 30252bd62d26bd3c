#!/usr/bin/env bash
# CPU cost of the probe's candidate attach points, and of the probe itself, measured on
# syscall-heavy, exec-heavy and ptrace-heavy workloads. Each candidate set is attached (bench/probe_attach/attach_run), the workload runs,
# its CPU time (user+sys from wait4) is taken, the set is detached; candidates alternate within
# each round so that drift on a shared machine hits them all alike. Prints the median per
# candidate and its ratio to "none".
#
#   sudo bench/probe_attach_overhead.sh [PROBE_OBJECT]
#
# PROBE_OBJECT: the built probe (build*/probe/tracehound.bpf.o) to also measure the real
# programs; found in the first build*/ directory when not given.
# Environment: ROUNDS (default 7), SYSCALL_COUNT (dd bs=1 count, default 1000000),
#              EXEC_COUNT (execs of /bin/true, default 1000), PTRACE_COUNT (dd bs=1 count
#              under strace -f, default 20000).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
rounds=${ROUNDS:-7}
syscall_count=${SYSCALL_COUNT:-1000000}
exec_count=${EXEC_COUNT:-1000}
ptrace_count=${PTRACE_COUNT:-20000}
probe_obj=${1:-$(ls "$top"/build*/probe/tracehound.bpf.o 2>/dev/null | head -n 1 || true)}

[ "$(id -u)" -eq 0 ] || { echo "needs root (loads BPF programs)" >&2; exit 1; }
if ! mountpoint -q /sys/kernel/tracing; then mount -t tracefs tracefs /sys/kernel/tracing; fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
clang -g -O2 -target bpf -D__TARGET_ARCH_x86 -I"$top/probe/vmlinux/x86" \
  -c "$here/probe_attach/candidates.bpf.c" -o "$work/candidates.bpf.o"
cc -O2 -Wall "$here/probe_attach/attach_run.c" -o "$work/attach_run" -lbpf -lpthread

cand=$work/candidates.bpf.o
# The probe as the loader runs it: records really written and read (drained by a thread of
# attach_run), the reader woken in batches.
as_loaded="--rodata wakeup_bytes=65536 --drain events"
# Candidate sets, one per line: name | object | attach_run arguments (options, programs).
syscall_candidates=(
  "none|$cand|"
  "sys_enter_ptrace tracepoint, empty|$cand|tp_enter_ptrace"
  "6 per-syscall exit tracepoints, empty|$cand|tp_exit_ptrace tp_exit_vm_readv tp_exit_vm_writev tp_exit_open tp_exit_openat tp_exit_openat2"
  "raw_tp sys_exit, nr filter|$cand|raw_exit_filter"
  "tp_btf sys_exit, empty|$cand|btf_exit_empty"
  "tp_btf sys_exit, nr filter|$cand|btf_exit_filter"
  "tp_btf sys_enter+sys_exit, nr filter|$cand|btf_enter_filter btf_exit_filter"
  "tp_btf sched fork/exec/exit, empty|$cand|btf_fork btf_exec btf_exit"
)
exec_candidates=(
  "none|$cand|"
  "tp_btf sched fork/exec/exit, empty|$cand|btf_fork btf_exec btf_exit"
)
ptrace_candidates=("none|$cand|")
if [ -n "$probe_obj" ] && [ -f "$probe_obj" ]; then
  raw="th_sys_exit th_fork th_exec th_exit"
  per="th_exit_ptrace th_exit_process_vm_readv th_exit_process_vm_writev th_exit_open th_exit_openat th_exit_openat2 th_fork th_exec th_exit"
  syscall_candidates+=(
    "probe, raw_syscalls hooks|$probe_obj|$as_loaded $raw"
    "probe, per-syscall hooks|$probe_obj|$as_loaded $per"
  )
  exec_candidates+=(
    "probe, raw_syscalls hooks|$probe_obj|$as_loaded $raw"
    "probe, per-syscall hooks|$probe_obj|$as_loaded $per"
  )
  # The interest map is all zeros unless filled: no rule wants anything, the prefilter drops
  # every ptrace request; filled, every request is reported.
  ptrace_candidates+=(
    "probe, no rule wants ptrace (prefilter)|$probe_obj|$as_loaded $raw"
    "probe, all reported, wake per record|$probe_obj|--fill-map interest --drain events $raw"
    "probe, all reported, batched wakeups|$probe_obj|--fill-map interest $as_loaded $raw"
    "probe, all reported, batched, no kfuncs|$probe_obj|--fill-map interest --rodata use_task_kfuncs=0 $as_loaded $raw"
  )
else
  echo "(no built probe object found: measuring the candidates only)" >&2
fi

median() { sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

measure() {  # $1: workload label, $2: name of a candidate array, rest: the workload command
  local label=$1
  local -n list=$2
  shift 2
  declare -A samples=()
  for ((r = 1; r <= rounds; r++)); do
    for c in "${list[@]}"; do
      IFS='|' read -r name obj args <<<"$c"
      # shellcheck disable=SC2086
      t=$("$work/attach_run" "$obj" $args -- "$@")
      samples[$name]+="$t "
    done
  done
  local base
  base=$(tr ' ' '\n' <<<"${samples[none]}" | grep . | median)
  printf '\n%s (%s rounds, median CPU seconds of the workload)\n' "$label" "$rounds"
  printf '%-42s %10s %8s\n' "attached" "cpu_s" "ratio"
  for c in "${list[@]}"; do
    IFS='|' read -r name _ _ <<<"$c"
    m=$(tr ' ' '\n' <<<"${samples[$name]}" | grep . | median)
    printf '%-42s %10.4f %8.3f\n' "$name" "$m" "$(awk -v m="$m" -v b="$base" 'BEGIN {print m / b}')"
  done
}

echo "machine: $(uname -r), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
measure "syscall-heavy: dd if=/dev/zero of=/dev/null bs=1 count=$syscall_count" syscall_candidates \
  dd if=/dev/zero of=/dev/null bs=1 count="$syscall_count" status=none
measure "exec-heavy: $exec_count x fork+exec /bin/true" exec_candidates \
  /bin/sh -c "i=0; while [ \$i -lt $exec_count ]; do /bin/true; i=\$((i+1)); done"
if command -v strace >/dev/null; then
  measure "ptrace-heavy: strace -f dd bs=1 count=$ptrace_count (PTRACE_SYSCALL per stop)" ptrace_candidates \
    strace -f -o /dev/null dd if=/dev/zero of=/dev/null bs=1 count="$ptrace_count" status=none
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
