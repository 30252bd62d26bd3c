#!/usr/bin/env python3
"""Validate YAML or JSON documents against a JSON Schema (draft 2020-12 or what the schema says).

Usage: validate-json-schema.py SCHEMA.json DOCUMENT.yaml [DOCUMENT...]

Needs python3-jsonschema and python3-yaml (Debian packages). Prints one line per problem,
"DOCUMENT: at PATH: MESSAGE", and exits 0 when every document is valid, 1 when one is not,
2 on usage errors or when a module is missing (so that callers can tell "invalid" from
"cannot check").
"""
import json
import sys


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    try:
        import jsonschema
        import yaml
    except ImportError as e:  # pragma: no cover - depends on the machine
        print(f"validate-json-schema: missing module: {e.name} "
              "(apt-get install python3-jsonschema python3-yaml)", file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    validator = cls(schema)
    status = 0
    for path in argv[2:]:
        with open(path, encoding="utf-8") as f:
            docs = list(yaml.safe_load_all(f)) if not path.endswith(".json") else [json.load(f)]
        for doc in docs:
            # An empty YAML file is an empty config.
            doc = {} if doc is None else doc
            errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
            for e in errors:
                where = "/".join(str(p) for p in e.absolute_path) or "<root>"
                print(f"{path}: at {where}: {e.message}")
                status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
