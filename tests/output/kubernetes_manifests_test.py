#!/usr/bin/env python3
"""The Kubernetes manifests are safe by default: every manifest parses; the DaemonSet's liveness
and readiness probes use separate endpoints (/livez or /healthz, and /readyz) on the metrics
port; the metrics endpoint is never bound to all interfaces (neither in the embedded configs nor
on the command line), and a NetworkPolicy selects the tracehound pods and admits ingress to the
metrics port only from named sources.

Usage: kubernetes_manifests_test.py DIR   (docker/kubernetes); exit 0 when every check passes.
"""
import pathlib
import sys

import yaml

ALL_INTERFACES = {"0.0.0.0", "::", "[::]", ""}


def fail(msg):
    print(f"FAIL: {msg}")
    return 1


def main(root):
    docs = []
    for path in sorted(pathlib.Path(root).glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc is not None:
                docs.append((path.name, doc))
    if not docs:
        return fail(f"no manifests in {root}")
    errors = 0
    for name, doc in docs:
        for key in ("apiVersion", "kind", "metadata"):
            if key not in doc:
                errors += fail(f"{name}: a {doc.get('kind', 'document')} without {key}")

    daemonsets = [d for _, d in docs if d["kind"] == "DaemonSet"]
    if len(daemonsets) != 1:
        return fail(f"expected one DaemonSet, found {len(daemonsets)}")
    ds = daemonsets[0]
    pod_labels = ds["spec"]["template"]["metadata"]["labels"]
    container = ds["spec"]["template"]["spec"]["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
    metrics_port = ports.get("metrics")
    if metrics_port is None:
        errors += fail("the container has no port named 'metrics'")
    live = container.get("livenessProbe", {}).get("httpGet", {})
    ready = container.get("readinessProbe", {}).get("httpGet", {})
    if live.get("path") not in ("/livez", "/healthz"):
        errors += fail(f"livenessProbe path {live.get('path')!r}: want /livez or /healthz")
    if ready.get("path") != "/readyz":
        errors += fail(f"readinessProbe path {ready.get('path')!r}: want /readyz")
    if live.get("path") == ready.get("path"):
        errors += fail("liveness and readiness probe the same endpoint")
    for probe in (live, ready):
        if probe.get("port") not in ("metrics", metrics_port):
            errors += fail(f"a probe on port {probe.get('port')!r}, not the metrics port")

    args = container.get("args", [])
    if "--metrics-address" in args:
        value = args[args.index("--metrics-address") + 1]
        if value in ALL_INTERFACES:
            errors += fail(f"--metrics-address {value!r} is every interface")
    for name, doc in docs:
        if doc["kind"] != "ConfigMap":
            continue
        for key, text in doc.get("data", {}).items():
            if key != "tracehound.yaml":
                continue
            cfg = yaml.safe_load(text) or {}
            address = (cfg.get("metrics") or {}).get("address", "127.0.0.1")
            if address in ALL_INTERFACES:
                errors += fail(f"{name}: {doc['metadata']['name']}: metrics.address {address!r} "
                               "is every interface")

    policies = [d for _, d in docs if d["kind"] == "NetworkPolicy"
                and d["metadata"].get("namespace") == ds["metadata"]["namespace"]]
    guarding = []
    for p in policies:
        selector = p["spec"].get("podSelector", {}).get("matchLabels", {})
        if all(pod_labels.get(k) == v for k, v in selector.items()) and \
                "Ingress" in p["spec"].get("policyTypes", ["Ingress"]):
            guarding.append(p)
    if not guarding:
        errors += fail("no NetworkPolicy restricts ingress to the tracehound pods")
    for p in guarding:
        for rule in p["spec"].get("ingress", []):
            opens_metrics = not rule.get("ports") or any(
                port.get("port") in (metrics_port, "metrics") for port in rule["ports"])
            if opens_metrics and not rule.get("from"):
                errors += fail(f"NetworkPolicy {p['metadata']['name']}: the metrics port is "
                               "open to every source")
    if errors == 0:
        print(f"ok: {len(docs)} objects; probes {live['path']} and {ready['path']}; "
              f"{len(guarding)} NetworkPolicy guard the metrics port")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
