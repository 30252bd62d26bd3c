#!/bin/bash
# High-value records lost versus flood kind, flooders and rate (bench/probe_flood.cpp), as a
# Markdown table for bench/RESULTS.md. Root; run from the repository with a build in build/.
#   bench/probe_flood.sh [build dir (default build)] [cycles (default 300)]
set -euo pipefail
build=${1:-build}
cycles=${2:-300}
bin=$build/bench/probe_flood
flood=$build/tests/attack/flood
[ "$(id -u)" -eq 0 ] || { echo "needs root (loads the probe)" >&2; exit 1; }
[ -x "$bin" ] && [ -x "$flood" ] || { echo "build probe_flood and th_attack_programs first" >&2; exit 1; }

echo "| flood | flooders | rate each | flood control | offered records/s | held in kernel | kernel drops | high-value expected | lost |"
echo "|---|---|---|---|---|---|---|---|---|"
run() {  # kind flooders rate [env]
  local line
  line=$(env ${4:-} "$bin" "$flood" "$1" "$2" "$3" "$cycles")
  python3 - "$line" <<'PY'
import json, sys
j = json.loads(sys.argv[1])
print(f"| {j['kind']} | {j['flooders']} | {j['rate_per_flooder']} | {'on' if j['flood_control'] else 'off'} "
      f"| {j['flood_offered_per_s']:.0f} | {j['kernel_held']} | {j['kernel_drops']} "
      f"| {j['high_value_expected']} | {j['high_value_lost']}{'' if j['injector_ok'] else ' (injector failed)'} |")
PY
}
run none 0 0
for kind in traceme attach-init mem-open fork; do
  for n in 1 4; do
    run "$kind" "$n" 0
  done
  run "$kind" 2 20000
done
run traceme 4 0 TH_FLOOD_CONTROL=0
run attach-init 4 0 TH_FLOOD_CONTROL=0
