#!/usr/bin/env python3
"""Finds an alert in the sidecar's stdout (Falco JSON, one per line; other lines are skipped).

    find_alert.py ALERTS.jsonl RULE FIELD=VALUE...   exit 0 and print the alert's fields when an
                                                    alert of RULE has every FIELD=VALUE
    find_alert.py --list ALERTS.jsonl               print every alert's rule and container fields
"""
import json
import sys


def alerts(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.startswith("{"):
                continue
            try:
                yield json.loads(line)
            except ValueError:
                continue


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "--list":
        for a in alerts(sys.argv[2]):
            f = a.get("output_fields", {})
            shown = {k: v for k, v in f.items() if "container" in k or k.endswith("pid")}
            print("  ", a.get("rule"), json.dumps(shown))
        return 0
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    path, rule = sys.argv[1], sys.argv[2]
    wants = [arg.split("=", 1) for arg in sys.argv[3:]]
    for a in alerts(path):
        fields = a.get("output_fields", {})
        if a.get("rule") == rule and all(str(fields.get(k)) == v for k, v in wants):
            print(json.dumps({"rule": rule, "priority": a.get("priority"),
                              **{k: fields.get(k) for k, _ in wants}}))
            return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
