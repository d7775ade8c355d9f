#!/usr/bin/env python3
"""The layers of vdc and which may include which (docs/architecture.md).

Every C++ file under a layer's folder may include only headers of the
layers it lists; the most specific folder a file is in decides its layer.
A test file (NAME_test.cc, or a header of test helpers) may also include
tests/ helpers. Fails listing every include that goes the wrong way, and
every source folder no layer claims.

usage: layering_test.py PROJECT_DIR
"""
import pathlib
import re
import sys

# layer folder -> the folders its files may include (its own is implied)
LAYERS = {
    "engine": [],
    "support": ["engine"],
    "providers/libvirt/api": ["engine"],
    "providers/ovs": ["engine", "support"],
    "providers/libvirt": ["engine", "support", "providers/libvirt/api", "providers/ovs"],
    "providers/etcd": ["engine", "support"],
    "providers/targets": ["engine", "providers/libvirt", "providers/libvirt/api", "providers/etcd"],
    "bundle": ["engine", "support"],
    "gitops": ["engine"],
    "operations": ["engine", "bundle", "gitops", "providers/targets", "providers/etcd", "providers/libvirt/api"],
    "serve": ["engine", "bundle", "gitops", "operations"],
    "cli": ["engine", "gitops", "operations", "serve"],
    # Outside the product: anything but the command line.
    "bench": ["engine", "bundle", "providers/libvirt", "providers/libvirt/api", "providers/targets", "providers/etcd",
              "support", "tests"],
    "fuzz": ["engine", "bundle", "providers/libvirt/api", "providers/etcd", "serve"],
    "tests": ["engine", "bundle", "gitops", "operations", "serve", "support", "providers/targets",
              "providers/libvirt", "providers/libvirt/api", "providers/ovs", "providers/etcd"],
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path):
    """The most specific layer folder `path` (relative, posix) is in."""
    best = None
    for folder in LAYERS:
        if path.startswith(folder + "/") and (best is None or len(folder) > len(best)):
            best = folder
    return best


def is_test(path):
    name = pathlib.PurePosixPath(path).name
    return name.endswith("_test.cc") or name in ("test_support.h", "test_server.h") or path.startswith("tests/")


def main(root):
    root = pathlib.Path(root)
    problems = []
    for file in sorted(root.rglob("*")):
        if file.suffix not in (".cc", ".h") or not file.is_file():
            continue
        path = file.relative_to(root).as_posix()
        if path.startswith("build") or "/." in "/" + path:
            continue
        layer = layer_of(path)
        if layer is None:
            problems.append(f"{path}: in no layer (add its folder to tests/layering_test.py)")
            continue
        allowed = [layer] + LAYERS[layer]
        for number, line in enumerate(file.read_text(errors="replace").splitlines(), 1):
            match = INCLUDE.match(line)
            if not match:
                continue
            header = match.group(1)
            if "/" not in header:
                continue  # a header beside it, or a generated one of its own folder
            if header.startswith("tests/") and is_test(path):
                continue
            target = layer_of(header)
            if target is None:
                problems.append(f"{path}:{number}: includes {header}, which is in no layer")
            elif target not in allowed:
                problems.append(f"{path}:{number}: {layer} may not include {header} ({target})")
    for problem in problems:
        print(problem)
    print(f"{len(problems)} layering problems" if problems else "layering: every include goes downwards")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
