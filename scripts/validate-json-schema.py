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


def sibling_schemas(schema_path):
    """The other *.json schemas next to SCHEMA, by their $id, so that a schema can $ref them
    (rule-tests.schema.json refers to event.schema.json)."""
    import glob
    import os
    found = {}
    for path in glob.glob(os.path.join(os.path.dirname(os.path.abspath(schema_path)), "*.json")):
        with open(path, encoding="utf-8") as f:
            try:
                s = json.load(f)
            except ValueError:
                continue
        if isinstance(s, dict) and "$id" in s:
            found[s["$id"]] = s
    return found


def make_validator(jsonschema, cls, schema, schema_path):
    others = sibling_schemas(schema_path)
    try:  # jsonschema >= 4.18 resolves references through the `referencing` library
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012
        registry = Registry().with_resources(
            (uri, Resource.from_contents(s, default_specification=DRAFT202012))
            for uri, s in others.items())
        return cls(schema, registry=registry)
    except ImportError:  # older jsonschema (Debian 12 has 4.10): RefResolver with a store
        resolver = jsonschema.RefResolver.from_schema(schema, store=others)
        return cls(schema, resolver=resolver)


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
    validator = make_validator(jsonschema, cls, schema, argv[1])
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
