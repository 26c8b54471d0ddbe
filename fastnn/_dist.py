"""Which installed distribution provides this fastnn, read from the
packages' own metadata (importlib.metadata): its name, set once in
pyproject.toml (the import package is ``fastnn`` whatever the distribution
is called), its version (``fastnn.__version__``), and the install hints
that name them. Read on first use, not at import: scanning the installed
distributions costs milliseconds.

From a source tree that was built in place and never installed there is no
metadata: the name and version then come from the tree's pyproject.toml.
"""
from __future__ import annotations

import functools
import importlib.metadata as md
import json
import os
import re
from typing import Dict, List, NamedTuple, Optional

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


class Provider(NamedTuple):
    """An installed distribution that holds the ``fastnn`` package."""
    name: str
    version: str


def _top_level(dist: md.Distribution) -> List[str]:
    """The top-level packages a distribution installs: its top_level.txt,
    else (a distribution named like fastnn) the first part of its files."""
    text = dist.read_text("top_level.txt")
    if text:
        return text.split()
    name = (dist.metadata["Name"] or "").lower()
    if "fastnn" not in name:
        return []
    return sorted({f.parts[0] for f in (dist.files or []) if f.parts})


def _is_this_one(dist: md.Distribution) -> bool:
    """Whether `dist` installed the fastnn package that is running: its
    files hold this very __init__.py, or it is an editable install of the
    source folder this package sits in."""
    try:
        here = os.path.realpath(str(dist.locate_file("fastnn/__init__.py")))
        if here == os.path.realpath(os.path.join(_PACKAGE_DIR, "__init__.py")):
            return True
    except (OSError, ValueError):
        pass
    text = dist.read_text("direct_url.json")
    if not text:
        return False
    try:
        url = json.loads(text).get("url", "")
    except ValueError:
        return False
    source = url[len("file://"):] if url.startswith("file://") else ""
    return bool(source) and os.path.realpath(source) == os.path.realpath(
        os.path.dirname(_PACKAGE_DIR))


@functools.lru_cache(maxsize=1)
def providers() -> List[Provider]:
    """Every installed distribution that holds a top-level ``fastnn``
    package, the one this fastnn came from first.

    Returns
    -------
    list of Provider
        (name, version) pairs; empty when none is installed (a source tree
        built in place).
    """
    found: Dict[Provider, bool] = {}      # provider -> it installed this package
    for dist in md.distributions():       # a folder twice on sys.path lists one twice
        try:
            if "fastnn" in _top_level(dist):
                p = Provider(dist.metadata["Name"], dist.version)
                found[p] = found.get(p, False) or _is_this_one(dist)
        except (OSError, ValueError, KeyError):
            continue
    return sorted(found, key=lambda p: not found[p])


@functools.lru_cache(maxsize=1)
def _source_tree() -> Optional[Provider]:
    """Name and version from pyproject.toml beside the package (a source
    tree), or None."""
    path = os.path.join(os.path.dirname(_PACKAGE_DIR), "pyproject.toml")
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    project = text.split("[project]", 1)[-1].split("\n[", 1)[0]
    name = re.search(r'^name\s*=\s*"([^"]+)"', project, re.M)
    version = re.search(r'^version\s*=\s*"([^"]+)"', project, re.M)
    if not name or not version:
        return None
    return Provider(name.group(1), version.group(1))


def this() -> Provider:
    """The distribution this fastnn came from (name and version).

    Returns
    -------
    Provider
        From the installed metadata, else from the source tree's
        pyproject.toml, else ``("fastnn", "0+unknown")``.
    """
    found = providers()
    if found:
        return found[0]
    return _source_tree() or Provider("fastnn", "0+unknown")


def describe() -> str:
    """The distribution this fastnn came from, for ``python -m fastnn info``.

    Returns
    -------
    str
        ``fastnn-cpu 0.1.0``; with ``; the package fastnn is also claimed by
        ...`` when other installed distributions hold one, or ``(a source
        tree, not installed)`` without metadata.
    """
    found = providers()
    this_one = this()
    text = f"{this_one.name} {this_one.version}"
    if not found:
        return text + " (a source tree, not installed)"
    others = [f"{p.name} {p.version}" for p in found[1:]]
    if others:
        text += "; the package fastnn is also claimed by " + ", ".join(others)
    return text


def extra_hint(extra: str) -> str:
    """How to get an optional peer through this distribution's extra, for
    messages: ``the extra "onnx" of fastnn-cpu installs the same``.

    Parameters
    ----------
    extra : str
        The extra's name (pyproject.toml's optional-dependencies).

    Returns
    -------
    str
    """
    return f'the extra "{extra}" of {this().name} installs the same'
