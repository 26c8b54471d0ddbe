"""fastnn's Python modules import each other without cycles: every import
statement (at module level or inside a function) is an edge of a graph over
the package's .py modules, and that graph must have no cycle.

Imports inside an ``if TYPE_CHECKING:`` block are not edges: that block is
never executed (it is read by type checkers only), so a type-only import may
name a module that imports this one."""
import ast
import os

import pytest

import fastnn

PKG_DIR = os.path.dirname(fastnn.__file__)


def package_modules():
    """{dotted name: path} of the package's .py modules (from the installed
    files, so the test checks what users get)."""
    mods = {}
    for d, _, files in os.walk(PKG_DIR):
        for f in files:
            if f.endswith(".py"):
                path = os.path.join(d, f)
                parts = os.path.relpath(path, os.path.dirname(PKG_DIR))[:-3].split(os.sep)
                if parts[-1] == "__init__":
                    parts = parts[:-1]
                mods[".".join(parts)] = path
    return mods


def is_extension(dotted):
    """True if `dotted` names a compiled module of the package (fastnn._C)."""
    parts = dotted.split(".")
    folder = os.path.join(os.path.dirname(PKG_DIR), *parts[:-1])
    try:
        names = os.listdir(folder)
    except OSError:
        return False
    return any(f.startswith(parts[-1] + ".") and f.endswith((".so", ".pyd")) for f in names)


def is_type_checking(test):
    """True for the test of an ``if TYPE_CHECKING:`` (or ``typing.TYPE_CHECKING``)."""
    return ((isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or
            (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"))


def executed_nodes(tree):
    """Every node of `tree` except those in the body of an ``if
    TYPE_CHECKING:`` block (its ``else`` branch is executed and kept)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, ast.If) and is_type_checking(node.test):
            stack.append(node.test)
            stack.extend(node.orelse)
        else:
            stack.extend(ast.iter_child_nodes(node))


def imported_modules(name, path, mods):
    """The package modules that `name`'s import statements name. `from P
    import x` is an edge to P.x when that is a module, else to P (x is a name
    in P); extension modules (fastnn._C) are not in the graph. Imports under
    ``if TYPE_CHECKING:`` are left out: they never run."""
    is_pkg = path.endswith("__init__.py")
    here = name.split(".") if is_pkg else name.split(".")[:-1]
    out = set()
    for node in executed_nodes(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in mods)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[:len(here) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for a in node.names:
                sub = f"{target}.{a.name}"
                if sub in mods:
                    out.add(sub)
                elif target in mods and not is_extension(sub):
                    out.add(target)
    out.discard(name)
    return out


def cycles(graph):
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_the_walker_sees_a_cycle():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_type_checking_imports_are_not_edges():
    """An import under ``if TYPE_CHECKING:`` is never executed, so it closes no
    cycle; the imports of its ``else`` branch and outside it still count."""
    tree = ast.parse("import os\n"
                     "from typing import TYPE_CHECKING\n"
                     "import typing\n"
                     "if TYPE_CHECKING:\n"
                     "    import json\n"
                     "else:\n"
                     "    import csv\n"
                     "if typing.TYPE_CHECKING:\n"
                     "    import abc\n"
                     "def f():\n"
                     "    import re\n")
    names = {a.name for n in executed_nodes(tree) if isinstance(n, ast.Import) for a in n.names}
    assert names == {"os", "typing", "csv", "re"}


def test_the_graph_has_the_known_edges():
    mods = package_modules()
    assert {"fastnn.tensor", "fastnn.tensor_ops", "fastnn.autograd", "fastnn.nn.layers"} <= set(mods)
    graph = {m: imported_modules(m, p, mods) for m, p in mods.items()}
    assert "fastnn.tensor_ops" in graph["fastnn.tensor"]
    assert "fastnn.nn.functional" in graph["fastnn.nn.layers"]


def test_no_import_cycle():
    mods = package_modules()
    graph = {m: imported_modules(m, p, mods) for m, p in mods.items()}
    found = cycles(graph)
    assert not found, f"import cycles among fastnn's modules: {found}"


@pytest.mark.parametrize("module", ["fastnn.autograd"])
def test_autograd_imports_nothing_of_fastnn(module):
    mods = package_modules()
    assert imported_modules(module, mods[module], mods) == set()
