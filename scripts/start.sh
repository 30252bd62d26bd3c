#!/usr/bin/env bash
# Installs the dependencies, builds tracehound and starts the live detector with the default rules
# (alerts on stdout; logs on stderr). Run as root. Extra arguments go to `tracehound run`, e.g.
#   scripts/start.sh --format json --webhook http://127.0.0.1:2801/
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTH_BUILD_TESTS=OFF -DTH_BUILD_BENCH=OFF
cmake --build build -j2 --target tracehound
exec build/tracehound run "$@"
