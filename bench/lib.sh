# Shared by the whole-process benchmark scripts: starting and stopping a `tracehound run`, CPU
# time of a command, medians. Source it after setting `th` (the binary), then call bench_init.

# Checks for root (the probe), makes the scratch folder `work`, and removes it and stops a
# running tracehound on exit.
bench_init() {
  [ "$(id -u)" = 0 ] || { echo "needs root (the probe)" >&2; exit 2; }
  work=$(mktemp -d)
  # Not `kill ${th_pid:-0}`: pid 0 is the caller's whole process group.
  trap '[ -z "${th_pid:-}" ] || kill "$th_pid" 2>/dev/null || true; rm -rf "$work"' EXIT
}

# CPU seconds (user + sys) of one run of the command given, from the shell's accounting.
cpu_seconds() {
  local TIMEFORMAT='%U %S' t
  t=$( { time "$@" >/dev/null 2>&1; } 2>&1 )
  awk '{ printf "%.4f\n", $1 + $2 }' <<<"$t"
}

# Wall seconds of one run of the command given.
wall_seconds() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  awk -v ns=$((end - start)) 'BEGIN { printf "%.3f\n", ns / 1e9 }'
}

# Starts `tracehound run` (default rules; extra arguments passed on) and waits for "watching".
# Sets th_pid and port (the metrics port).
start_th() {
  "$th" run --format json --metrics-port 0 "$@" >"$work/alerts" 2>"$work/log" &
  th_pid=$!
  for _ in $(seq 300); do
    grep -q watching "$work/log" && break
    sleep 0.1
  done
  grep -q watching "$work/log" || { echo "tracehound did not start: $(cat "$work/log")" >&2; exit 1; }
  port=$(sed -n 's/.*metrics on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/log")
}

# Stops it; keeps its last metrics in $work/metrics.
stop_th() {
  curl -s "http://127.0.0.1:$port/metrics" >"$work/metrics" || true
  kill -INT "$th_pid"
  wait "$th_pid" || true
  th_pid=
}

# Sum of a metric's samples in $work/metrics.
metric_sum() { awk -v m="$1" '$1 ~ "^"m"({|$)" {s += $2} END {print s + 0}' "$work/metrics"; }

# The scheduler's run time, in nanoseconds, of every thread of process $1 so far.
run_time_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%d\n", s }'; }

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
