#!/usr/bin/env bash
# Runs one libFuzzer target for a while: scripts/fuzz.sh TARGET SECONDS [libFuzzer options...]
#
# TARGET is the name of a tests/fuzz/fuzz_*.cpp file (e.g. fuzz_condition_parser); adding such a
# file adds a target. The script configures a clang build with the fuzzers in build-fuzz (or
# $TH_FUZZ_BUILD_DIR), builds TARGET, and runs it for SECONDS with
#   - the working corpus build-fuzz/fuzz-corpus/TARGET (kept between runs, new inputs go there),
#   - the seeds made at build time (build-fuzz/tests/fuzz/seeds/TARGET) and the committed ones
#     (tests/fuzz/seeds/TARGET), when they exist,
#   - the dictionary tests/fuzz/TARGET.dict, when it exists.
# Crash, leak, timeout and out-of-memory inputs are written to build-fuzz/fuzz-artifacts/TARGET/.
# Exits non-zero when the fuzzer finds anything (UBSan reports stop the run too).
set -euo pipefail

usage() {
  echo "usage: $0 TARGET SECONDS [libFuzzer options...]" >&2
  echo "targets:" >&2
  for f in "$root"/tests/fuzz/fuzz_*.cpp; do
    [ -e "$f" ] && echo "  $(basename "$f" .cpp)" >&2
  done
  exit 2
}

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[ $# -ge 2 ] || usage
target=$1
seconds=$2
shift 2
[ -f "$root/tests/fuzz/$target.cpp" ] || { echo "no such fuzz target: $target" >&2; usage; }
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "SECONDS must be a whole number: $seconds" >&2; exit 2; }

build=${TH_FUZZ_BUILD_DIR:-$root/build-fuzz}
jobs=${TH_FUZZ_JOBS:-2}

CC=clang CXX=clang++ cmake -S "$root" -B "$build" \
  -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DTH_BUILD_FUZZ=ON -DTH_BUILD_PROBE=OFF -DTH_BUILD_TESTS=OFF -DTH_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target "$target" -j"$jobs"

binary=$build/tests/fuzz/$target
corpus=$build/fuzz-corpus/$target
artifacts=$build/fuzz-artifacts/$target
mkdir -p "$corpus" "$artifacts"

inputs=("$corpus")
for seeds in "$build/tests/fuzz/seeds/$target" "$root/tests/fuzz/seeds/$target"; do
  [ -d "$seeds" ] && inputs+=("$seeds")
done
options=(-max_total_time="$seconds" -artifact_prefix="$artifacts/" -print_final_stats=1)
[ -f "$root/tests/fuzz/$target.dict" ] && options+=(-dict="$root/tests/fuzz/$target.dict")

# UBSan only reports by default; make every report a crash that the fuzzer records.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}

echo "fuzz.sh: running $target for ${seconds}s (corpus: ${inputs[*]})"
status=0
"$binary" "${options[@]}" "$@" "${inputs[@]}" || status=$?
if [ "$status" -ne 0 ]; then
  echo "fuzz.sh: $target FAILED (exit $status); reproducers in $artifacts/" >&2
  exit "$status"
fi
echo "fuzz.sh: $target ran ${seconds}s: no crash, leak, timeout or out-of-memory"
