#!/usr/bin/env python3
"""The layers of vdc, checked against their one statement: the table in
docs/architecture.md ("Libraries and their layers").

Fails, listing every problem, when
- a file includes a header of a layer its own may not use, or a source
  folder belongs to no layer (the most specific folder a file is in
  decides its layer);
- a file includes a library's header its layer does not list, or a C
  library's header reaches another layer through a header of this one;
- a CMake library links a layer it may not use, or does not link (at all,
  or through what it links) a layer whose headers it includes;
- the table has a cycle, names a layer it does not have, or a library this
  file cannot recognize.

A test file (NAME_test.cc, a header of test helpers, anything in tests/)
may also include tests/ helpers, GoogleTest and cpp-httplib.

usage: layering_test.py PROJECT_DIR
"""
import pathlib
import re
import sys

# How each library the table may name is recognized in an #include <...>.
LIBRARIES = {
    "libvirt": ("libvirt/",),
    "libxml2": ("libxml/",),
    "libgit2": ("git2.h", "git2/"),
    "libarchive": ("archive.h", "archive_entry.h"),
    "libcurl": ("curl/",),
    "graphviz": ("gvc.h", "cgraph.h"),
    "openssl": ("openssl/",),
    "yaml-cpp": ("yaml-cpp/",),
    "nlohmann-json": ("nlohmann/",),
    "boost": ("boost/",),
    "spdlog": ("spdlog/",),
    "cli11": ("CLI/",),
    "cpp-httplib": ("httplib.h",),
    "googletest": ("gtest/", "gmock/"),
}
# Libraries of C handles: their headers stay in the layers that list them.
C_LIBRARIES = {"libvirt", "libxml2", "libgit2", "libarchive", "libcurl", "graphviz", "openssl"}
TEST_LIBRARIES = {"googletest", "cpp-httplib"}

LOCAL = re.compile(r'^\s*#\s*include\s+"([^"]+)"')
SYSTEM = re.compile(r'^\s*#\s*include\s+<([^>]+)>')
TABLE_MARK = "<!-- layers: read by tests/layering_test.py -->"


class Layers:
    """The table: each layer's folder, CMake library, what it may use and which libraries."""

    def __init__(self, doc):
        self.uses, self.libraries, self.target = {}, {}, {}
        self.problems = []
        lines = doc.read_text().splitlines()
        if TABLE_MARK not in lines:
            self.problems.append(f"{doc}: no table of layers after '{TABLE_MARK}'")
            return
        start = lines.index(TABLE_MARK) + 3  # the mark, the header, the rule
        for number, line in enumerate(lines[start:], start + 1):
            if not line.startswith("|"):
                break
            cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
            if len(cells) != 4:
                self.problems.append(f"{doc}:{number}: a row has 4 cells: layer, CMake library, may use, libraries")
                continue
            layer = cells[0].rstrip("/")
            self.uses[layer] = [name.strip() for name in cells[2].split(",") if name.strip()]
            self.libraries[layer] = {name.strip() for name in cells[3].split(",") if name.strip()}
            if cells[1]:
                self.target[cells[1]] = layer
            for library in self.libraries[layer] - LIBRARIES.keys():
                self.problems.append(f"{doc}:{number}: {layer}: no library '{library}' is known "
                                     f"(tests/layering_test.py LIBRARIES)")
        for layer, uses in self.uses.items():
            for used in uses:
                if used not in self.uses:
                    self.problems.append(f"{doc}: {layer} may use {used}, which is not a layer of the table")
        self.problems += [f"{doc}: the layers make a cycle: {' -> '.join(cycle)}" for cycle in self.cycles()]

    def cycles(self):
        found, state = [], {}

        def visit(layer, path):
            state[layer] = "open"
            for used in self.uses.get(layer, []):
                if state.get(used) == "open":
                    found.append(path[path.index(used):] + [used])
                elif used not in state:
                    visit(used, path + [used])
            state[layer] = "done"

        for layer in self.uses:
            if layer not in state:
                visit(layer, [layer])
        return found

    def of(self, path):
        """The most specific layer folder `path` (relative, posix) is in."""
        best = None
        for folder in self.uses:
            if path.startswith(folder + "/") and (best is None or len(folder) > len(best)):
                best = folder
        return best


def library_of(header):
    for library, patterns in LIBRARIES.items():
        if any(header == p or (p.endswith("/") and header.startswith(p)) for p in patterns):
            return library
    return None  # the C++ or C library, or POSIX


def is_test(path):
    name = pathlib.PurePosixPath(path).name
    return name.endswith("_test.cc") or name in ("test_support.h", "test_server.h") or path.startswith("tests/")


def sources(root):
    for file in sorted(root.rglob("*")):
        if file.suffix not in (".cc", ".h") or not file.is_file():
            continue
        path = file.relative_to(root).as_posix()
        if path.startswith("build") or "/." in "/" + path:
            continue
        yield path, file.read_text(errors="replace").splitlines()


def check_includes(root, layers, problems):
    """Local and system includes, file by file; what each non-test layer includes of others."""
    files = dict(sources(root))
    included = {}  # layer -> the layers its product files include
    for path, lines in files.items():
        layer = layers.of(path)
        if layer is None:
            problems.append(f"{path}: in no layer (add its folder to the table in docs/architecture.md)")
            continue
        allowed = [layer] + layers.uses[layer]
        for number, line in enumerate(lines, 1):
            if match := LOCAL.match(line):
                header = match.group(1)
                if "/" not in header or (header.startswith("tests/") and is_test(path)):
                    continue  # a header beside it or generated for it; a test helper
                target = layers.of(header)
                if target is None:
                    problems.append(f"{path}:{number}: includes {header}, which is in no layer")
                elif target not in allowed:
                    problems.append(f"{path}:{number}: {layer} may not include {header} ({target})")
                elif not is_test(path) and target != layer:
                    included.setdefault(layer, set()).add(target)
                    for leaked in c_headers_of(header, files, layers):
                        if leaked not in layers.libraries[layer]:
                            problems.append(f"{path}:{number}: {header} brings {leaked}'s headers into {layer}, "
                                            f"which does not list {leaked}")
            elif match := SYSTEM.match(line):
                library = library_of(match.group(1))
                if library is None or library in layers.libraries[layer]:
                    continue
                if library in TEST_LIBRARIES and is_test(path):
                    continue
                problems.append(f"{path}:{number}: {layer} does not list {library} (<{match.group(1)}>)")
    return included


def c_headers_of(header, files, layers, seen=None):
    """The C libraries whose headers `header` includes, itself or through headers of its own layer."""
    seen = set() if seen is None else seen
    if header in seen or header not in files:
        return set()
    seen.add(header)
    layer, found = layers.of(header), set()
    for line in files[header]:
        if match := SYSTEM.match(line):
            if (library := library_of(match.group(1))) in C_LIBRARIES:
                found.add(library)
        elif (match := LOCAL.match(line)) and layers.of(match.group(1)) == layer:
            found |= c_headers_of(match.group(1), files, layers, seen)
    return found


def cmake_links(root):
    """Each CMake target made in the tree, with the targets it links."""
    links = {}
    for cmake in root.rglob("CMakeLists.txt"):
        if "build" in cmake.relative_to(root).parts[:1]:
            continue
        text = re.sub(r"#[^\n]*", "", cmake.read_text())
        for made in re.finditer(r"add_(?:library|executable)\(\s*([\w-]+)", text):
            links.setdefault(made.group(1), set())
        for linked in re.finditer(r"target_link_libraries\(\s*([\w-]+)([^)]*)\)", text):
            links.setdefault(linked.group(1), set()).update(linked.group(2).split())
    return links


def check_cmake(root, layers, included, problems):
    links = cmake_links(root)
    for target, layer in layers.target.items():
        if target not in links:
            problems.append(f"docs/architecture.md: {layer}'s library {target} is made by no CMakeLists.txt")
            continue
        direct = {layers.target[t] for t in links[target] if t in layers.target}
        for used in sorted(direct - {layer} - set(layers.uses[layer])):
            problems.append(f"{layer}/CMakeLists.txt: {target} links {used}, which {layer} may not use")
        reached, todo = set(), [target]
        while todo:
            for t in links.get(todo.pop(), ()):
                if t in layers.target and layers.target[t] not in reached:
                    reached.add(layers.target[t])
                    todo.append(t)
        for used in sorted(included.get(layer, set()) - reached):
            problems.append(f"{layer}/CMakeLists.txt: {target} includes headers of {used} but does not link it")


def main(root):
    root = pathlib.Path(root)
    layers = Layers(root / "docs" / "architecture.md")
    problems = list(layers.problems)
    if layers.uses:
        included = check_includes(root, layers, problems)
        check_cmake(root, layers, included, problems)
    for problem in problems:
        print(problem)
    print(f"{len(problems)} layering problems" if problems else
          f"layering: {len(layers.uses)} layers, every include and link goes downwards")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
