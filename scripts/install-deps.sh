#!/usr/bin/env bash
# Installs what tracehound needs from Debian 12 (bookworm) packages.
#   scripts/install-deps.sh          build and run dependencies
#   scripts/install-deps.sh --test   also what the test suite uses (debuggers attacked in the
#                                    end-to-end tests, podman for the container test, JSON Schema
#                                    validation)
set -euo pipefail

build_pkgs=(
  build-essential cmake pkg-config clang llvm
  libbpf-dev bpftool libelf-dev zlib1g-dev linux-libc-dev
  libyaml-cpp-dev libre2-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
  libcurl4-openssl-dev libcpp-httplib-dev libssl-dev liburing-dev
  libgtest-dev libgmock-dev libbenchmark-dev
)
test_pkgs=(
  gdb strace curl python3 python3-jsonschema python3-yaml
  podman runc debootstrap uidmap slirp4netns fuse-overlayfs iproute2 util-linux procps
)

pkgs=("${build_pkgs[@]}")
if [[ "${1:-}" == "--test" ]]; then
  pkgs+=("${test_pkgs[@]}")
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
