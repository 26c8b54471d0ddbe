"""The conformance test: every PyTorch name fastnn lists as covered
(fastnn/torch_coverage.py) exists, and where PyTorch is installed and its
object has a Python signature, fastnn's takes the same parameters with the
same defaults (less the documented IGNORED_PARAMETERS)."""
import importlib
import inspect
import os

import pytest

import fastnn
from fastnn import torch_coverage as cov

try:
    import torch
except ImportError:
    torch = None

NAMES = cov.covered()


def _resolve(module, name):
    """module.name, where module may end in .Tensor (the class)."""
    if module.endswith(".Tensor"):
        obj = importlib.import_module(module[:-len(".Tensor")]).Tensor
    else:
        obj = importlib.import_module(module)
    return getattr(obj, name, None)


@pytest.mark.parametrize("tmod,fmod,name", NAMES, ids=[f"{t}.{n}" for t, _, n in NAMES])
def test_covered_name_exists(tmod, fmod, name):
    assert _resolve(fmod, name) is not None, f"{fmod}.{name} is missing"


def _signature(obj):
    try:
        target = obj.__init__ if inspect.isclass(obj) else obj
        return inspect.signature(target)
    except (TypeError, ValueError):
        return None


def _problems(tmod, fmod, name):
    """What differs between PyTorch's parameters and fastnn's for one name
    (None when there is nothing to compare: a builtin without a Python
    signature, a dtype, a property, or a name whose parameters differ by
    design)."""
    if tmod in cov.SIGNATURE_DIFFERS or f"{tmod}.{name}" in cov.SIGNATURE_DIFFERS:
        return None
    theirs, ours = _resolve(tmod, name), _resolve(fmod, name)
    ts, fs = (_signature(theirs) if theirs is not None else None), _signature(ours)
    if ts is None or fs is None or isinstance(ours, type(fastnn.float32)):
        return None
    mine, problems = fs.parameters, []
    for p in ts.parameters.values():
        if p.name == "self" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        if p.name in cov.IGNORED_PARAMETERS:
            continue
        if p.name not in mine:
            problems.append(f"missing parameter {p.name}")
            continue
        if (tmod, name, p.name) in cov.SAME_MEANING_DEFAULTS:
            continue
        d = mine[p.name].default
        if p.default is not inspect.Parameter.empty and d != p.default:
            problems.append(f"{p.name}: default {d!r}, PyTorch's {p.default!r}")
    return problems


MODULES = sorted({t for t, _, _ in NAMES})


@pytest.mark.skipif(torch is None, reason="PyTorch is not installed: nothing to compare with")
@pytest.mark.parametrize("tmod", MODULES)
def test_covered_names_take_pytorchs_parameters(tmod):
    """Every covered name of the module whose PyTorch object has a Python
    signature takes its parameters with its defaults."""
    compared, problems = 0, []
    for t, fmod, name in NAMES:
        if t != tmod:
            continue
        found = _problems(t, fmod, name)
        if found is None:
            continue
        compared += 1
        problems += [f"{fmod}.{name}: {p}" for p in found]
    assert not problems, "; ".join(problems)
    by_design = all(t in cov.SIGNATURE_DIFFERS or f"{t}.{n}" in cov.SIGNATURE_DIFFERS
                    for t, _, n in NAMES if t == tmod)
    assert compared > 0 or by_design, f"{tmod}: no signature was compared"


def test_the_table_in_the_checkout_is_current():
    """TORCH_NAMES.md (top of a source checkout) is the generated table."""
    path = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        "TORCH_NAMES.md")
    if not os.path.exists(path):
        pytest.skip("not a source checkout: TORCH_NAMES.md is not here")
    with open(path, encoding="utf-8") as f:
        assert f.read() == cov.table(), "regenerate: python -m fastnn.torch_coverage > TORCH_NAMES.md"
