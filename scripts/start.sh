#!/usr/bin/env bash
# Installs the dependencies, builds tracehound and starts the live detector with the default rules.
# Its stdout carries alerts only (`scripts/start.sh | jq` works): the installation, the build and
# tracehound's logs go to stderr. Run as root. Extra arguments go to `tracehound run`, e.g.
#   scripts/start.sh --format json --webhook http://127.0.0.1:2801/
set -euo pipefail
cd "$(dirname "$0")/.."
{
  scripts/install-deps.sh
  cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DTH_BUILD_TESTS=OFF -DTH_BUILD_BENCH=OFF
  cmake --build build -j2 --target tracehound
} >&2
exec build/tracehound run "$@"
