#!/usr/bin/env bash
# Installs everything, builds, and runs the whole test suite (unit, rule tests, end-to-end attacks
# against the live probe, the container test). Run as root on Debian 12: the end-to-end tests load
# the eBPF probe and attack real processes. With CI=true a skipped test counts as a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j2
ctest --test-dir build --output-on-failure --timeout 900
