"""Every public function and class of fastnn carries a numpy-style docstring
that names its parameters: the API reference (mkdocstrings, numpy style) is
built from these docstrings, so a parameter missing here is missing there.

What is public (and so checked):

- every function and class named in ``__all__`` of the modules in
  ``MODULES`` (``fastnn``, ``fastnn.nn`` and its submodules, ``fastnn.optim``,
  ``fastnn.ops``, ...), wherever it is defined: the compiled kernels that
  ``fastnn.ops`` re-exports from the extension included;
- every function and class such a module re-exports at its top level as
  ``from .x import name as name`` (the package's mark of a public name left
  out of ``__all__``, which type checkers honour too), read from its source;
- every function and class *defined* in one of those modules (its
  ``__module__`` is the module) whose name has no leading underscore, listed
  in ``__all__`` or not;
- the public methods of ``fastnn.Tensor``, ``fastnn.nn.Module`` and
  ``fastnn.optim.Optimizer``: every attribute without a leading underscore
  that the class or one of its fastnn base classes defines as a function
  (plain, static or class method), and the getters of its properties.

Constants, type aliases, submodules and objects defined outside fastnn
(numpy, typing) are not checked, nor are dunder methods: ``__init__`` is
documented by its class's docstring.

What each must have:

- a docstring (its own, not one inherited);
- when its signature has parameters other than ``self``/``cls`` and ``*args``
  / ``**kwargs``: a numpy ``Parameters`` section (the header line, then a
  line of dashes) with an entry for each of them; an entry may name several
  parameters (``a, b : int``), and ``*args`` / ``**kwargs`` may be named too;
- every name the section documents is a parameter of the signature (no
  stale entry for a renamed or removed parameter);
- for a class, the parameters are those of its constructor (``__init__`` or
  ``__new__``) and are documented in the class's own docstring; a class
  whose constructor comes from outside fastnn (an exception class that
  keeps ``OSError``'s) has no parameters of its own to document.

Signatures come from ``inspect.signature``. The extension's functions have
one (Cython 3 binds them: ``binding=True`` is its default) and also carry
it as their docstring's first line (``embedsignature``, set in setup.py);
should a function ever lack the former, that line ``name(a, b=1)`` is
parsed instead. The section parser is here, in a few lines, so that the
test also runs from an installed wheel with only the ``test`` extra.
"""
import ast
import importlib
import importlib.util
import inspect
import re

import pytest

import fastnn

MODULES = [
    "fastnn", "fastnn.nn", "fastnn.nn.functional", "fastnn.nn.init", "fastnn.nn.utils",
    "fastnn.nn.parallel", "fastnn.optim", "fastnn.optim.lr_scheduler", "fastnn.ops",
    "fastnn.data", "fastnn.utils.data", "fastnn.train", "fastnn.datasets", "fastnn.d2l",
    "fastnn.distributed", "fastnn.onnx", "fastnn.serialization", "fastnn.plan",
] + (["fastnn.sklearn"] if importlib.util.find_spec("sklearn") else [])
CLASSES_WITH_METHODS = ["fastnn.Tensor", "fastnn.nn.Module", "fastnn.optim.Optimizer"]

# Genuine exceptions, each with its reason: qualified name -> why it is exempt.
# Empty: every public name passes. An entry must still fail the check
# (test_allow_list_is_current), so that a fixed docstring leaves the list.
ALLOWED = {}

_RULE = re.compile(r"\s*-{3,}\s*$")
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*$")


def _resolve(dotted):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _is_api(obj):
    """A function or class of fastnn's own (the extension's included)."""
    return ((inspect.isclass(obj) or inspect.isroutine(obj))
            and str(getattr(obj, "__module__", "")).startswith("fastnn"))


def explicit_reexports(module):
    """Names the module imports as ``name as name`` at its top level (its
    source parsed; not under ``if TYPE_CHECKING:``, absent at run time)."""
    try:
        tree = ast.parse(inspect.getsource(module))
    except (OSError, TypeError):
        return []
    return [a.name for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))
            for a in node.names if a.asname == a.name and "." not in a.name]


def public_objects():
    """(qualified name, object) of every public function and class, each
    object once (under the first name it is found by)."""
    found, seen = [], set()

    def add(qualname, obj):
        if id(obj) not in seen:
            seen.add(id(obj))
            found.append((qualname, obj))

    for modname in MODULES:
        module = importlib.import_module(modname)
        names = list(getattr(module, "__all__", [])) + explicit_reexports(module)
        names += sorted(n for n, v in vars(module).items()
                        if not n.startswith("_") and _is_api(v)
                        and getattr(v, "__module__", None) == modname)
        for name in names:
            obj = getattr(module, name)
            if _is_api(obj):
                add(f"{modname}.{name}", obj)
    return found


def public_methods():
    """(qualified name, function) of the public methods of CLASSES_WITH_METHODS
    (with the getters of their properties)."""
    found = []
    for dotted in CLASSES_WITH_METHODS:
        cls = _resolve(dotted)
        for name in sorted(dir(cls)):
            if name.startswith("_"):
                continue
            owner = next(k for k in cls.__mro__ if name in vars(k))
            if not owner.__module__.startswith("fastnn"):
                continue
            raw = vars(owner)[name]
            if isinstance(raw, (staticmethod, classmethod)):
                raw = raw.__func__
            elif isinstance(raw, property):
                raw = raw.fget
            if inspect.isroutine(raw):
                found.append((f"{dotted}.{name}", raw))
    return found


def own_doc(obj):
    """The object's own docstring, cleaned (None if it has none)."""
    doc = vars(obj).get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return inspect.cleandoc(doc) if isinstance(doc, str) and doc.strip() else None


def _names_of_signature_line(line):
    """Parameter names of a signature line ``name(a, b=1, *args, c=2, **kw)``."""
    m = re.match(r"\s*[\w.]+\((.*)\)", line)
    if m is None:
        return None
    parts, depth, current = [], 0, ""
    for ch in m.group(1):                 # split at the commas outside brackets
        depth += ch in "([{" and 1 or ch in ")]}" and -1 or 0
        if ch == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    names = [p.split("=")[0].split(":")[0].strip() for p in parts]
    return [n for n in names if n and n not in ("/", "*")]


def _constructor_outside_fastnn(cls):
    """The class's __init__/__new__ is inherited from a class outside fastnn."""
    owner = next(k for k in cls.__mro__ if "__init__" in vars(k) or "__new__" in vars(k))
    return not owner.__module__.startswith("fastnn")


def parameters(obj):
    """The parameter names to document, and the names a docstring may
    document (those plus ``*args`` / ``**kwargs``); None if unknown."""
    if inspect.isclass(obj) and _constructor_outside_fastnn(obj):
        return [], set()
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        doc = own_doc(obj)
        names = _names_of_signature_line(doc.splitlines()[0]) if doc else None
        if names is None:
            return None
        names = [n for n in names if n not in ("self", "cls")]
        plain = [n for n in names if not n.startswith("*")]
        return plain, {n.lstrip("*") for n in names}
    params = list(sig.parameters.values())
    if params and params[0].name in ("self", "cls") and not inspect.isclass(obj):
        params = params[1:]
    plain = [p.name for p in params
             if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    return plain, {p.name for p in params}


def section(doc, title):
    """The lines of the numpy section `title` (between its dashed rule and the
    next section's header), or None if the docstring has no such section."""
    lines = doc.splitlines()
    for i in range(len(lines) - 1):
        if lines[i].strip() == title and _RULE.match(lines[i + 1]):
            body = []
            for j in range(i + 2, len(lines)):
                if j + 1 < len(lines) and lines[j].strip() and _RULE.match(lines[j + 1]):
                    break
                body.append(lines[j])
            return body
    return None


def documented_names(body):
    """The names the entries of a Parameters section give: an entry is a line
    at the section's own indentation, ``name : type`` or ``a, b : type`` or
    a bare ``name``; the lines indented under it describe it."""
    entries = [line for line in body if line.strip()]
    if not entries:
        return set()
    indent = min(len(line) - len(line.lstrip()) for line in entries)
    names = set()
    for line in entries:
        if len(line) - len(line.lstrip()) != indent:
            continue
        head = re.split(r"\s:(?:\s|$)", line.strip(), maxsplit=1)[0]
        for name in head.split(","):
            name = name.strip().lstrip("*")
            if _IDENT.match(name):
                names.add(name)
    return names


def check(qualname, obj):
    """The problems of one object's docstring, as sentences."""
    doc = own_doc(obj)
    if doc is None:
        return [f"{qualname}: no docstring"]
    params = parameters(obj)
    if params is None:
        return [f"{qualname}: no signature (inspect.signature fails and the docstring's "
                f"first line is not 'name(args)')"]
    required, allowed = params
    body = section(doc, "Parameters")
    if body is None:
        if required:
            return [f"{qualname}: no 'Parameters' section for {', '.join(required)}"]
        return []
    documented = documented_names(body)
    problems = []
    missing = [n for n in required if n not in documented]
    if missing:
        problems.append(f"{qualname}: parameters not documented: {', '.join(missing)}")
    stale = sorted(documented - allowed)
    if stale:
        problems.append(f"{qualname}: documents names that are not parameters: {', '.join(stale)}")
    return problems


API = public_objects() + public_methods()

SAMPLE = """Summary.

    Parameters
    ----------
    x : ndarray (N, C), float32 or float64
        Text : with a colon.
        more text
    a, b : int
    *size : int
    flag

    Returns
    -------
    y : ndarray
"""


def test_section_parser():
    doc = inspect.cleandoc(SAMPLE)
    assert documented_names(section(doc, "Parameters")) == {"x", "a", "b", "size", "flag"}
    assert documented_names(section(doc, "Returns")) == {"y"}
    assert section(doc, "Raises") is None
    assert section("Parameters\n\nx : int", "Parameters") is None     # no dashed line


def test_signature_line_parser():
    assert _names_of_signature_line("f(a, b=1, *args, c=(1, 2), d={'k': 1}, **kw)") == \
        ["a", "b", "*args", "c", "d", "**kw"]
    assert _names_of_signature_line("linear(x, weight, bias=None, out=None)") == \
        ["x", "weight", "bias", "out"]
    assert _names_of_signature_line("g(a, /, b, *, c=2, **kw)") == ["a", "b", "c", "**kw"]
    assert _names_of_signature_line("Summary without a signature.") is None


def test_check_finds_the_gaps():
    """The check itself: a missing, a stale and an undocumented constructor
    parameter are found; *args, **kwargs and self are not asked for."""
    def f(a, b, *args, c=1, **kwargs):
        """Summary.

        Parameters
        ----------
        a, b : int
        d : int
        """

    def g(self, *args, **kwargs):
        """Nothing to document."""

    class K:
        """Summary.

        Parameters
        ----------
        x : int
        """

        def __init__(self, x, y):
            pass

    class L(K):
        pass

    class Error(OSError):
        """Takes OSError's arguments."""

    for cls in (K, L):
        cls.__module__ = "fastnn.example"
    assert check("f", f) == ["f: parameters not documented: c",
                             "f: documents names that are not parameters: d"]
    assert check("g", g) == []
    assert check("K", K) == ["K: parameters not documented: y"]
    assert check("L", L) == ["L: no docstring"]
    assert check("Error", Error) == []
    f.__doc__ = None
    assert check("f", f) == ["f: no docstring"]


@pytest.mark.parametrize("name", fastnn.ops.__all__)
def test_compiled_ops_carry_their_signature(name):
    """The compiled ops have signatures (binding=True) and their docstrings
    start with the same one (embedsignature), the fallback of parameters()."""
    fn = getattr(fastnn.ops, name)
    first = fn.__doc__.lstrip().splitlines()[0]
    assert first.startswith(f"{name}(")
    names = [p.name for p in inspect.signature(fn).parameters.values()]
    assert _names_of_signature_line(first) == names


def test_the_api_is_found():
    """The walk finds what it must: the compiled ops, the classes, the methods."""
    names = {q for q, _ in API}
    for expected in ["fastnn.ops.relu", "fastnn.ops.linear", "fastnn.ops.sum_squares",
                     "fastnn.nn.Linear", "fastnn.optim.SGD", "fastnn.save", "fastnn.load",
                     "fastnn.Tensor.backward", "fastnn.nn.Module.parameters",
                     "fastnn.optim.Optimizer.zero_grad", "fastnn.train.Trainer"]:
        assert expected in names
    assert len(API) > 300


def test_allow_list_is_current():
    """Every allow-listed name is still in the API and still needs the exemption."""
    names = dict(API)
    for qualname in ALLOWED:
        assert qualname in names, f"{qualname} is allow-listed but no longer public"
        assert check(qualname, names[qualname]), f"{qualname} is allow-listed but passes"


@pytest.mark.parametrize("qualname, obj", [a for a in API if a[0] not in ALLOWED],
                         ids=[q for q, _ in API if q not in ALLOWED])
def test_docstring(qualname, obj):
    problems = check(qualname, obj)
    assert not problems, "\n".join(problems)
