"""``retouch models``: every model file's weights record and whether it is installed.

retouch models                 # name, status, sha256, file, source; licence
retouch models --json          # the records as JSON, each with its status and path
retouch models --check         # exit 1 when a file is missing or its sha256 differs
retouch models build hed       # make a model file that is converted here (HED's ONNX)
"""

from __future__ import annotations

import argparse
import importlib
import json
import os

from retouch.core.weights import (
    MODEL_DIR_ENV,
    file_sha256,
    find_weights,
    list_weights,
    record_beside,
    status,
)

# Model files made on this machine from a package's weights: name -> "module:function"
# (the function takes no argument and returns the path it wrote).
BUILDERS = {"hed": "retouch.lineart.hed_build:build_hed"}


def add_parser(sub) -> None:
    p = sub.add_parser(
        "models",
        help="list every model file (weights record) with its status",
        description="Every model file retouch uses: installed, missing or sha256 mismatch. "
        f"${MODEL_DIR_ENV} names a folder searched first (files by name).",
    )
    p.add_argument("--json", action="store_true", help="print the records as JSON")
    p.add_argument(
        "--check", action="store_true", help="exit 1 if any file is missing or mismatched"
    )
    p.add_argument("action", nargs="?", choices=("build",), help="build: make a model file")
    p.add_argument("name", nargs="?", choices=sorted(BUILDERS), help="the model file to build")


def _rows() -> list[dict]:
    """One dict per record: the record a found file is checked against (its own record
    beside it, or the registered one), its status, where it was found and its sha256."""
    rows = []
    for record in list_weights():
        path = find_weights(record.name)
        if path is not None:
            record = record_beside(path, record) or record
        row = {**record.to_dict(), "status": status(record.name)}
        row["path"] = str(path) if path else None
        row["found_sha256"] = file_sha256(path) if path else None
        rows.append(row)
    return rows


def _print_table(rows: list[dict]) -> None:
    folder = os.environ.get(MODEL_DIR_ENV)
    print(f"${MODEL_DIR_ENV}: {folder or '(not set)'}")
    width = max(len(r["name"]) for r in rows)
    print(f"{'NAME':<{width}}  {'STATUS':<15}  {'SHA256':<12}  {'FILE':<40}  SOURCE; LICENCE")
    for r in rows:
        print(
            f"{r['name']:<{width}}  {r['status']:<15}  {r['sha256'][:12]}  {r['file']:<40}  "
            f"{r['source']}; {r['licence']}"
        )
        if r["status"] != "installed":
            where = f" ({r['path']}: sha256 {r['found_sha256'][:12]})" if r["path"] else ""
            print(f"{'':<{width}}  -> provide it with: {r['command']}{where}")


def build(name: str | None) -> int:
    """Make model file ``name`` (see BUILDERS) and print where it went."""
    if name is None:
        raise SystemExit(f"retouch models build: name one of: {', '.join(sorted(BUILDERS))}")
    module, function = BUILDERS[name].split(":")
    path = getattr(importlib.import_module(module), function)()
    print(f"{name}: wrote {path} and its record {path.with_suffix('.json')}")
    return 0


def run(args: argparse.Namespace) -> int:
    if getattr(args, "action", None) == "build":
        return build(args.name)
    rows = _rows()
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        _print_table(rows)
    bad = [r["name"] for r in rows if r["status"] != "installed"]
    return 1 if args.check and bad else 0
