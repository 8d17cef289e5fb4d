#!/usr/bin/env python3
"""Writes the TOML and YAML twins of the JSON tenant examples in examples/tenants/.

The JSON files are the source; run this after changing one. A test
(crates/tenantry-cli/tests/documents.rs) checks that every twin reads as the same
document as its JSON file. Key order is kept; TOML dates are written bare (TOML has a
date type), everything else as in the JSON.
"""

import json
import re
import sys
from pathlib import Path

import yaml  # PyYAML (python3-yaml)

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "tenants"
BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def header(document, source, fmt):
    tenant = document["tenant"]
    labels = {"pci_dss": "PCI DSS", "soc2": "SOC 2"}
    regulations = ", ".join(labels.get(r, r.upper()) for r in document["classification"]["regulations"])
    return (
        f"# {tenant['display_name']} ({document['classification']['industry']}, {regulations or 'no regulation'}).\n"
        f"# The same tenant as {source.name}, written in {fmt}.\n"
        f"# Check it: tenantry validate examples/tenants/{source.stem}.{fmt.lower()}\n"
    )


def toml_key(key):
    return key if BARE_KEY.match(key) else json.dumps(key, ensure_ascii=False)


def toml_value(value, key=""):
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return json.dumps(value)
    if isinstance(value, str):
        if key.endswith("_at") and DATETIME.match(value):
            return value
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, dict):
        items = ", ".join(
            f"{toml_key(k)} = {toml_value(v, k)}" for k, v in value.items() if v is not None
        )
        return "{ " + items + " }" if items else "{}"
    raise TypeError(f"cannot write {value!r} as TOML")


def is_table(value):
    return isinstance(value, dict) and value


def is_table_array(value):
    return isinstance(value, list) and value and all(isinstance(item, dict) for item in value)


def toml_table(table, path, lines):
    """Scalars (and inline values) first, then sub-tables, as TOML requires."""
    for key, value in table.items():
        if value is None or is_table(value) or is_table_array(value):
            continue
        lines.append(f"{toml_key(key)} = {toml_value(value, key)}")
    for key, value in table.items():
        child = path + [toml_key(key)]
        if is_table(value):
            lines.append("")
            lines.append(f"[{'.'.join(child)}]")
            toml_table(value, child, lines)
        elif is_table_array(value):
            for item in value:
                lines.append("")
                lines.append(f"[[{'.'.join(child)}]]")
                toml_table(item, child, lines)


def to_toml(document):
    lines = []
    toml_table(document, [], lines)
    return "\n".join(lines).lstrip("\n") + "\n"


def to_yaml(document):
    return yaml.safe_dump(
        document, sort_keys=False, allow_unicode=True, width=1000, default_flow_style=False
    )


def main():
    sources = sorted(EXAMPLES.glob("*.json"))
    if not sources:
        sys.exit(f"no JSON examples in {EXAMPLES}")
    for source in sources:
        document = json.loads(source.read_text(encoding="utf-8"))
        for fmt, render in (("TOML", to_toml), ("YAML", to_yaml)):
            target = source.with_suffix("." + fmt.lower())
            target.write_text(header(document, source, fmt) + "\n" + render(document), encoding="utf-8")
            print(f"wrote {target.relative_to(EXAMPLES.parent.parent)}")


if __name__ == "__main__":
    main()
