#!/usr/bin/env bash
# The container test: builds the sidecar image (docker/Dockerfile) with podman, runs it in the
# host's pid namespace, and attacks real processes across container boundaries. Every alert is
# read from the sidecar's stdout (Falco JSON, one per line).
#
#   sidecar_test.sh SOURCE_DIR ATTACK_DIR WORK_DIR
#
# ATTACK_DIR holds the programs of tests/attack (victim, inject_*), bind-mounted read-only into
# ordinary containers made from the same Debian base image. The sidecar runs twice: privileged,
# then with the least privileges documented in docker/README.md; each time in its own cgroup
# namespace, against the same four attacks:
#   1. victim and injector in one ordinary container: the alert names that container in
#      container.id and target.container.id (and container.name/image, from podman's API socket)
#   2. an injector in a container attacking a host process: "Process injection across container
#      boundary", container.id = the container, target.container.id = host
#   3. a host process injecting into the container's victim: the same rule, the other way round
#   4. an injector in a second container sharing the victim's pid namespace: the same rule,
#      from one container into another
#
# Podman's settings come from docker/containers.conf and docker/storage.conf only (runc, cgroupfs,
# ulimits, a private storage under /var/lib/tracehound-test). Base images are made with
# debootstrap and cached in /var/cache/tracehound-test/base-images (tests/container/base_images.sh).
# Needs root; without it the test is skipped (exit 77), except under CI=true where a skip fails.
set -euo pipefail

usage="usage: sidecar_test.sh SOURCE_DIR ATTACK_DIR WORK_DIR"
src=${1:?$usage}
attack=${2:?$usage}
work=${3:?$usage}
src=$(cd "$src" && pwd)
cache=${TH_CONTAINER_CACHE:-/var/cache/tracehound-test/base-images}
image=localhost/tracehound:test
base=docker.io/library/debian:bookworm-slim
tag=th-test-$$
sidecar=$tag-sidecar
victims=$tag-victims
injector=$tag-injector
rule_cross="Process injection across container boundary"
rule_ptrace_write="Ptrace write into non-descendant process"
rule_names="Container test: injection with container names"

t0=$SECONDS
timing=()
log() { printf '[container-test %3ds] %s\n' "$((SECONDS - t0))" "$*" >&2; }
lap() { timing+=("$1: $((SECONDS - $2)) s;"); }
fail() {
  log "FAIL: $*"
  exit 1
}
skip() {
  if [[ ${CI:-} == true ]]; then
    log "FAIL: would skip under CI=true: $*"
    exit 1
  fi
  log "SKIP: $*"
  exit 77
}

# ---- preconditions ------------------------------------------------------------------------------
[[ $(id -u) -eq 0 ]] || skip "needs root (podman with --privileged, BPF)"
[[ -r /sys/kernel/btf/vmlinux ]] || skip "the kernel has no BTF (/sys/kernel/btf/vmlinux)"
for p in victim inject_ptrace_poketext inject_vm_writev inject_proc_mem; do
  [[ -x $attack/$p ]] || fail "$attack/$p is missing: build the th_attack_programs target"
done

need=()
for p in podman runc debootstrap uidmap slirp4netns fuse-overlayfs python3; do
  dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || need+=("$p")
done
if ((${#need[@]})); then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q > /dev/null
  apt-get install -y -q --no-install-recommends "${need[@]}" > /dev/null
fi

export CONTAINERS_CONF=$src/docker/containers.conf
export CONTAINERS_STORAGE_CONF=$src/docker/storage.conf
mkdir -p "$work" /run/tracehound-test/containers
rm -f "$work"/*.jsonl "$work"/*.log
api_sock=$work/podman.sock
host_victim=""
api_pid=""

# podman 4.3 removes nothing when one of several names does not exist: one at a time.
remove_containers() {
  local c
  for c in "$@"; do podman rm -f -t 0 --ignore "$c" > /dev/null 2>&1 || true; done
}

cleanup() {
  local rc=$?
  if ((rc != 0)) && podman container exists "$sidecar" 2> /dev/null; then
    log "sidecar logs (stderr, last 40 lines):"
    podman logs "$sidecar" 2>&1 > /dev/null | tail -n 40 >&2 || true
  fi
  remove_containers "$sidecar" "$victims" "$injector"
  if [[ -n $host_victim ]]; then kill "$host_victim" 2> /dev/null || true; fi
  if [[ -n $api_pid ]]; then kill "$api_pid" 2> /dev/null || true; fi
  if ((${#timing[@]})); then log "timing: ${timing[*]}"; fi
  exit "$rc"
}
trap cleanup EXIT

# ---- images ---------------------------------------------------------------------------------------
t=$SECONDS
bash "$src/tests/container/base_images.sh" "$cache"
lap "base images" "$t"

t=$SECONDS
log "building $image from docker/Dockerfile"
# --network=host: the builder's apt reaches the same mirror as the host. --format docker keeps
# the HEALTHCHECK. --pull=never: the base images are local, there is no registry.
if ! podman build --pull=never --network=host --format docker --layers \
  -f "$src/docker/Dockerfile" -t "$image" "$src" > "$work/build.log" 2>&1; then
  tail -n 40 "$work/build.log" >&2
  fail "image build failed (full log: $work/build.log)"
fi
# Keep the builder stage tagged, so that pruning leftovers of earlier builds keeps its cached
# package layer (an untagged leaf counts as dangling).
podman build --pull=never --network=host --format docker --layers --target build \
  -f "$src/docker/Dockerfile" -t localhost/tracehound-build:cache "$src" > /dev/null 2>&1 || true
podman image prune -f > /dev/null 2>&1 || true
lap "image build" "$t"

# What the runtime image holds: the binary and its HTTP module (webhooks, container metadata)
# with every library they need, the rules, the config.
podman run --rm --network=none --entrypoint /bin/sh "$image" -c \
  'ldd /usr/bin/tracehound | grep "not found";
   ldd /usr/lib/tracehound/libtracehound_http.so | grep "not found";
   test -f /usr/lib/tracehound/libtracehound_http.so && test -f /etc/tracehound/tracehound.yaml &&
   ls /usr/share/tracehound/rules/*.yaml > /dev/null &&
   /usr/bin/tracehound validate /usr/share/tracehound/rules' \
  > "$work/image-check.log" 2>&1 || { cat "$work/image-check.log" >&2; fail "runtime image is incomplete"; }
if grep -q "not found" "$work/image-check.log"; then
  cat "$work/image-check.log" >&2
  fail "missing libraries in the runtime image"
fi
[[ $(podman image inspect -f '{{.HealthCheck.Test}}' "$image") == *healthz* ]] ||
  fail "the image has no HEALTHCHECK on /healthz"

# ---- shared by both runs ------------------------------------------------------------------------
# Podman's Docker-compatible API, as a runtime socket for container.name and container.image.
rm -rf "$api_sock"  # a leftover socket, or a directory a bind mount made in its place
podman system service --time=0 "unix://$api_sock" > "$work/podman-service.log" 2>&1 &
api_pid=$!
for _ in $(seq 1 50); do
  [[ -S $api_sock ]] && break
  sleep 0.1
done
[[ -S $api_sock ]] || fail "podman system service did not create $api_sock"

# A config like a ConfigMap would give: the default rules plus one that prints container names.
printf 'rules_files:\n  - /usr/share/tracehound/rules\n  - /etc/tracehound/test/names.yaml\n' \
  > "$work/tracehound.yaml"
mkdir -p "$work/rules"
cp "$src/tests/container/names_rule.yaml" "$work/rules/names.yaml"
# The runtime's default seccomp profile, letting bpf() and perf_event_open() through with
# CAP_BPF / CAP_PERFMON (docker/README.md: least privileges).
python3 "$src/docker/seccomp_bpf_profile.py" /usr/share/containers/seccomp.json > "$work/seccomp.json"

# Starts the sidecar with the given podman options and waits until it watches.
start_sidecar() {
  remove_containers "$sidecar"
  # In the host's pid namespace, in its own cgroup namespace (as under Kubernetes on cgroup v2):
  # container ids must still resolve from the relative cgroup paths it sees.
  podman run -d --name "$sidecar" --pid=host --cgroupns=private --network=none \
    --health-interval=disable "$@" \
    -v "$work/tracehound.yaml:/etc/tracehound/tracehound.yaml:ro" \
    -v "$work/rules:/etc/tracehound/test:ro" \
    -v "$api_sock:/run/podman/podman.sock" \
    "$image" > /dev/null 2> "$work/sidecar-run.log" ||
    { cat "$work/sidecar-run.log" >&2; fail "podman run of the sidecar failed"; }
  # (Logs go to a file first: `podman logs | grep -q` fails under pipefail when grep stops early.)
  local ready=0
  for _ in $(seq 1 120); do
    podman logs "$sidecar" > "$work/sidecar.log" 2>&1 || true
    if grep -q "watching:" "$work/sidecar.log"; then
      ready=1
      break
    fi
    [[ $(podman container inspect -f '{{.State.Running}}' "$sidecar") == true ]] || break
    sleep 0.5
  done
  ((ready)) || fail "the sidecar did not start watching"
  log "$(grep -m1 'probe:' "$work/sidecar.log" | sed 's/^.*info //')"
  log "$(grep -m1 'watching:' "$work/sidecar.log" | sed 's/^.*info //')"
  podman healthcheck run "$sidecar" > /dev/null || fail "HEALTHCHECK (/healthz) is not healthy"
}

# Waits until the sidecar printed an alert with every given output field; prints it.
#   expect_alert LABEL RULE FIELD=VALUE...
expect_alert() {
  local label=$1 rule=$2
  shift 2
  for _ in $(seq 1 60); do
    podman logs "$sidecar" 2> /dev/null > "$work/alerts.jsonl" || true
    if python3 "$src/tests/container/find_alert.py" "$work/alerts.jsonl" "$rule" "$@"; then
      log "ok: $label"
      return 0
    fi
    sleep 0.5
  done
  log "no alert '$rule' with $* for: $label; alerts seen:"
  python3 "$src/tests/container/find_alert.py" --list "$work/alerts.jsonl" >&2 || true
  fail "$label"
}

container_pid() { podman container inspect -f '{{.State.Pid}}' "$1"; }
container_id() { podman container inspect -f '{{.Id}}' "$1"; }

# The four attacks, against a sidecar that runs already.
attacks() {
  remove_containers "$victims" "$injector"
  if [[ -n $host_victim ]]; then kill "$host_victim" 2> /dev/null || true; fi

  # 1. Victim and injector inside one ordinary container.
  podman run -d --name "$victims" --network=none -v "$attack:/attack:ro" "$base" \
    /attack/victim --seconds 300 > /dev/null
  local victims_id victim_pid injector_id
  victims_id=$(container_id "$victims")
  victim_pid=$(container_pid "$victims")
  sleep 1
  podman exec "$victims" /attack/inject_ptrace_poketext 1 > "$work/inject1.log" ||
    fail "injector in the container failed: $(cat "$work/inject1.log")"
  expect_alert "injection inside one container" "$rule_ptrace_write" \
    container.id="${victims_id:0:12}" target.container.id="${victims_id:0:12}" \
    target.pid="$victim_pid"
  expect_alert "container names from podman's API socket" "$rule_names" \
    container.id="${victims_id:0:12}" container.name="$victims" container.image="$base" \
    target.container.full_id="$victims_id" target.container.name="$victims"

  # 2. From a container into a host process. The container shares the host's pid namespace so
  # that it can name the pid, and has CAP_SYS_PTRACE: the host victim has every capability.
  "$attack/victim" --seconds 300 > "$work/host-victim.log" &
  host_victim=$!
  sleep 0.5
  injector_id=$(podman create --name "$injector" --network=none --pid=host --cap-add=SYS_PTRACE \
    -v "$attack:/attack:ro" "$base" /attack/inject_ptrace_poketext "$host_victim")
  podman start -a "$injector" > "$work/inject2.log" ||
    fail "injector from a container into the host failed: $(cat "$work/inject2.log")"
  remove_containers "$injector"
  expect_alert "container into host" "$rule_cross" \
    container.id="${injector_id:0:12}" target.container.id=host target.pid="$host_victim"

  # 3. From the host into the container's victim.
  "$attack/inject_vm_writev" "$victim_pid" > "$work/inject3.log" ||
    fail "host injector failed: $(cat "$work/inject3.log")"
  expect_alert "host into container" "$rule_cross" \
    container.id=host target.container.id="${victims_id:0:12}" target.pid="$victim_pid"

  # 4. From another container sharing the victim's pid namespace (but not its cgroup).
  injector_id=$(podman create --name "$injector" --network=none --pid="container:$victims" \
    -v "$attack:/attack:ro" "$base" /attack/inject_proc_mem 1)
  podman start -a "$injector" > "$work/inject4.log" ||
    fail "injector in the second container failed: $(cat "$work/inject4.log")"
  remove_containers "$injector"
  expect_alert "container into another container" "$rule_cross" \
    container.id="${injector_id:0:12}" target.container.id="${victims_id:0:12}" \
    target.pid="$victim_pid"

  podman healthcheck run "$sidecar" > /dev/null || fail "HEALTHCHECK unhealthy after the attacks"
  remove_containers "$victims"
}

# ---- run 1: privileged ---------------------------------------------------------------------------
t=$SECONDS
log "sidecar 1: --privileged"
start_sidecar --privileged
attacks
lap "privileged run" "$t"

# ---- run 2: the least privileges of docker/README.md -----------------------------------------------
t=$SECONDS
log "sidecar 2: only CAP_BPF, CAP_PERFMON, CAP_SYS_PTRACE, CAP_SYSLOG; derived seccomp profile"
# The host's tracefs, as the manifests mount it (per-syscall tracepoints need it; this machine's
# probe uses raw syscall tracepoints, which do not).
tracefs=()
if mountpoint -q /sys/kernel/tracing; then tracefs=(-v /sys/kernel/tracing:/sys/kernel/tracing); fi
start_sidecar --cap-drop=ALL --cap-add=BPF,PERFMON,SYS_PTRACE,SYSLOG \
  --security-opt "seccomp=$work/seccomp.json" "${tracefs[@]}"
grep -q "memory files by file operations" "$work/sidecar.log" ||
  fail "with CAP_SYSLOG the probe should find mem_open in /proc/kallsyms"
attacks
lap "least-privilege run" "$t"

log "PASS (${SECONDS}s in all)"
