#!/usr/bin/env python3
"""Derives a seccomp profile for tracehound from a container runtime's default profile.

Older runtime profiles (podman's containers-common before 2025, Docker before 23.0, containerd
before 1.7) allow bpf() and perf_event_open() only to containers with CAP_SYS_ADMIN. This keeps
every other rule of the given profile and lets bpf() through with CAP_BPF and perf_event_open()
with CAP_PERFMON instead, as newer Docker and containerd profiles do, so that the sidecar can run
without CAP_SYS_ADMIN and without `seccomp=unconfined`.

    docker/seccomp_bpf_profile.py /usr/share/containers/seccomp.json > tracehound-seccomp.json
    podman run --security-opt seccomp=tracehound-seccomp.json --cap-add BPF,PERFMON,...
"""
import json
import sys

GATES = {"bpf": "CAP_BPF", "perf_event_open": "CAP_PERFMON"}


def derive(profile):
    out = []
    for rule in profile.get("syscalls", []):
        names = rule.get("names", [])
        gated = [n for n in names if n in GATES]
        excludes = (rule.get("excludes") or {}).get("caps", [])
        if gated and rule.get("action") != "SCMP_ACT_ALLOW" and "CAP_SYS_ADMIN" in excludes:
            # The rule refusing these calls to containers without CAP_SYS_ADMIN: split them off
            # and spare containers holding the finer capability too (a rule is skipped when the
            # container has any of its excluded capabilities). The other calls keep the rule.
            rest = [n for n in names if n not in GATES]
            if rest:
                out.append({**rule, "names": rest})
            for name in gated:
                out.append({**rule, "names": [name],
                            "excludes": {**rule["excludes"], "caps": excludes + [GATES[name]]}})
            continue
        out.append(rule)
    for name, cap in GATES.items():
        out.append({"names": [name], "action": "SCMP_ACT_ALLOW", "includes": {"caps": [cap]}})
    profile["syscalls"] = out
    return profile


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: seccomp_bpf_profile.py DEFAULT_PROFILE.json > PROFILE.json")
    with open(sys.argv[1], encoding="utf-8") as f:
        profile = json.load(f)
    json.dump(derive(profile), sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
