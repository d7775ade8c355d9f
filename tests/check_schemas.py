#!/usr/bin/python3
"""Checks every example against specs/manifest.schema.json, the --json
output of plan and show, a bundle's descriptor and vdc watch's status file
against their schemas. Usage: check_schemas.py VDC SOURCE_DIR"""
import glob
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

import jsonschema
import yaml

vdc, source = sys.argv[1], sys.argv[2]
schemas = {name: json.load(open(os.path.join(source, "specs", name + ".schema.json")))
           for name in ("manifest", "plan", "show", "bundle-descriptor", "watch-status", "serve-config",
                        "serve-tokens")}
for schema in schemas.values():
    jsonschema.Draft7Validator.check_schema(schema)

checked = 0
for path in sorted(glob.glob(os.path.join(source, "examples", "**", "*.y*ml"), recursive=True)):
    if "/targets/" in path or "/serve/" in path:
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
    partial = json.loads(run("plan", example, "--json", "--only", "Instance/web", "--exclude", "Network/backend"))
    jsonschema.validate(partial, schemas["plan"])
    assert partial["filter"]["leftOut"], "a partial plan lists what it left out"
    run("apply", example, "--auto-approve")
    jsonschema.validate(json.loads(run("show", example, "--json")), schemas["show"])
    # Renamed in a copy of its manifests: a plan of renames (vdc/renamed-from).
    renamed = os.path.join(scratch, "renamed")
    shutil.copytree(example, renamed)
    for name, old, new in (("instances.yaml", "  name: db\n", "  name: database\n  annotations: {vdc/renamed-from: db}\n"),
                           ("instances.yaml", "- volume: db-data", "- volume: data"),
                           ("storage.yaml", "  name: db-data\n", "  name: data\n  annotations: {vdc/renamed-from: db-data}\n")):
        path = os.path.join(renamed, name)
        with open(path) as f:
            text = f.read()
        assert old in text, old
        with open(path, "w") as f:
            f.write(text.replace(old, new, 1))
    renames = json.loads(run("plan", renamed, "--json"))
    jsonschema.validate(renames, schemas["plan"])
    assert renames["summary"]["rename"] == 2, renames["summary"]
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

    # vdc watch on the example repository layout, and on a remote that is not there.
    repository = os.path.join(scratch, "repository")
    shutil.copytree(os.path.join(source, "examples", "gitops"), repository)
    git = ["git", "-c", "user.name=vdc", "-c", "user.email=vdc@example.org"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "intranet"]):
        subprocess.run(git + args, cwd=repository, check=True)
    laptop = os.path.join(repository, "targets", "laptop.yaml")
    run("watch", repository, "--path", "vdc", "--target", laptop, "--once", "--status-file", "watch.json")
    status = json.load(open(os.path.join(scratch, "watch.json")))
    jsonschema.validate(status, schemas["watch-status"])
    if status["appliedRevision"] is None or status["lastPlan"]["summary"]["create"] == 0:
        sys.exit(f"vdc watch did not apply examples/gitops: {status}")
    failed = subprocess.run([vdc, "watch", os.path.join(scratch, "nowhere"), "--once", "--status-file", "failed.json"],
                            cwd=scratch, capture_output=True, text=True)
    if failed.returncode != 1:
        sys.exit(f"vdc watch of a missing repository exited {failed.returncode}")
    jsonschema.validate(json.load(open(os.path.join(scratch, "failed.json"))), schemas["watch-status"])

    # vdc serve: the example configuration, and a tokens file made from --new-token, read by vdc and the schemas.
    serve_config = os.path.join(source, "examples", "serve", "serve.yaml")
    jsonschema.validate(yaml.safe_load(open(serve_config)), schemas["serve-config"])
    run("serve", "--config", serve_config, "--check")
    new_token = run("serve", "--new-token")
    sha256 = new_token.split("sha256: ")[1].split()[0]
    tokens = {"apiVersion": "vdc/v1", "kind": "ServeTokens",
              "tokens": [{"name": "ci", "sha256": sha256, "roles": {"*": "viewer", "webshop": "operator"}}]}
    jsonschema.validate(tokens, schemas["serve-tokens"])
    with open(os.path.join(scratch, "tokens.yaml"), "w") as out:
        yaml.safe_dump(tokens, out)
    with open(os.path.join(scratch, "serve.yaml"), "w") as out:
        yaml.safe_dump({"apiVersion": "vdc/v1", "kind": "ServeConfig",
                        "spec": {"tokens": "tokens.yaml", "vdcs": [{"name": "shop", "directory": example}]}}, out)
    jsonschema.validate(yaml.safe_load(open(os.path.join(scratch, "serve.yaml"))), schemas["serve-config"])
    run("serve", "--config", os.path.join(scratch, "serve.yaml"), "--check")

print(f"{checked} example documents, the plan/show JSON, a bundle descriptor, watch statuses and the serve "
      "configuration match specs/")
