#!/usr/bin/python3
"""Checks a running vdc serve against specs/openapi.yaml: every operation of
the document is called (as an operator, a viewer, a stranger and with no
token), each answer's status must be one the document gives for it, and its
body must match that answer's schema; a route the document does not have
answers 404. Usage: check_openapi.py VDC SOURCE_DIR"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

import jsonschema
import yaml

vdc, source = sys.argv[1], sys.argv[2]
specs = os.path.join(source, "specs")
document = yaml.safe_load(open(os.path.join(specs, "openapi.yaml")))
if not str(document.get("openapi", "")).startswith("3.1"):
    sys.exit("specs/openapi.yaml is not an OpenAPI 3.1 document")

# Relative references (./plan.schema.json) are the schemas beside it.
base = "file://" + os.path.join(specs, "openapi.yaml")
store = {}
for name in os.listdir(specs):
    if name.endswith(".schema.json"):
        schema = json.load(open(os.path.join(specs, name)))
        # By file beside the document, and by its own $id, which its inner references resolve against.
        store["file://" + os.path.join(specs, name)] = store[schema["$id"]] = schema
resolver = jsonschema.RefResolver(base, document, store=store)


def resolved(node):
    while isinstance(node, dict) and "$ref" in node:
        node = resolver.resolve(node["$ref"])[1]
    return node


def check(method, path, template, status, content_type, body):
    operation = document["paths"][template][method]
    responses = operation["responses"]
    if str(status) not in responses:
        sys.exit(f"{method.upper()} {path} answered {status}, which specs/openapi.yaml does not give for it:\n{body}")
    response = resolved(responses[str(status)])
    media = content_type.split(";")[0].strip()
    if media not in response.get("content", {}):
        sys.exit(f"{method.upper()} {path} answered {status} as {media}, not as the document says")
    if media.endswith("json"):
        schema = response["content"][media]["schema"]
        try:
            jsonschema.Draft202012Validator(schema, resolver=resolver).validate(json.loads(body))
        except jsonschema.ValidationError as error:
            sys.exit(f"{method.upper()} {path} ({status}): {error.message}\n{body[:2000]}")


def call(method, path, token=None, timeout=30, data=b""):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method.upper(),
                                     data=data if method == "post" else None)
    if token:
        request.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.headers.get("Content-Type", ""), answer.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read().decode()


def new_token():
    out = subprocess.run([vdc, "serve", "--new-token"], check=True, capture_output=True, text=True).stdout
    return out.split("token:")[1].split()[0], out.split("sha256:")[1].split()[0]


with tempfile.TemporaryDirectory() as scratch:
    (operator, operator_hash), (viewer, viewer_hash), (stranger, stranger_hash) = new_token(), new_token(), new_token()
    with open(os.path.join(scratch, "tokens.yaml"), "w") as out:
        yaml.safe_dump({"apiVersion": "vdc/v1", "kind": "ServeTokens", "tokens": [
            {"name": "otto", "sha256": operator_hash, "roles": {"*": "operator"}},
            {"name": "vera", "sha256": viewer_hash, "roles": {"webshop": "viewer"}},
            {"name": "sam", "sha256": stranger_hash, "roles": {"other": "viewer"}}]}, out)
    with open(os.path.join(scratch, "serve.yaml"), "w") as out:
        yaml.safe_dump({"apiVersion": "vdc/v1", "kind": "ServeConfig", "spec": {
            "listen": "127.0.0.1:0", "tokens": "tokens.yaml",
            "vdcs": [{"name": "webshop", "directory": os.path.join(source, "examples", "webshop")}]}}, out)
    log = open(os.path.join(scratch, "serve.log"), "w+")
    server = subprocess.Popen([vdc, "serve", "--config", "serve.yaml"], cwd=scratch, stdout=log, stderr=log)
    try:
        port = None
        for _ in range(300):
            log.seek(0)
            found = re.search(r"serving \d+ VDCs on http://127\.0\.0\.1:(\d+)", log.read())
            if found:
                port = int(found.group(1))
                break
            time.sleep(0.1)
        if port is None:
            log.seek(0)
            sys.exit("vdc serve did not start:\n" + log.read())
        for _ in range(300):
            status, _, body = call("get", "/api/v1/vdcs/webshop", operator)
            if status == 200 and (json.loads(body)["status"] or {}).get("appliedRevision"):
                break
            time.sleep(0.1)
        else:
            sys.exit("the example was never applied")

        calls = 0
        for template, item in document["paths"].items():
            for method in ("get", "post"):
                if method not in item:
                    continue
                path = template.replace("{name}", "webshop").replace("{id}", "0123456789abcdef")
                if template == "/api/v1/events":
                    # The stream answers at once with its headers; read them only.
                    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}",
                                                     headers={"Authorization": "Bearer " + viewer})
                    with urllib.request.urlopen(request, timeout=30) as answer:
                        check(method, path, template, answer.status, answer.headers["Content-Type"], "")
                    status, kind, body = call(method, path)
                    check(method, path, template, status, kind, body)
                    calls += 2
                    continue
                for token in (operator, viewer, stranger, None):
                    status, kind, body = call(method, path, token)
                    check(method, path, template, status, kind, body)
                    calls += 1
                if "{name}" in template:
                    status, kind, body = call(method, template.replace("{name}", "nowhere"), operator)
                    check(method, path, template, status, kind, body)
                    calls += 1
        # What the calls above leave out: queries and bodies, good and bad.
        revision = json.loads(call("get", "/api/v1/vdcs/webshop", operator)[2])["status"]["appliedRevision"]
        for template, path, data in [
                ("/api/v1/vdcs/{name}/graph", "/api/v1/vdcs/webshop/graph?format=svg", None),
                ("/api/v1/vdcs/{name}/graph", "/api/v1/vdcs/webshop/graph?format=png", None),
                ("/api/v1/vdcs/{name}/plans", "/api/v1/vdcs/webshop/plans", json.dumps({"revision": revision})),
                ("/api/v1/vdcs/{name}/plans", "/api/v1/vdcs/webshop/plans", json.dumps({"revision": "f" * 40})),
                ("/api/v1/vdcs/{name}/plans", "/api/v1/vdcs/webshop/plans", json.dumps({"revision": "main"})),
                ("/api/v1/vdcs/{name}/plans", "/api/v1/vdcs/webshop/plans", "[]")]:
            method = "post" if data is not None else "get"
            status, kind, body = call(method, path, operator, data=(data or "").encode())
            check(method, path, template, status, kind, body)
            calls += 1
        # A route the document does not have is not there.
        status, kind, body = call("get", "/api/v1/undocumented", operator)
        if status != 404:
            sys.exit(f"an undocumented route answered {status}")
        print(f"{calls} calls to vdc serve match specs/openapi.yaml")
    finally:
        server.terminate()
        server.wait(timeout=60)
