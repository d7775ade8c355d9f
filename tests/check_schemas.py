#!/usr/bin/python3
"""Checks every example against specs/manifest.schema.json, and the --json
output of plan and show against their schemas. Usage: check_schemas.py VDC SOURCE_DIR"""
import glob
import json
import os
import subprocess
import sys
import tarfile
import tempfile

import jsonschema
import yaml

vdc, source = sys.argv[1], sys.argv[2]
schemas = {name: json.load(open(os.path.join(source, "specs", name + ".schema.json")))
           for name in ("manifest", "plan", "show", "bundle-descriptor")}
for schema in schemas.values():
    jsonschema.Draft7Validator.check_schema(schema)

checked = 0
for path in sorted(glob.glob(os.path.join(source, "examples", "**", "*.y*ml"), recursive=True)):
    if "/targets/" in path:
        continue
    for document in yaml.safe_load_all(open(path)):
        if document is None:
            continue
        try:
            jsonschema.validate(document, schemas["manifest"])
        except jsonschema.ValidationError as error:
            sys.exit(f"{path}: {document.get('kind')}/{document.get('metadata', {}).get('name')}: {error.message}")
        checked += 1
if checked == 0:
    sys.exit("no example documents found")

# A manifest the schema must refuse, so the check above can fail at all.
bad = {"apiVersion": "vdc/v1", "kind": "Instance", "metadata": {"name": "x"}, "spec": {"cpu": 2}}
try:
    jsonschema.validate(bad, schemas["manifest"])
    sys.exit("the manifest schema accepted an unknown field")
except jsonschema.ValidationError:
    pass

with tempfile.TemporaryDirectory() as scratch:
    example = os.path.join(source, "examples", "webshop")
    def run(*args):
        return subprocess.run([vdc, *args], cwd=scratch, check=True, capture_output=True, text=True).stdout
    jsonschema.validate(json.loads(run("plan", example, "--json")), schemas["plan"])
    run("apply", example, "--auto-approve")
    jsonschema.validate(json.loads(run("show", example, "--json")), schemas["show"])
    bundle = os.path.join(scratch, "shop.vdcb")
    run("export", example, "-o", bundle)
    with tarfile.open(bundle) as archive:
        jsonschema.validate(json.load(archive.extractfile("vdc-bundle.json")), schemas["bundle-descriptor"])
    run("destroy", example, "--auto-approve")
    jsonschema.validate(json.loads(run("plan", example, "--json", "--destroy")), schemas["plan"])
    # On two hosts, specs carry where things are placed.
    racks = os.path.join(scratch, "racks.yaml")
    with open(racks, "w") as target:
        target.write("apiVersion: vdc/v1\nkind: Target\nmetadata: {name: racks}\nspec:\n  hosts:\n"
                     "    - {name: a, embedded: {path: a.xml}}\n    - {name: b, embedded: {path: b.xml}}\n")
    jsonschema.validate(json.loads(run("plan", example, "--json", "--target", racks)), schemas["plan"])
    run("apply", example, "--auto-approve", "--target", racks)
    jsonschema.validate(json.loads(run("show", example, "--json", "--target", racks)), schemas["show"])

print(f"{checked} example documents, the plan/show JSON and a bundle descriptor match specs/")
