#!/usr/bin/env python3
"""The layering check on a small made-up project: each kind of problem it
exists to find is found, and a sound project passes.

usage: layering_check_test.py
"""
import pathlib
import subprocess
import sys
import tempfile

CHECK = pathlib.Path(__file__).with_name("layering_test.py")

TABLE = """# Architecture
<!-- layers: read by tests/layering_test.py -->
| layer | CMake library | may use | libraries |
|---|---|---|---|
| `low/` | `lib_low` | | libvirt |
| `mid/` | `lib_mid` | low | |
| `top/` | `lib_top` | mid, low | spdlog |
"""

SOUND = {
    "docs/architecture.md": TABLE,
    "low/CMakeLists.txt": "add_library(lib_low STATIC handles.cc)\n",
    "low/handles.h": "#pragma once\n#include <unistd.h>\n",
    "low/handles.cc": '#include "low/handles.h"\n#include <libvirt/libvirt.h>\n',
    "mid/CMakeLists.txt": "add_library(lib_mid STATIC mid.cc)\ntarget_link_libraries(lib_mid PUBLIC lib_low)\n",
    "mid/mid.cc": '#include "low/handles.h"\n#include <vector>\n',
    "top/CMakeLists.txt": "add_library(lib_top STATIC top.cc)\ntarget_link_libraries(lib_top PRIVATE lib_mid)\n",
    "top/top.cc": '#include "mid/mid.h"\n#include "low/handles.h"\n#include <spdlog/spdlog.h>\n',
    "top/top_test.cc": '#include <gtest/gtest.h>\n',
}

# Each change to the sound project, and a piece of what the check must say of it.
BROKEN = [
    ("an include upwards", {"low/handles.cc": '#include "mid/mid.h"\n'}, "low may not include mid/mid.h (mid)"),
    ("a folder in no layer", {"stray/x.cc": "\n"}, "stray/x.cc: in no layer"),
    ("a library not listed", {"mid/mid.cc": "#include <spdlog/spdlog.h>\n"}, "mid does not list spdlog"),
    ("a library nobody knows", {"docs/architecture.md": TABLE.replace("| spdlog |", "| leftpad |")},
     "no library 'leftpad' is known"),
    ("a C header leaking through a header", {"low/handles.h": "#pragma once\n#include <libvirt/libvirt.h>\n"},
     "low/handles.h brings libvirt's headers into mid"),
    ("a link to a layer it may not use",
     {"low/CMakeLists.txt": "add_library(lib_low STATIC handles.cc)\ntarget_link_libraries(lib_low PUBLIC lib_mid)\n"},
     "lib_low links mid, which low may not use"),
    ("a layer included but not linked", {"mid/CMakeLists.txt": "add_library(lib_mid STATIC mid.cc)\n"},
     "lib_mid includes headers of low but does not link it"),
    ("a cycle", {"docs/architecture.md": TABLE.replace("| `low/` | `lib_low` | |", "| `low/` | `lib_low` | top |")},
     "the layers make a cycle"),
    ("a layer the table does not have",
     {"docs/architecture.md": TABLE.replace("| mid, low |", "| mid, low, nowhere |")}, "nowhere, which is not a layer"),
]


def run(files):
    with tempfile.TemporaryDirectory() as scratch:
        root = pathlib.Path(scratch)
        for path, text in files.items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(text)
        done = subprocess.run([sys.executable, str(CHECK), str(root)], capture_output=True, text=True)
        return done.returncode, done.stdout


def main():
    failures = []
    code, out = run(SOUND)
    if code != 0:
        failures.append(f"the sound project fails:\n{out}")
    for name, change, expected in BROKEN:
        code, out = run({**SOUND, **change})
        if code == 0 or expected not in out:
            failures.append(f"{name}: expected a failure saying '{expected}', got (exit {code}):\n{out}")
    for failure in failures:
        print(failure)
    print(f"{len(failures)} of {len(BROKEN) + 1} cases wrong" if failures else f"all {len(BROKEN) + 1} cases as expected")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
