#!/usr/bin/env bash
# How many alerts one run of each injector (tests/attack) produces with the default rules, with
# session folding on (the default) and off (--no-fold): the alerts naming the injector as the
# acting process, summaries included, by rule.
#
#   sudo bench/alert_counts.sh [build]
set -euo pipefail
build=${1:-build}
th=$build/tracehound
atk=$build/tests/attack
[ "$(id -u)" = 0 ] || { echo "needs root (the probe)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

count() {  # count FOLD_FLAG NAME INJECTOR-ARGS...
  local flag=$1 name=$2
  shift 2
  "$th" run --format json --metrics-port 0 $flag >"$work/alerts" 2>"$work/log" &
  local th_pid=$!
  for _ in $(seq 200); do grep -q watching "$work/log" && break; sleep 0.05; done
  "$atk/victim" --seconds 30 >"$work/victim" &
  local v=$!
  sleep 0.3
  local tracer
  tracer=$("$atk/$1" "$v" "${@:2}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["tracer_pid"])')
  sleep 1
  kill "$v"
  wait "$v" 2>/dev/null || true
  sleep 0.5
  kill -TERM "$th_pid"
  wait "$th_pid" || true
  python3 - "$work/alerts" "$tracer" "$name" <<'EOF'
import collections, json, sys
path, tracer, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rules = collections.Counter()
summaries = 0
for line in open(path):
    a = json.loads(line)
    if a["output_fields"].get("proc.pid") != tracer:
        continue
    rules[a["rule"]] += 1
    summaries += bool(a["output_fields"].get("tracehound.summary"))
total = sum(rules.values())
detail = "; ".join(f"{r}: {n}" for r, n in sorted(rules.items()))
print(f"| {name} | {total} | {summaries} | {detail} |")
EOF
}

for flag in "" "--no-fold"; do
  echo
  echo "folding: ${flag:-on (default)}"
  echo "| injector | alerts | of which summaries | by rule |"
  echo "|---|---|---|---|"
  count "$flag" "ptrace ATTACH+PEEK+POKETEXT" inject_ptrace_poketext
  count "$flag" "ptrace ATTACH, POKETEXT x1000 (--words 1000)" inject_ptrace_poketext --words 1000
  count "$flag" "SEIZE+INTERRUPT+GETREGS+SETREGS" inject_seize_setregs
  count "$flag" "ATTACH+POKEUSER" inject_pokeuser
  count "$flag" "process_vm_writev" inject_vm_writev
  count "$flag" "/proc/PID/mem write" inject_proc_mem --mode pid --access rw
done
