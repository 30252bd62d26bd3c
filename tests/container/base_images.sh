#!/usr/bin/env bash
# Makes the two base images the Dockerfile names, docker.io/library/debian:bookworm and
# docker.io/library/debian:bookworm-slim, without a registry: a minbase debootstrap of bookworm
# from the apt mirror this machine already uses, imported into podman. The root file systems are
# kept as tarballs in a cache directory, so that only the first run on a machine pays for
# debootstrap (about a minute and a half here); later runs only import them, or do nothing when
# podman's storage still has the images.
#
#   base_images.sh CACHE_DIR     (podman's configuration comes from the environment)
set -euo pipefail

cache=${1:?usage: base_images.sh CACHE_DIR}
full_ref=docker.io/library/debian:bookworm
slim_ref=docker.io/library/debian:bookworm-slim
log() { printf '[base-images] %s\n' "$*" >&2; }

# The first enabled Debian archive URI of this machine's apt sources (deb822 or one-line form).
host_mirror() {
  local f uri
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    grep -qiE '^Enabled:[[:space:]]*no' "$f" && continue
    uri=$(awk 'tolower($1)=="uris:" && $2 ~ /\/debian\/?$/ {print $2; exit}' "$f")
    [[ -n $uri ]] && { echo "$uri"; return; }
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    uri=$(awk '$1=="deb" {for (i=2;i<=NF;i++) if ($i !~ /^\[/ && $i ~ /\/debian\/?$/) {print $i; exit}}' "$f")
    [[ -n $uri ]] && { echo "$uri"; return; }
  done
  echo http://deb.debian.org/debian
}

# The machine's Debian sources go into the image as they are, so that `apt-get install` in a
# container reaches the same mirror (and the same snapshot) as the host does.
copy_apt_setup() {
  local root=$1 f copied=0
  rm -f "$root/etc/apt/sources.list"
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    grep -qiE '^Enabled:[[:space:]]*no' "$f" && continue
    grep -qE '/debian(-security)?/?([[:space:]]|$)' "$f" || continue
    cp "$f" "$root/etc/apt/sources.list.d/" && copied=1
  done
  if [[ -f /etc/apt/sources.list ]] && grep -qE '^deb[[:space:]].*/debian' /etc/apt/sources.list; then
    grep -E '^deb[[:space:]].*/debian' /etc/apt/sources.list > "$root/etc/apt/sources.list"
    copied=1
  fi
  if ((!copied)); then
    echo "deb $(host_mirror) bookworm main" > "$root/etc/apt/sources.list"
  fi
  # A snapshot mirror serves Release files whose Valid-Until has passed; the host accepts them,
  # so the image must too. Proxies, if the host uses one, are kept for the same reason.
  apt-config dump | grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy) ' \
    > "$root/etc/apt/apt.conf.d/99host-mirror" || true
  [[ -s $root/etc/apt/apt.conf.d/99host-mirror ]] || rm -f "$root/etc/apt/apt.conf.d/99host-mirror"
}

# What the official images leave out: package lists and caches (every Dockerfile runs
# apt-get update first).
clean_rootfs() {
  local root=$1
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
         "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/* "$root"/root/.bash_history
  mkdir -p "$root/var/lib/apt/lists/partial"
}

# The -slim variant: no documentation, manual pages or translations, now or in packages
# installed later (dpkg path excludes, as the official slim images do).
slim_down() {
  local root=$1
  cat > "$root/etc/dpkg/dpkg.cfg.d/slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/locale/*
CFG
  find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/groff/* \
         "$root"/usr/share/lintian/* "$root"/usr/share/locale/*
}

# What the images depend on: this script and the host's apt setup. Another key (a changed mirror
# or snapshot) makes new tarballs and images.
cache_key() {
  {
    cat "$0"
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.sources 2> /dev/null || true
    apt-config dump | grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy) ' || true
  } | sha256sum | cut -c1-12
}
key=$(cache_key)
full_tar=$cache/debian-bookworm-$key.tar
slim_tar=$cache/debian-bookworm-slim-$key.tar

make_tarballs() {
  local work mirror start
  work=$(mktemp -d "${TMPDIR:-/tmp}/th-debootstrap.XXXXXX")
  trap 'rm -rf "$work"' RETURN
  mirror=$(host_mirror)
  start=$SECONDS
  log "debootstrap --variant=minbase bookworm from $mirror"
  if ! debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" > "$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    log "debootstrap failed"
    return 1
  fi
  copy_apt_setup "$work/rootfs"
  clean_rootfs "$work/rootfs"
  mkdir -p "$cache"
  tar --numeric-owner --xattrs -C "$work/rootfs" -cf "$full_tar.tmp" .
  slim_down "$work/rootfs"
  tar --numeric-owner --xattrs -C "$work/rootfs" -cf "$slim_tar.tmp" .
  mv "$full_tar.tmp" "$full_tar"
  mv "$slim_tar.tmp" "$slim_tar"
  log "base root file systems cached in $cache ($((SECONDS - start)) s)"
}

# The image under `ref` was imported from tarballs of this key.
is_current() {
  [[ $(podman image inspect -f '{{index .Labels "org.tracehound.base-key"}}' "$1" 2> /dev/null) == "$key" ]]
}

import_image() {
  local tar=$1 ref=$2
  is_current "$ref" && return 0
  log "importing $ref"
  podman import --quiet \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' \
    --change "LABEL org.tracehound.base-key=$key" \
    "$tar" "$ref" > /dev/null
}

if is_current "$full_ref" && is_current "$slim_ref"; then
  exit 0
fi
if [[ ! -s $full_tar || ! -s $slim_tar ]]; then
  rm -f "$cache"/debian-bookworm*.tar  # other keys: stale
  make_tarballs
fi
import_image "$full_tar" "$full_ref"
import_image "$slim_tar" "$slim_ref"
