"""Property-based fuzzing (hypothesis) of every public fastnn.ops function and
of the main nn / optim / Tensor entry points.

Two kinds of property:

* VALID calls: random shapes (1x1, odd sizes, sizes around the SIMD widths and
  the GEMM blocks, zero-size), float32 and float64, random memory layouts
  (C, Fortran, strided, padded rows, permuted axes, negative strides,
  read-only), both SIMD paths and 1 or 2 threads, agree with a float64 numpy
  reference within dtype-appropriate bounds.
* MUTATED calls: one argument of a valid call replaced by something odd or
  wrong (dtype, rank, shape, None, Python lists and scalars, NaN/Inf,
  read-only / overlapping / non-contiguous out=, misaligned data, stride-0
  views of 2**40 elements, huge Python ints, labels out of range, ...); each
  example makes one such call per argument, the mutation drawn uniformly
  from the tables below. Each must EITHER raise TypeError / ValueError /
  MemoryError whose message names the argument, OR return the right answer.
  Never a crash; never OverflowError or any other exception type (IndexError
  too for Tensor dims, as PyTorch raises it for a dim out of range).

A "model" per function states the documented contract: it raises Invalid for
a call the docs rule out and otherwise returns the float64 reference. A call
the model rejects must be rejected; a call it accepts may be rejected (with a
message naming the argument) or must return the reference.

Profiles: FASTNN_FUZZ_EXAMPLES examples per test (default 30, a short run of
the default suite). CI sets FASTNN_FUZZ_EXAMPLES=600 (well over 10,000 fuzzed
calls); every test here is then marked `slow`. Calls are counted per function
and reported by the last test (visible without -s). Runs are reproducible
(derandomize=True) and write no example database (database=None).
Inputs with more than 32 dimensions run in a child interpreter
(test_high_ndim_in_subprocess), so that a crash fails that test instead of
killing the session.
"""
import collections
import contextlib
import math
import numbers
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir

import fastnn
from fastnn import _C, nn, ops, optim

from conftest import (ATOL_ACT, RTOL, SIMD_PATHS, act_grad_from_output, act_grad_scale, act_ref,
                      optim_reference)

DEFAULT_EXAMPLES = 30
EXAMPLES = max(1, int(os.environ.get("FASTNN_FUZZ_EXAMPLES", DEFAULT_EXAMPLES)))
if EXAMPLES > DEFAULT_EXAMPLES:
    pytestmark = pytest.mark.slow      # the long profile

# hypothesis caches what it reads from the source in <cwd>/.hypothesis even
# without a database: keep that out of the checkout
if not os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY"):
    set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "fastnn-fuzz-hypothesis"))

# no example database (no .hypothesis folder), the same examples every run, the
# first failure only (shrunk; the others are found again once it is fixed)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                suppress_health_check=list(HealthCheck), print_blob=False, report_multiple_bugs=False,
                phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink))

F32, F64 = np.dtype(np.float32), np.dtype(np.float64)
FLOATS = (F32, F64)
ULPS = 16
CHECK_LIMIT = 1 << 24          # operands bigger than this are not checked against numpy

# ============================================================================
# Calling, counting, judging
# ============================================================================

CALLS = collections.Counter()                  # fuzzed calls per function
ACCEPTED = (TypeError, ValueError, MemoryError)
_TRACE = {"file": None}                        # the child of test_high_ndim logs each call


def _fn_name(fn):
    return getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or type(fn).__name__


def _describe(v):
    if isinstance(v, np.ndarray):
        return (f"ndarray(shape={v.shape}, dtype={v.dtype}, strides={v.strides}, "
                f"aligned={v.flags.aligned}, writeable={v.flags.writeable})")
    if isinstance(v, fastnn.Tensor):
        return f"Tensor({_describe(v._data)})"
    r = repr(v)
    return r if len(r) < 80 else r[:77] + "..."


def _trace(fn, args, kw):
    f = _TRACE["file"]
    if f is None:
        return
    parts = [_describe(a) for a in args] + [f"{k}={_describe(v)}" for k, v in kw.items()]
    f.seek(0)
    f.write(f"{_fn_name(fn)}({', '.join(parts)})\n")
    f.truncate()
    f.flush()


def fuzzed(fn, *args, **kw):
    """A valid call: counted; any exception fails the test."""
    CALLS[_fn_name(fn)] += 1
    _trace(fn, args, kw)
    return fn(*args, **kw)


def attempt(fn, *args, accepted=ACCEPTED, **kw):
    """A mutated call: (result, None), or (None, exc) for TypeError, ValueError
    or MemoryError. Anything else (OverflowError, IndexError, RuntimeError,
    SystemError, ...) propagates and fails the test."""
    CALLS[_fn_name(fn)] += 1
    _trace(fn, args, kw)
    try:
        return fn(*args, **kw), None
    except accepted as e:
        return None, e


_AFTER = (r"(?:\s\(|\s(?:has|have|must|is|are|and|of|do|does|needs|should|with|holds|overlaps|at|"
          r"differs|expects|was)\b|[=\[\];:,.)'\"`]|$)")


def names_argument(msg, name):
    """`name` appears in `msg` as a word (one-letter names such as `a` or `x`
    must be followed by a verb or punctuation, so that the article "a" in
    "must be a float32 array" does not count)."""
    if len(name) == 1:
        return re.search(rf"(?<![\w.]){re.escape(name)}{_AFTER}", msg) is not None
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", msg) is not None


def assert_named(exc, names, what):
    """An accepted rejection must say which argument is wrong (MemoryError:
    an allocation that cannot succeed, nothing to name)."""
    if isinstance(exc, MemoryError):
        return
    msg = str(exc)
    assert any(names_argument(msg, n) for n in names), (
        f"{what}: {type(exc).__name__}({msg!r}) does not name the argument "
        f"({' or '.join(repr(n) for n in names)})")


class Invalid(Exception):
    """A model's verdict: the documented contract rules this call out."""


class TooBig(Exception):
    """An operand too large for the numpy reference (a stride-0 giant view)."""


def settle(what, got, exc, verdict, names, compare=None, name_required=True):
    """The verdict on one mutated call: `exc` an accepted exception or None,
    `verdict` the model's (None: a valid call; Invalid; TooBig). A rejection
    must name one of `names`; a call the model rules out must be rejected;
    otherwise compare(got) checks the result."""
    if exc is not None:
        if name_required and not isinstance(verdict, TooBig):
            assert_named(exc, names, what)
        return
    if isinstance(verdict, TooBig):
        return      # a giant operand handled without a copy: nothing to compare
    assert verdict is None, (f"{what}: the call breaks the contract ({verdict}) but returned "
                             f"{_describe(got)} instead of raising")
    if compare is not None:
        compare(got)


def judge(fn, model, kw, names, what, name_required=True, values=True):
    """Run one mutated call of fn(**kw): the model decides first (before the
    call, as out= may alias an input), then settle(); a returned result must
    match the model's reference (values=False: only its type, shape and
    dtype, for NaN/Inf data whose propagation has no single right form)."""
    try:
        with np.errstate(all="ignore"):
            exp, verdict = model(**kw), None
    except Invalid as e:
        exp, verdict = None, e
    except (TooBig, MemoryError) as e:
        exp, verdict = None, TooBig(str(e))
    got, exc = attempt(fn, **kw)
    settle(what, got, exc, verdict, names, lambda got: check(got, exp, what, values),
           name_required and not isinstance(verdict, TooBig))


# ============================================================================
# References and comparison
# ============================================================================

class Exp:
    """What a call must return: a float64 reference `value`, an error `bound`
    (array or scalar), the result dtype; `exact` for bit-exact results;
    `pyscalar` for a Python int/float result."""

    def __init__(self, value, bound=0.0, dtype=None, exact=False, pyscalar=None):
        self.value, self.bound, self.dtype = value, bound, dtype
        self.exact, self.pyscalar = exact, pyscalar


def check(got, exp, what="result", values=True):
    if exp is None:
        assert got is None, f"{what}: expected None, got {_describe(got)}"
        return
    if isinstance(exp, tuple):
        assert isinstance(got, tuple) and len(got) == len(exp), \
            f"{what}: expected a tuple of {len(exp)}, got {_describe(got)}"
        for i, (g, e) in enumerate(zip(got, exp)):
            check(g, e, f"{what}[{i}]", values)
        return
    if exp.pyscalar is not None:
        assert type(got) is exp.pyscalar, f"{what}: expected a Python {exp.pyscalar.__name__}, got {type(got)}"
    else:
        assert np.asarray(got).dtype == exp.dtype, \
            f"{what}: dtype {np.asarray(got).dtype}, want {exp.dtype}"
    g = np.asarray(got)
    r = np.asarray(exp.value)
    assert g.shape == r.shape, f"{what}: shape {g.shape}, want {r.shape}"
    if not values:
        return
    if exp.exact:
        np.testing.assert_array_equal(g, r, err_msg=what)
        return
    g64 = g.astype(np.float64)
    with np.errstate(all="ignore"):
        rr = r.astype(exp.dtype or np.float64).astype(np.float64)   # the reference in the result dtype
        err = np.abs(g64 - r)
    bound = np.broadcast_to(np.asarray(exp.bound, np.float64), r.shape)
    nan_g, nan_r = np.isnan(g64), np.isnan(r)
    if not np.array_equal(nan_g, nan_r):
        i = tuple(np.argwhere(nan_g != nan_r)[0])
        raise AssertionError(f"{what}: NaN mismatch at {i}: got {g64[i]!r}, want {r[i]!r} "
                             f"({(nan_g != nan_r).sum()} of {r.size})")
    ok = nan_r | (g64 == rr) | (err <= bound)
    if not ok.all():
        i = tuple(np.argwhere(~ok)[0])
        worst = np.unravel_index(np.argmax(np.where(ok, 0, err - bound)), r.shape)
        raise AssertionError(f"{what}: {(~ok).sum()} of {r.size} elements off; first at {i}: got "
                             f"{g64[i]!r}, want {r[i]!r} (bound {bound[i]:.3g}); worst at {worst}: "
                             f"got {g64[worst]!r}, want {r[worst]!r} (bound {bound[worst]:.3g})")


def eps(dtype):
    return float(np.finfo(dtype).eps)


def tiny(dtype):
    return float(np.finfo(dtype).tiny)


def ulp_bound(dtype, scale):
    """ULPS units of rounding relative to `scale`, plus room for flushed subnormals."""
    return ULPS * eps(dtype) * np.asarray(scale, np.float64) + ULPS * tiny(dtype)


def gemm_bound(dtype, scale, atol=0.0):
    """The GEMM tolerance of conftest: RTOL relative to sum |a||b|."""
    return RTOL[np.dtype(dtype).type] * np.asarray(scale, np.float64) + atol + tiny(dtype)


# ============================================================================
# Contract helpers of the models
# ============================================================================

def m_float(x, name):
    """A float operand: an ndarray or array-like of float32 / float64."""
    if isinstance(x, np.ndarray):
        a = x
    elif x is None or isinstance(x, (str, bytes, dict, set)):
        raise Invalid(f"{name} is a {type(x).__name__}")
    else:
        try:
            a = np.asarray(x)
        except (ValueError, TypeError) as e:
            raise Invalid(f"{name} is not an array: {e}")
    if a.dtype not in FLOATS:
        raise Invalid(f"{name} has dtype {a.dtype}")
    if a.size > CHECK_LIMIT:
        raise TooBig(name)
    return a


def m_same(a, name, ref, ref_name):
    if a.dtype != ref.dtype:
        raise Invalid(f"{name} is {a.dtype} but {ref_name} is {ref.dtype}")


def m_real(v, name, lo=-math.inf, hi=math.inf, lo_open=False, hi_open=False):
    """A finite real number (Python or numpy number, or a 0-d numeric array)."""
    if isinstance(v, np.ndarray) and v.ndim == 0 and v.dtype.kind in "fiu":
        v = v.item()
    if v is None or isinstance(v, (str, bytes, complex, np.complexfloating)) \
            or not isinstance(v, numbers.Real):
        raise Invalid(f"{name} is not a real number: {v!r}")
    try:
        f = float(v)
    except OverflowError:
        raise Invalid(f"{name} does not fit a double: {v!r}")
    if not math.isfinite(f):
        raise Invalid(f"{name} is not finite: {f}")
    if f < lo or f > hi or (lo_open and f == lo) or (hi_open and f == hi):
        raise Invalid(f"{name}={f} is out of range")
    return f


def m_int(v, name, lo=None, hi=None):
    """An int (not bool) in [lo, hi)."""
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
        raise Invalid(f"{name} is not an int: {v!r}")
    if (lo is not None and v < lo) or (hi is not None and v >= hi):
        raise Invalid(f"{name}={v} is out of range")
    return int(v)


def m_choice(v, name, choices):
    if isinstance(v, str) and v in choices:
        return v
    raise Invalid(f"{name}={v!r} is not one of {choices}")


ACT_NAMES = ("identity", "relu", "leaky_relu", "sigmoid", "tanh")


def m_act(v, name):
    if v is None:
        return None
    v = m_choice(v, name, ACT_NAMES)
    return None if v == "identity" else v


def m_index(x, name):
    """Class indices / row indices: an integer array (not bool), int64 range."""
    if x is None or isinstance(x, (str, bytes, dict, set)):
        raise Invalid(f"{name} is a {type(x).__name__}")
    try:
        a = x if isinstance(x, np.ndarray) else np.asarray(x)
    except (ValueError, TypeError) as e:
        raise Invalid(f"{name}: {e}")
    if a.dtype.kind not in "iu":
        raise Invalid(f"{name} has dtype {a.dtype}")
    if a.size > CHECK_LIMIT:
        raise TooBig(name)
    if a.dtype.kind == "u" and a.size and a.max() > np.iinfo(np.int64).max:
        raise Invalid(f"{name} has values beyond int64")
    return a.astype(np.int64)


def same_buffer(a, b):
    return (a.ctypes.data == b.ctypes.data and a.size == b.size
            and a.flags.c_contiguous and b.flags.c_contiguous)


def shares(a, b):
    try:
        return np.shares_memory(a, b, max_work=100_000)
    except np.exceptions.TooHardError:
        return True


def m_out(out, name, shape, dtype, inputs, allow_same=False):
    """An out= buffer: ndarray of that dtype and shape, C-contiguous, writeable,
    sharing no memory with an input (allow_same: it may BE an input)."""
    if out is None:
        return None
    if not isinstance(out, np.ndarray):
        raise Invalid(f"{name} is a {type(out).__name__}")
    if out.dtype != dtype:
        raise Invalid(f"{name} has dtype {out.dtype}, want {dtype}")
    if out.shape != tuple(shape):
        raise Invalid(f"{name} has shape {out.shape}, want {tuple(shape)}")
    if not out.flags.c_contiguous:
        raise Invalid(f"{name} is not C-contiguous")
    if not out.flags.writeable:
        raise Invalid(f"{name} is read-only")
    for a, a_name in inputs:
        if not isinstance(a, np.ndarray) or (allow_same and same_buffer(out, a)):
            continue
        if shares(out, a):
            raise Invalid(f"{name} overlaps {a_name}")
    return out


def f64(a):
    return np.asarray(a, dtype=np.float64)


# ============================================================================
# Data, layouts and strategies
# ============================================================================

LAYOUTS = ("C", "F", "strided", "padded", "permuted", "negative", "offset", "readonly")


def lay(v, layout, rng):
    """A copy of `v` in memory of the given layout (same values)."""
    v = np.asarray(v)
    if v.ndim == 0 or layout == "C":
        return v.copy(order="C")
    if layout == "F":
        return v.copy(order="F")
    if layout == "strided":
        steps = [int(rng.integers(1, 4)) for _ in v.shape]
        big = np.empty([s * k for s, k in zip(v.shape, steps)], v.dtype)
        out = big[tuple(slice(None, None, k) for k in steps)]
    elif layout == "padded":
        pad, start = int(rng.integers(1, 9)), int(rng.integers(0, 3))
        big = np.empty(v.shape[:-1] + (v.shape[-1] + pad + start,), v.dtype)
        out = big[..., start:start + v.shape[-1]]
    elif layout == "permuted":
        perm = rng.permutation(v.ndim)
        return np.ascontiguousarray(v.transpose(perm)).transpose(np.argsort(perm))
    elif layout == "negative":
        return np.flip(np.flip(v).copy())
    elif layout == "offset":
        out = np.empty(v.size + 3, v.dtype)[3:].reshape(v.shape)
    elif layout == "readonly":
        out = v.copy()
        out.flags.writeable = False
        return out
    else:
        raise ValueError(layout)
    out[...] = v
    return out


def misaligned(v):
    """A copy of `v` whose data starts one byte off its dtype's alignment."""
    v = np.asarray(v)
    buf = np.zeros(v.nbytes + 1, np.uint8)
    out = buf[1:].view(v.dtype).reshape(v.shape)
    out[...] = v
    return out


def giant(shape, dtype):
    """A read-only stride-0 view of one element with a huge shape."""
    return np.lib.stride_tricks.as_strided(np.zeros(1, dtype), shape=tuple(shape),
                                           strides=(0,) * len(shape), writeable=False)


def values(rng, shape, dtype, spread=1.0, specials=()):
    """Normal values times `spread`, a few replaced by `specials`."""
    x = rng.standard_normal(shape) * spread
    if specials and x.size:
        k = int(rng.integers(0, min(x.size, 6) + 1))
        idx = rng.choice(x.size, size=k, replace=False)
        x.reshape(-1)[idx] = rng.choice(np.asarray(specials, np.float64), size=k)
    return np.asarray(x, dtype=dtype)


EDGE = (0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33)


def sizes(lo=0, hi=40, big=None):
    """Edge sizes (0, 1, around 8/16/32), small random ones, and sometimes
    sizes that cross the GEMM blocks."""
    options = [st.sampled_from([s for s in EDGE if lo <= s <= hi]), st.integers(lo, hi)]
    if big is not None:
        options.append(st.integers(hi, big))
    return st.one_of(*options)


def shapes(min_dims=0, max_dims=4, lo=0, hi=9):
    return st.lists(sizes(lo, hi), min_size=min_dims, max_size=max_dims).map(tuple)


dtypes = st.sampled_from(FLOATS)
layouts = st.sampled_from(LAYOUTS)
seeds = st.integers(0, 2 ** 32 - 1)
kernels = st.tuples(st.sampled_from(SIMD_PATHS), st.sampled_from([1, 2]))


@contextlib.contextmanager
def kernel_config(cfg):
    """Run on SIMD path cfg[0] with cfg[1] threads, restoring both after."""
    before = (_C.get_simd(), fastnn.get_num_threads())
    _C.set_simd(cfg[0])
    fastnn.set_num_threads(cfg[1])
    try:
        yield
    finally:
        _C.set_simd(before[0])
        fastnn.set_num_threads(before[1])


class Draw:
    """hypothesis' data.draw plus a numpy generator seeded by a drawn seed."""

    def __init__(self, data):
        self.data = data
        self.rng = np.random.default_rng(data.draw(seeds, label="numpy seed"))

    def __call__(self, strategy, label=None):
        return self.data.draw(strategy, label=label)

    def arr(self, shape, dtype, spread=1.0, specials=(), layout=None):
        v = values(self.rng, shape, dtype, spread, specials)
        return lay(v, layout or self(layouts, label="layout"), self.rng)


# ============================================================================
# Mutations
# ============================================================================

def _other(dtype):
    return F32 if np.dtype(dtype) == F64 else F64


def _cast(v, dtype):
    with np.errstate(all="ignore"):
        return np.asarray(v).astype(dtype)


def _poke(v, value):
    """A copy of v with its middle element set to value (in a dtype that holds it)."""
    v = np.array(v, copy=True)
    if v.size:
        try:
            v.reshape(-1)[v.size // 2] = value
        except (OverflowError, ValueError):
            v = v.astype(np.result_type(v.dtype, np.asarray(value).dtype))
            v.reshape(-1)[v.size // 2] = value
    return v


def _grow(v, axis):
    """v with one more (zero) entry along `axis`."""
    v = np.asarray(v)
    if v.ndim == 0:
        return v.reshape(1)
    shape = list(v.shape)
    shape[axis % v.ndim] = 1
    return np.concatenate([v, np.zeros(shape, v.dtype)], axis=axis % v.ndim)


def _giant_like(v, where):
    v = np.asarray(v)
    if v.ndim == 0 or where == "all":
        nd = max(v.ndim, 1)
        return giant((2 ** (56 // nd),) * nd, v.dtype)
    if where == "first":
        return giant((2 ** 40,) + v.shape[1:], v.dtype)
    return giant(v.shape[:-1] + (2 ** 40,), v.dtype)


# mutations of a float array operand: label -> f(v, rng), v an ndarray
ARRAY_MUTATIONS = {
    "int64": lambda v, rng: _cast(v, np.int64),
    "int32": lambda v, rng: _cast(v, np.int32),
    "uint8": lambda v, rng: _cast(np.abs(v), np.uint8),
    "bool": lambda v, rng: _cast(v, np.bool_),
    "float16": lambda v, rng: _cast(v, np.float16),
    "longdouble": lambda v, rng: _cast(v, np.longdouble),
    "complex64": lambda v, rng: _cast(v, np.complex64),
    "complex128": lambda v, rng: _cast(v, np.complex128),
    "object array": lambda v, rng: _cast(v, object),
    "the other float dtype": lambda v, rng: _cast(v, _other(v.dtype)),
    "None": lambda v, rng: None,
    "str": lambda v, rng: "abc",
    "bytes": lambda v, rng: b"\x00" * 8,
    "Python float": lambda v, rng: 1.5,
    "Python int": lambda v, rng: 3,
    "dict": lambda v, rng: {"a": 1.0},
    "nested list": lambda v, rng: v.tolist(),
    "ragged list": lambda v, rng: [[1.0, 2.0], [3.0]],
    "0-d array": lambda v, rng: np.asarray(1.5, v.dtype),
    "extra leading dim": lambda v, rng: v[None],
    "extra trailing dim": lambda v, rng: v[..., None],
    "one dim less": lambda v, rng: v[0] if v.ndim and v.shape[0] else v.reshape(-1),
    "flattened": lambda v, rng: v.reshape(-1),
    "first dim + 1": lambda v, rng: _grow(v, 0),
    "first dim - 1": lambda v, rng: v[:-1] if v.ndim and v.shape[0] else _grow(v, 0),
    "last dim + 1": lambda v, rng: _grow(v, v.ndim - 1),
    "last dim - 1": lambda v, rng: v[..., :-1] if v.ndim and v.shape[-1] else _grow(v, v.ndim - 1),
    "zero rows": lambda v, rng: v[:0] if v.ndim else v.reshape(1)[:0],
    "misaligned": lambda v, rng: misaligned(v),
    "negative strides": lambda v, rng: lay(v, "negative", rng),
    "Fortran order": lambda v, rng: lay(v, "F", rng),
    "read-only": lambda v, rng: lay(v, "readonly", rng),
    "a NaN": lambda v, rng: _poke(v, np.nan),
    "an Inf": lambda v, rng: _poke(v, np.inf),
    "giant stride-0 (first dim)": lambda v, rng: _giant_like(v, "first"),
    "giant stride-0 (last dim)": lambda v, rng: _giant_like(v, "last"),
    "giant stride-0 (all dims)": lambda v, rng: _giant_like(v, "all"),
}

# mutations of an integer index array (class labels, row indices)
INDEX_MUTATIONS = {
    "float64": lambda v, rng: _cast(v, np.float64),
    "float32": lambda v, rng: _cast(v, np.float32),
    "bool": lambda v, rng: _cast(v, np.bool_),
    "object array": lambda v, rng: _cast(v, object),
    "complex": lambda v, rng: _cast(v, np.complex128),
    "None": lambda v, rng: None,
    "str": lambda v, rng: "abc",
    "int32": lambda v, rng: _cast(v, np.int32),
    "uint8": lambda v, rng: _cast(np.clip(v, 0, 255), np.uint8),
    "uint64": lambda v, rng: _cast(v, np.uint64),
    "uint64 beyond int64": lambda v, rng: np.full(np.shape(v), 2 ** 63 + 5, np.uint64),
    "list": lambda v, rng: np.asarray(v).tolist(),
    "list with 2**64": lambda v, rng: np.asarray(v).reshape(-1).tolist()[:-1] + [2 ** 64],
    "list with -2**70": lambda v, rng: [-2 ** 70] + np.asarray(v).reshape(-1).tolist()[1:],
    "value 10**6": lambda v, rng: _poke(v, 10 ** 6),
    "value -1": lambda v, rng: _poke(v, -1),
    "value -2": lambda v, rng: _poke(v, -2),
    "int64 min": lambda v, rng: _poke(v, np.iinfo(np.int64).min),
    "int64 max": lambda v, rng: _poke(v, np.iinfo(np.int64).max),
    "extra leading dim": lambda v, rng: np.asarray(v)[None],
    "one dim less": lambda v, rng: np.asarray(v)[0] if np.size(v) else np.int64(0),
    "first dim + 1": lambda v, rng: _grow(v, 0),
    "first dim - 1": lambda v, rng: np.asarray(v)[:-1],
    "empty": lambda v, rng: np.asarray(v)[:0],
    "misaligned": lambda v, rng: misaligned(v),
    "negative strides": lambda v, rng: np.asarray(v)[::-1],
    "read-only": lambda v, rng: lay(v, "readonly", rng),
    "giant stride-0": lambda v, rng: giant((2 ** 40,), np.int64),
}

# mutations of a float parameter (slope, p, beta, delta, label_smoothing, lr, ...)
FLOAT_MUTATIONS = {
    "nan": lambda v, rng: math.nan,
    "inf": lambda v, rng: math.inf,
    "-inf": lambda v, rng: -math.inf,
    "np.nan (float32)": lambda v, rng: np.float32("nan"),
    "None": lambda v, rng: None,
    "numeric str": lambda v, rng: "0.5",
    "str": lambda v, rng: "abc",
    "complex": lambda v, rng: 0.5 + 1j,
    "10**400": lambda v, rng: 10 ** 400,
    "-10**400": lambda v, rng: -10 ** 400,
    "2**64": lambda v, rng: 2 ** 64,
    "-1.0": lambda v, rng: -1.0,
    "0": lambda v, rng: 0,
    "1": lambda v, rng: 1,
    "0.5": lambda v, rng: 0.5,
    "np.float32(0.25)": lambda v, rng: np.float32(0.25),
    "True": lambda v, rng: True,
    "1e300": lambda v, rng: 1e300,
    "5e-324": lambda v, rng: 5e-324,
    "list": lambda v, rng: [0.5],
    "array of 2": lambda v, rng: np.array([0.5, 0.5]),
    "0-d array": lambda v, rng: np.array(0.25),
}

# mutations of an int parameter (dim, seed, offset, ignore_index, sizes)
INT_MUTATIONS = {
    "2**64": lambda v, rng: 2 ** 64,
    "-2**70": lambda v, rng: -2 ** 70,
    "2**63": lambda v, rng: 2 ** 63,
    "2**63 - 1": lambda v, rng: 2 ** 63 - 1,
    "-2**63": lambda v, rng: -2 ** 63,
    "-2**63 - 1": lambda v, rng: -2 ** 63 - 1,
    "2**31": lambda v, rng: 2 ** 31,
    "-2**31 - 1": lambda v, rng: -2 ** 31 - 1,
    "-1": lambda v, rng: -1,
    "0": lambda v, rng: 0,
    "1": lambda v, rng: 1,
    "3": lambda v, rng: 3,
    "1.0": lambda v, rng: 1.0,
    "2.5": lambda v, rng: 2.5,
    "nan": lambda v, rng: math.nan,
    "str": lambda v, rng: "1",
    "None": lambda v, rng: None,
    "True": lambda v, rng: True,
    "np.int64(1)": lambda v, rng: np.int64(1),
    "np.uint64 max": lambda v, rng: np.uint64(2 ** 64 - 1),
    "list": lambda v, rng: [1],
}

# mutations of a string-choice parameter (reduction, activation, approximate)
CHOICE_MUTATIONS = {
    "empty str": lambda v, rng: "",
    "bogus": lambda v, rng: "bogus",
    "upper case": lambda v, rng: v.upper() if isinstance(v, str) else "RELU",
    "trailing space": lambda v, rng: (v if isinstance(v, str) else "relu") + " ",
    "None": lambda v, rng: None,
    "int": lambda v, rng: 1,
    "bytes": lambda v, rng: b"mean",
    "list": lambda v, rng: ["mean"],
    "'none'": lambda v, rng: "none",
    "'mean'": lambda v, rng: "mean",
    "'sum'": lambda v, rng: "sum",
    "'relu'": lambda v, rng: "relu",
    "'tanh'": lambda v, rng: "tanh",
}


def _view_of_input(kw, like, shift):
    """A view with like's shape and dtype into the memory of a float input of
    the call (shift=0: starting where it starts; 1: one element later)."""
    for v in kw.values():
        if isinstance(v, np.ndarray) and v.dtype == like.dtype and v.flags.c_contiguous \
                and v.flags.writeable and v.size >= like.size + shift and like.size:
            return v.reshape(-1)[shift:shift + like.size].reshape(like.shape)
    return np.empty_like(like)


# mutations of an out= buffer: f(v, rng, kw), v a valid buffer
OUT_MUTATIONS = {
    "None": lambda v, rng, kw: None,
    "read-only": lambda v, rng, kw: lay(v, "readonly", rng),
    "the other float dtype": lambda v, rng, kw: np.zeros(v.shape, _other(v.dtype)),
    "int64": lambda v, rng, kw: np.zeros(v.shape, np.int64),
    "float16": lambda v, rng, kw: np.zeros(v.shape, np.float16),
    "first dim + 1": lambda v, rng, kw: _grow(v, 0),
    "extra leading dim": lambda v, rng, kw: v[None].copy(),
    "0-d": lambda v, rng, kw: np.zeros((), v.dtype),
    "Fortran order": lambda v, rng, kw: np.zeros(v.shape, v.dtype, order="F"),
    "strided view": lambda v, rng, kw: lay(v, "strided", rng),
    "negative strides": lambda v, rng, kw: lay(v, "negative", rng),
    "misaligned": lambda v, rng, kw: misaligned(v),
    "nested list": lambda v, rng, kw: v.tolist(),
    "an input itself": lambda v, rng, kw: _view_of_input(kw, v, 0),
    "overlapping an input": lambda v, rng, kw: _view_of_input(kw, v, 1),
    "giant stride-0": lambda v, rng, kw: np.lib.stride_tricks.as_strided(
        np.zeros(1, v.dtype), shape=v.shape, strides=(0,) * v.ndim),
    "NaN-filled (valid)": lambda v, rng, kw: np.full(v.shape, np.nan, v.dtype),
}

MUTATIONS = {"array": ARRAY_MUTATIONS, "index": INDEX_MUTATIONS, "float": FLOAT_MUTATIONS,
             "int": INT_MUTATIONS, "choice": CHOICE_MUTATIONS, "out": OUT_MUTATIONS}
UNNAMED = ("giant",)    # rejections of these need not name the argument (an allocation fails)

# what an error message may call each argument
NAMES = {
    "lr": ("lr", "learning rate"), "eps": ("eps", "epsilon"), "betas": ("betas", "beta"),
    "p": ("p", "probability"), "input": ("input", "x"), "in_features": ("in_features",),
    "out_features": ("out_features",),
}


# mutations after which the argument no longer agrees with the others in shape
# or dtype: the message may name any argument of the mismatch
AGREEMENT = {"extra leading dim", "extra trailing dim", "one dim less", "flattened", "first dim + 1",
             "first dim - 1", "last dim + 1", "last dim - 1", "zero rows", "empty", "0-d array",
             "the other float dtype", "nested list", "Python float", "Python int", "0-d",
             "value 10**6", "uint8"}   # uint8: a valid gather_rows src whose out must then be float32
NONFINITE = {"a NaN", "an Inf", "1e300"}     # 1e300 overflows float32: inf*0 gives NaN


def fresh(kw):
    """A copy of the call's arrays (an array passed twice stays one array)."""
    memo = {}

    def cp(v):
        if not isinstance(v, np.ndarray):
            return v
        if id(v) not in memo:
            c = np.array(v, order="K", copy=True)
            c.flags.writeable = v.flags.writeable
            memo[id(v)] = c
        return memo[id(v)]
    return {k: cp(v) for k, v in kw.items()}


def mutated_calls(D, kw, spec):
    """For each argument of spec — (argument, kind, template), template(kw)
    giving a valid value to mutate when the argument is None or absent — a
    copy of the valid call kw with that argument replaced by a mutation of its
    kind, drawn uniformly (numpy generator: hypothesis' own choices cluster).
    The first call gets kw's own arrays (their layouts), the others copies,
    so that none sees what an earlier call wrote. Yields (kw, argument, label)."""
    pristine = fresh(kw)
    for i, (arg, kind, template) in enumerate(spec):
        table = MUTATIONS[kind]
        label = sorted(table)[int(D.rng.integers(len(table)))]
        new = dict(kw) if i == 0 else fresh(pristine)
        v = new.get(arg)
        if v is None and template is not None:
            v = template(new)
        f = table[label]
        new[arg] = f(v, D.rng, new) if kind == "out" else f(v, D.rng)
        yield new, arg, label


def run_mutated(D, fn, model, kw, spec, what):
    """One mutated call of fn per argument in spec (see judge)."""
    for new, arg, label in mutated_calls(D, kw, spec):
        names = NAMES.get(arg, (arg,))
        if label in AGREEMENT:
            names = names + tuple(k for k, v in new.items() if v is not None)
        judge(fn, model, new, names, f"{what}({arg}: {label})",
              name_required=not label.startswith(UNNAMED), values=label not in NONFINITE)


# ============================================================================
# matmul, linear, linear_backward
# ============================================================================

def model_matmul(a, b, transpose_a=False, transpose_b=False, out=None, beta=0.0):
    A, B = m_float(a, "a"), m_float(b, "b")
    m_same(B, "b", A, "a")
    if A.ndim != 2 or B.ndim != 2:
        raise Invalid("a and b must be 2-D")
    opA = A.T if transpose_a else A
    opB = B.T if transpose_b else B
    if opA.shape[1] != opB.shape[0]:
        raise Invalid("a and b do not agree")
    bt = m_real(beta, "beta")
    if out is None and bt != 0:
        raise Invalid("beta needs out")
    bt = float(A.dtype.type(bt))       # a beta that rounds to 0 in the dtype never reads out
    M, N = opA.shape[0], opB.shape[1]
    m_out(out, "out", (M, N), A.dtype, [(A, "a"), (B, "b")])
    ref = f64(opA) @ f64(opB)
    scale = np.abs(f64(opA)) @ np.abs(f64(opB))
    if bt != 0:
        c0 = bt * f64(out)
        ref, scale = ref + c0, scale + np.abs(c0)
    return Exp(ref, gemm_bound(A.dtype, scale), A.dtype)


def build_matmul(D):
    dt = D(dtypes, label="dtype")
    M, K = D(sizes(0, 40, 200), label="M"), D(sizes(0, 40, 600), label="K")
    N = D(sizes(0, 40, 200), label="N")
    ta, tb = D(st.booleans(), label="transpose_a"), D(st.booleans(), label="transpose_b")
    kw = dict(a=D.arr((K, M) if ta else (M, K), dt), b=D.arr((N, K) if tb else (K, N), dt),
              transpose_a=ta, transpose_b=tb)
    mode = D(st.sampled_from(["no out", "out", "out and beta"]), label="out mode")
    if mode == "out":
        kw["out"] = np.full((M, N), np.nan, dt)          # beta=0: never read
    elif mode == "out and beta":
        kw["out"] = values(D.rng, (M, N), dt)
        kw["beta"] = D(st.sampled_from([1.0, -0.5, 2.0]) | st.floats(-3, 3), label="beta")
    return kw


def _matmul_out(kw):
    a, b = np.asarray(kw["a"]), np.asarray(kw["b"])
    M = a.shape[1] if kw.get("transpose_a") else a.shape[0]
    N = b.shape[0] if kw.get("transpose_b") else b.shape[1]
    return np.zeros((M, N), a.dtype)


MATMUL_SPEC = [("a", "array", None), ("b", "array", None), ("beta", "float", None),
               ("out", "out", _matmul_out)]


def run_valid(fn, model, kw, cfg, name):
    """A valid call of fn(**kw) on the SIMD path and thread count cfg, checked
    against model(**kw); returns the result."""
    exp = model(**kw)
    with kernel_config(cfg):
        got = fuzzed(fn, **kw)
    check(got, exp, name)
    return got


@FUZZ
@given(data=st.data(), cfg=kernels)
def test_matmul_valid(data, cfg):
    """matmul: random M, K, N (0 to past the GEMM blocks), transposes, layouts,
    out= (NaN-filled, beta=0 never reads it) and beta accumulation."""
    D = Draw(data)
    kw = build_matmul(D)
    got = run_valid(ops.matmul, model_matmul, kw, cfg, "matmul")
    if kw.get("out") is not None:
        assert got is kw["out"]


@FUZZ
@given(data=st.data())
def test_matmul_mutated(data):
    """matmul with one of a, b, beta, out mutated (see the module docstring)."""
    D = Draw(data)
    run_mutated(D, ops.matmul, model_matmul, build_matmul(D), MATMUL_SPEC, "matmul")


def model_linear(x, weight, bias=None, activation=None, negative_slope=0.01, out=None):
    X, W = m_float(x, "x"), m_float(weight, "weight")
    m_same(W, "weight", X, "x")
    if W.ndim != 2:
        raise Invalid("weight must be 2-D")
    N, K = W.shape
    if X.ndim < 1 or X.shape[-1] != K:
        raise Invalid("x does not match weight")
    act = m_act(activation, "activation")
    slope = m_real(negative_slope, "negative_slope")
    Bv = None
    if bias is not None:
        Bv = m_float(bias, "bias")
        m_same(Bv, "bias", X, "x")
        if Bv.shape != (N,):
            raise Invalid("bias shape")
    m_out(out, "out", X.shape[:-1] + (N,), X.dtype, [(X, "x"), (W, "weight"), (Bv, "bias")])
    Xm = f64(X).reshape(int(np.prod(X.shape[:-1], dtype=np.int64)), K)
    z, scale = Xm @ f64(W).T, np.abs(Xm) @ np.abs(f64(W)).T
    if Bv is not None:
        z, scale = z + f64(Bv), scale + np.abs(f64(Bv))
    with np.errstate(all="ignore"):
        y = act_ref(z, act, slope)
    if act == "leaky_relu":
        scale = scale * max(1.0, abs(slope))
    shape = X.shape[:-1] + (N,)
    return Exp(y.reshape(shape), gemm_bound(X.dtype, scale, ATOL_ACT[X.dtype.type]).reshape(shape),
               X.dtype)


def build_linear(D):
    dt = D(dtypes, label="dtype")
    lead = D(shapes(0, 3, 0, 9) | st.tuples(sizes(0, 40, 300)), label="leading shape")
    K, N = D(sizes(0, 40, 600), label="in_features"), D(sizes(0, 40, 200), label="out_features")
    kw = dict(x=D.arr(lead + (K,), dt, specials=(0.0, -0.0, 30.0, -30.0)),
              weight=D.arr((N, K), dt, spread=1 / math.sqrt(max(K, 1))))
    if D(st.booleans(), label="bias"):
        kw["bias"] = D.arr((N,), dt)
    kw["activation"] = D(st.sampled_from([None, "identity", "relu", "leaky_relu", "sigmoid", "tanh"]),
                         label="activation")
    if D(st.booleans(), label="slope given"):
        kw["negative_slope"] = D(st.floats(-3, 3), label="negative_slope")
    if D(st.booleans(), label="out given"):
        kw["out"] = np.full(lead + (N,), np.nan, dt)
    return kw


def _weight_rows(kw):
    return np.asarray(kw["weight"]).shape[0]


LINEAR_SPEC = [("x", "array", None), ("weight", "array", None),
               ("bias", "array", lambda kw: np.zeros(_weight_rows(kw), np.asarray(kw["x"]).dtype)),
               ("activation", "choice", None), ("negative_slope", "float", lambda kw: 0.01),
               ("out", "out", lambda kw: np.zeros(np.shape(kw["x"])[:-1] + (_weight_rows(kw),),
                                                  np.asarray(kw["x"]).dtype))]


@FUZZ
@given(data=st.data(), cfg=kernels)
def test_linear_valid(data, cfg):
    """linear: x (*, K) with 0-3 leading dims, weight (N, K), optional bias,
    every fused activation and slope, any layout, out=."""
    D = Draw(data)
    kw = build_linear(D)
    run_valid(ops.linear, model_linear, kw, cfg, "linear")


@FUZZ
@given(data=st.data())
def test_linear_mutated(data):
    """linear with one of x, weight, bias, activation, negative_slope, out mutated."""
    D = Draw(data)
    run_mutated(D, ops.linear, model_linear, build_linear(D), LINEAR_SPEC, "linear")


def model_linear_backward(grad_out, x, weight, saved=None, activation=None, negative_slope=0.01,
                          need_input_grad=True, input_activation=None, input_negative_slope=0.01,
                          grad_weight=None, grad_bias=None, accumulate=False):
    G, X, W = m_float(grad_out, "grad_out"), m_float(x, "x"), m_float(weight, "weight")
    m_same(X, "x", G, "grad_out")
    m_same(W, "weight", G, "grad_out")
    if W.ndim != 2:
        raise Invalid("weight must be 2-D")
    N, K = W.shape
    if X.ndim < 1 or X.shape[-1] != K or G.ndim < 1 or G.shape[-1] != N \
            or X.shape[:-1] != G.shape[:-1]:
        raise Invalid("shapes of x, grad_out and weight do not agree")
    act, iact = m_act(activation, "activation"), m_act(input_activation, "input_activation")
    slope = m_real(negative_slope, "negative_slope", lo=0.0 if act == "leaky_relu" else -math.inf)
    islope = m_real(input_negative_slope, "input_negative_slope",
                    lo=0.0 if iact == "leaky_relu" else -math.inf)
    acc = bool(accumulate)
    if acc and (grad_weight is None or grad_bias is None):
        raise Invalid("accumulate needs both buffers")
    S = None
    if act is not None:
        if saved is None:
            raise Invalid("saved is required")
        S = m_float(saved, "saved")
        m_same(S, "saved", G, "grad_out")
        if S.shape != G.shape:
            raise Invalid("saved shape")
    ins = [(G, "grad_out"), (X, "x"), (W, "weight"), (S, "saved")]
    m_out(grad_weight, "grad_weight", (N, K), G.dtype, ins)
    m_out(grad_bias, "grad_bias", (N,), G.dtype, ins + [(grad_weight, "grad_weight")])
    M = int(np.prod(X.shape[:-1], dtype=np.int64))
    Gm, Xm, Wd = f64(G).reshape(M, N), f64(X).reshape(M, K), f64(W)
    Sm = f64(S).reshape(M, N) if S is not None else np.zeros((M, N))
    dz = Gm * act_grad_from_output(Sm, act, slope)
    sz = np.abs(Gm) * act_grad_scale(Sm, act, slope)
    gw, sw = dz.T @ Xm, sz.T @ np.abs(Xm)
    gb, sb = dz.sum(axis=0), sz.sum(axis=0)
    if acc:
        gw0, gb0 = f64(grad_weight), f64(grad_bias)
        gw, sw, gb, sb = gw + gw0, sw + np.abs(gw0), gb + gb0, sb + np.abs(gb0)
    dt = G.dtype
    mult = max(1.0, slope if act == "leaky_relu" else 1.0)
    out_w = Exp(gw, gemm_bound(dt, sw * mult), dt)
    out_b = Exp(gb, gemm_bound(dt, sb * mult), dt)
    if not need_input_grad:
        return None, out_w, out_b
    gx = (dz @ Wd) * act_grad_from_output(Xm, iact, islope)
    sx = (sz @ np.abs(Wd)) * act_grad_scale(Xm, iact, islope)
    mult *= max(1.0, islope if iact == "leaky_relu" else 1.0)
    return Exp(gx.reshape(X.shape), gemm_bound(dt, sx * mult).reshape(X.shape), dt), out_w, out_b


def build_linear_backward(D):
    dt = D(dtypes, label="dtype")
    lead = D(shapes(0, 3, 0, 9) | st.tuples(sizes(0, 40, 300)), label="leading shape")
    K, N = D(sizes(0, 40, 400), label="in_features"), D(sizes(0, 40, 200), label="out_features")
    act = D(st.sampled_from([None, "identity", "relu", "leaky_relu", "sigmoid", "tanh"]), label="activation")
    iact = D(st.sampled_from([None, "identity", "relu", "leaky_relu", "sigmoid", "tanh"]),
             label="input_activation")
    slope = D(st.sampled_from([0.01, 0.0, 0.2, 2.0]), label="negative_slope")
    islope = D(st.sampled_from([0.01, 0.0, 0.3, 1.5]), label="input_negative_slope")
    x = act_ref(values(D.rng, lead + (K,), np.float64), m_act(iact, ""), islope).astype(dt)
    w = values(D.rng, (N, K), dt, spread=1 / math.sqrt(max(K, 1)))
    z = x.astype(np.float64).reshape(int(np.prod(lead, dtype=np.int64)), K) @ w.astype(np.float64).T
    y = act_ref(z, m_act(act, ""), slope).reshape(lead + (N,)).astype(dt)
    kw = dict(grad_out=D.arr(lead + (N,), dt), x=lay(x, D(layouts, label="x layout"), D.rng),
              weight=lay(w, D(layouts, label="w layout"), D.rng), activation=act,
              negative_slope=slope, input_activation=iact, input_negative_slope=islope,
              need_input_grad=D(st.booleans(), label="need_input_grad"))
    if act not in (None, "identity"):
        kw["saved"] = lay(y, D(layouts, label="saved layout"), D.rng)
    mode = D(st.sampled_from(["allocate", "buffers", "accumulate"]), label="buffers")
    if mode != "allocate":
        kw["grad_weight"] = values(D.rng, (N, K), dt)
        kw["grad_bias"] = values(D.rng, (N,), dt)
        kw["accumulate"] = mode == "accumulate"
    return kw


def _lb_dtype(kw):
    return np.asarray(kw["grad_out"]).dtype


LINEAR_BACKWARD_SPEC = [
    ("grad_out", "array", None), ("x", "array", None), ("weight", "array", None),
    ("saved", "array", lambda kw: np.zeros(np.shape(kw["grad_out"]), _lb_dtype(kw))),
    ("activation", "choice", None), ("input_activation", "choice", None),
    ("negative_slope", "float", lambda kw: 0.01), ("input_negative_slope", "float", lambda kw: 0.01),
    ("grad_weight", "out", lambda kw: np.zeros(np.shape(kw["weight"]), _lb_dtype(kw))),
    ("grad_bias", "out", lambda kw: np.zeros(np.shape(kw["weight"])[:1], _lb_dtype(kw))),
]


@FUZZ
@given(data=st.data(), cfg=kernels)
def test_linear_backward_valid(data, cfg):
    """linear_backward: every activation (derivative from the saved output) and
    input_activation, leaky slopes >= 0, need_input_grad, given / accumulated
    gradient buffers, any layout."""
    D = Draw(data)
    kw = build_linear_backward(D)
    got = run_valid(ops.linear_backward, model_linear_backward, kw, cfg, "linear_backward")
    if kw.get("grad_weight") is not None:
        assert got[1] is kw["grad_weight"] and got[2] is kw["grad_bias"]


@FUZZ
@given(data=st.data())
def test_linear_backward_mutated(data):
    """linear_backward with one operand, activation, slope or gradient buffer mutated."""
    D = Draw(data)
    run_mutated(D, ops.linear_backward, model_linear_backward, build_linear_backward(D),
                LINEAR_BACKWARD_SPEC, "linear_backward")


# ============================================================================
# Elementwise activations and their gradients
# ============================================================================

SQRT_2_PI = math.sqrt(2.0 / math.pi)
_erfc = np.vectorize(math.erfc, otypes=[float])


def sigmoid_ref(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def gelu_ref(x, approximate):
    if approximate == "tanh":
        return 0.5 * x * (1.0 + np.tanh(SQRT_2_PI * (x + 0.044715 * x ** 3)))
    return 0.5 * x * _erfc(-x / math.sqrt(2.0))


def gelu_grad_ref(x, approximate):
    if approximate == "tanh":
        t = np.tanh(SQRT_2_PI * (x + 0.044715 * x ** 3))
        return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * SQRT_2_PI * (1 + 3 * 0.044715 * x * x)
    return 0.5 * _erfc(-x / math.sqrt(2.0)) + x * np.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def softplus_ref(x, beta, threshold):
    z = beta * x
    soft = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / beta
    return np.where(z > threshold, x, soft)


def _forward_params(name, negative_slope=0.01, approximate="none", beta=1.0, threshold=20.0):
    """The checked parameters of activation `name` (Invalid if one is bad)."""
    if name.startswith("leaky_relu"):
        return dict(negative_slope=m_real(negative_slope, "negative_slope"))
    if name.startswith("gelu"):
        return dict(approximate=m_choice(approximate, "approximate", ("none", "tanh")))
    if name.startswith("softplus"):
        return dict(beta=m_real(beta, "beta", lo=0.0, lo_open=True),
                    threshold=m_real(threshold, "threshold"))
    return {}


def act_forward_ref(name, x, p):
    """(reference, sizes of the terms it is computed from) in float64."""
    base = name.rstrip("_")
    if base == "relu":
        return np.maximum(x, 0.0), None
    if base == "leaky_relu":
        return np.where(x > 0, x, p["negative_slope"] * x), None
    if base == "sigmoid":
        return sigmoid_ref(x), None
    if base == "tanh":
        return np.tanh(x), None
    if base == "gelu":
        y = gelu_ref(x, p["approximate"])
        return y, (np.abs(x) if p["approximate"] == "tanh" else np.abs(y) * (1 + x * x))
    y = softplus_ref(x, p["beta"], p["threshold"])
    return y, np.abs(y) * (1 + p["beta"] * np.abs(x))


def softplus_branch_slack(x, beta, threshold, dtype, f):
    """|f(branch in float64) - f(branch in dtype)|: beta·x > threshold decided
    with beta, x and threshold rounded to the dtype is as right as in float64."""
    t = dtype.type
    with np.errstate(all="ignore"):
        z = (t(beta) * x.astype(dtype)).astype(np.float64)
        other = z > float(t(threshold))
    above, below = np.broadcast_to(f(True), x.shape), np.broadcast_to(f(False), x.shape)
    return np.where(other != (beta * x > threshold),
                    (np.abs(above - below) + np.abs(np.where(other, above, below))) * (1 + ULPS * eps(dtype)),
                    0.0)


ACT_FORWARD = {"relu": ops.relu, "relu_": ops.relu_, "leaky_relu": ops.leaky_relu,
               "leaky_relu_": ops.leaky_relu_, "sigmoid": ops.sigmoid, "sigmoid_": ops.sigmoid_,
               "tanh": ops.tanh, "tanh_": ops.tanh_, "gelu": ops.gelu, "softplus": ops.softplus}


def model_act_forward(name):
    def model(x, out=None, **params):
        p = _forward_params(name, **params)
        if name.endswith("_"):            # in place: x itself is the output buffer
            if not isinstance(x, np.ndarray):
                raise Invalid("x must be an ndarray to be modified in place")
            X = m_float(x, "x")
            m_out(X, "x", X.shape, X.dtype, [])
        else:
            X = m_float(x, "x")
            m_out(out, "out", X.shape, X.dtype, [(X, "x")], allow_same=True)
        with np.errstate(all="ignore"):
            y, terms = act_forward_ref(name, f64(X), p)
            size = np.abs(y) if terms is None else np.maximum(np.abs(y), terms)
            bound = ulp_bound(X.dtype, size)
            if name == "softplus":
                x64 = f64(X)
                soft = softplus_ref(x64, p["beta"], math.inf)
                bound = bound + softplus_branch_slack(x64, p["beta"], p["threshold"], X.dtype,
                                                      lambda above: x64 if above else soft)
        return Exp(y, bound, X.dtype)
    return model


ACT_SPECIALS = (0.0, -0.0, 1e-30, -1e-6, 20.0, -20.0, 1000.0, -1000.0, 1e4, -1e4)


def build_act_forward(D, name):
    dt = D(dtypes, label="dtype")
    shape = D(shapes(0, 4, 0, 9) | st.tuples(sizes(0, 40, 5000)), label="shape")
    layout = "C" if name.endswith("_") else None
    kw = dict(x=D.arr(shape, dt, spread=D(st.sampled_from([1.0, 4.0, 30.0]), label="spread"),
                      specials=ACT_SPECIALS, layout=layout))
    if name.startswith("leaky_relu"):
        kw["negative_slope"] = D(st.sampled_from([0.01, 0.0, 0.2, 1.0, 1.5, -0.3]) | st.floats(-5, 5),
                                 label="negative_slope")
    if name == "gelu":
        kw["approximate"] = D(st.sampled_from(["none", "tanh"]), label="approximate")
    if name == "softplus":
        kw["beta"] = D(st.sampled_from([1.0, 2.5, 0.5]) | st.floats(0.05, 10), label="beta")
        kw["threshold"] = D(st.sampled_from([20.0, 3.0]) | st.floats(-5, 40), label="threshold")
    if not name.endswith("_"):
        mode = D(st.sampled_from(["allocate", "out", "in place (out=x)"]), label="out mode")
        if mode == "out":
            kw["out"] = np.full(shape, np.nan, dt)
        elif mode == "in place (out=x)":
            kw["x"] = np.array(kw["x"], order='C')
            kw["out"] = kw["x"]
    return kw


def _act_spec(name):
    spec = [("x", "array", None)]
    if not name.endswith("_"):
        spec.append(("out", "out", lambda kw: np.zeros(np.shape(kw["x"]), np.asarray(kw["x"]).dtype)))
    if name.startswith("leaky_relu"):
        spec.append(("negative_slope", "float", None))
    if name == "gelu":
        spec.append(("approximate", "choice", None))
    if name == "softplus":
        spec += [("beta", "float", None), ("threshold", "float", None)]
    return spec


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(ACT_FORWARD)), cfg=kernels)
def test_activation_forward_valid(data, name, cfg):
    """relu, leaky_relu, sigmoid, tanh, gelu, softplus (and the in-place
    relu_, ...): any shape incl. 0-d and empty, any layout, out= given,
    allocated or x itself; saturating and tiny inputs."""
    D = Draw(data)
    kw = build_act_forward(D, name)
    exp = model_act_forward(name)(**kw)
    x_before = kw["x"]
    with kernel_config(cfg):
        got = fuzzed(ACT_FORWARD[name], **kw)
    check(got, exp, name)
    if name.endswith("_"):
        assert got is x_before
    elif kw.get("out") is not None:
        assert got is kw["out"]


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(ACT_FORWARD)))
def test_activation_forward_mutated(data, name):
    """The activations (and in-place variants) with x, out or a parameter mutated."""
    D = Draw(data)
    run_mutated(D, ACT_FORWARD[name], model_act_forward(name), build_act_forward(D, name),
                _act_spec(name), name)


# name -> (function, name of the saved operand, parameters)
ACT_BACKWARD = {
    "relu_backward": (ops.relu_backward, "output", ()),
    "sigmoid_backward": (ops.sigmoid_backward, "output", ()),
    "tanh_backward": (ops.tanh_backward, "output", ()),
    "leaky_relu_backward": (ops.leaky_relu_backward, "x", ("negative_slope",)),
    "gelu_backward": (ops.gelu_backward, "x", ("approximate",)),
    "softplus_backward": (ops.softplus_backward, "x", ("beta", "threshold")),
}


def model_act_backward(name):
    fn, saved_name, _ = ACT_BACKWARD[name]

    def model(grad_out, out=None, **kw):
        saved = kw.pop(saved_name)
        p = _forward_params(name.replace("_backward", ""), **kw)
        G, S = m_float(grad_out, "grad_out"), m_float(saved, saved_name)
        m_same(S, saved_name, G, "grad_out")
        if S.shape != G.shape:
            raise Invalid(f"{saved_name} shape")
        m_out(out, "out", G.shape, G.dtype, [(G, "grad_out"), (S, saved_name)], allow_same=True)
        g, s = f64(G), f64(S)
        with np.errstate(all="ignore"):
            if saved_name == "output":
                d = {"relu_backward": lambda: (s > 0) * 1.0, "sigmoid_backward": lambda: s * (1 - s),
                     "tanh_backward": lambda: 1 - s * s}[name]()
                scale = np.abs(g) * (1 + np.abs(s) + s * s)
            else:
                if name == "leaky_relu_backward":
                    d, cond = np.where(s > 0, 1.0, p["negative_slope"]), 1.0
                elif name == "gelu_backward":
                    d, cond = gelu_grad_ref(s, p["approximate"]), 1 + s * s
                else:
                    bs = p["beta"] * s
                    d, cond = np.where(bs > p["threshold"], 1.0, sigmoid_ref(bs)), 1 + bs * bs
                scale = np.abs(g) * (1 + np.abs(d)) * cond
            ref = g * d
            bound = ulp_bound(G.dtype, scale)
            if name == "softplus_backward":
                bound = bound + softplus_branch_slack(s, p["beta"], p["threshold"], G.dtype,
                                                      lambda above: g if above else g * sigmoid_ref(bs))
        return Exp(ref, bound, G.dtype)
    return model


def build_act_backward(D, name):
    _, saved_name, params = ACT_BACKWARD[name]
    dt = D(dtypes, label="dtype")
    shape = D(shapes(0, 4, 0, 9) | st.tuples(sizes(0, 40, 5000)), label="shape")
    specials = (0.0, -0.0, 1.0, 0.5) if saved_name == "output" else ACT_SPECIALS[:6]
    kw = {"grad_out": D.arr(shape, dt), saved_name: D.arr(shape, dt, spread=3.0, specials=specials)}
    if "negative_slope" in params:
        kw["negative_slope"] = D(st.floats(-3, 3), label="negative_slope")
    if "approximate" in params:
        kw["approximate"] = D(st.sampled_from(["none", "tanh"]), label="approximate")
    if "beta" in params:
        kw["beta"] = D(st.floats(0.05, 10), label="beta")
        kw["threshold"] = D(st.floats(-5, 40), label="threshold")
    mode = D(st.sampled_from(["allocate", "out", "out=grad_out", "out=saved"]), label="out mode")
    if mode == "out":
        kw["out"] = np.full(shape, np.nan, dt)
    elif mode != "allocate":
        src = "grad_out" if mode == "out=grad_out" else saved_name
        kw[src] = np.array(kw[src], order='C')
        kw["out"] = kw[src]
    return kw


def _act_backward_spec(name):
    _, saved_name, params = ACT_BACKWARD[name]
    spec = [("grad_out", "array", None), (saved_name, "array", None),
            ("out", "out", lambda kw: np.zeros(np.shape(kw["grad_out"]), np.asarray(kw["grad_out"]).dtype))]
    spec += [(p, "choice" if p == "approximate" else "float", None) for p in params]
    return spec


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(ACT_BACKWARD)), cfg=kernels)
def test_activation_backward_valid(data, name, cfg):
    """relu/sigmoid/tanh_backward (from the output) and leaky_relu/gelu/
    softplus_backward (from the input): any shape and layout, out= given,
    allocated, or one of the inputs (in place)."""
    D = Draw(data)
    kw = build_act_backward(D, name)
    run_valid(ACT_BACKWARD[name][0], model_act_backward(name), kw, cfg, name)


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(ACT_BACKWARD)))
def test_activation_backward_mutated(data, name):
    """The activation gradients with grad_out, the saved operand, out or a parameter mutated."""
    D = Draw(data)
    run_mutated(D, ACT_BACKWARD[name][0], model_act_backward(name), build_act_backward(D, name),
                _act_backward_spec(name), name)


# ============================================================================
# softmax, log_softmax
# ============================================================================

TOL = {F32: (2e-5, 2e-6), F64: (1e-12, 1e-14)}      # (rtol, atol) of test_softmax_losses


def log_softmax_ref(x, axis=-1):
    m = np.max(x, axis=axis, keepdims=True) if x.size else x
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def model_softmax(log):
    def model(x, dim=-1, out=None):
        X = m_float(x, "x")
        if X.ndim < 1:
            raise Invalid("x must have a dimension")
        d = m_int(dim, "dim", -X.ndim, X.ndim)
        m_out(out, "out", X.shape, X.dtype, [(X, "x")], allow_same=True)
        x64 = f64(X)
        rtol, atol = TOL[X.dtype]
        with np.errstate(all="ignore"):
            lp = log_softmax_ref(x64, d) if x64.size else x64
            span = np.abs(x64 - np.max(x64, axis=d, keepdims=True)) if x64.size else x64
        if log:
            return Exp(lp, rtol * (np.abs(lp) + span) + atol, X.dtype)
        y = np.exp(lp)
        return Exp(y, rtol * np.abs(y) + atol, X.dtype)
    return model


def build_softmax(D):
    dt = D(dtypes, label="dtype")
    shape = D(shapes(1, 4, 0, 9) | st.tuples(sizes(0, 40, 3000)) | st.tuples(sizes(0, 20), sizes(0, 40, 1000)),
              label="shape")
    kw = dict(x=D.arr(shape, dt, spread=D(st.sampled_from([1.0, 5.0, 20.0]), label="spread"),
                      specials=(0.0, 1e4, -1e4, 50.0)))
    if D(st.booleans(), label="dim given"):
        kw["dim"] = D(st.integers(-len(shape), len(shape) - 1), label="dim")
    mode = D(st.sampled_from(["allocate", "out", "out=x"]), label="out mode")
    if mode == "out":
        kw["out"] = np.full(shape, np.nan, dt)
    elif mode == "out=x":
        kw["x"] = np.array(kw["x"], order='C')
        kw["out"] = kw["x"]
    return kw


SOFTMAX_SPEC = [("x", "array", None), ("dim", "int", lambda kw: -1),
                ("out", "out", lambda kw: np.zeros(np.shape(kw["x"]), np.asarray(kw["x"]).dtype))]


@FUZZ
@given(data=st.data(), log=st.booleans(), cfg=kernels)
def test_softmax_valid(data, log, cfg):
    """softmax / log_softmax along any dim of 1-4-D arrays (incl. empty),
    large and extreme logits, any layout, out= given or x itself."""
    D = Draw(data)
    kw = build_softmax(D)
    run_valid(ops.log_softmax if log else ops.softmax, model_softmax(log), kw, cfg,
              "log_softmax" if log else "softmax")


@FUZZ
@given(data=st.data(), log=st.booleans())
def test_softmax_mutated(data, log):
    """softmax / log_softmax with x, dim (huge ints, wrong types) or out mutated."""
    D = Draw(data)
    run_mutated(D, ops.log_softmax if log else ops.softmax, model_softmax(log), build_softmax(D),
                SOFTMAX_SPEC, "log_softmax" if log else "softmax")


# ============================================================================
# softmax_cross_entropy
# ============================================================================

def model_xent(logits, target, reduction="mean", label_smoothing=0.0, weight=None,
               ignore_index=-100, need_grad=True):
    X = m_float(logits, "logits")
    if X.ndim != 2 or X.shape[1] < 1:
        raise Invalid("logits must be (N, C) with C >= 1")
    N, C = X.shape
    red = m_choice(reduction, "reduction", ("none", "mean", "sum"))
    eps_ = m_real(label_smoothing, "label_smoothing", 0.0, 1.0)
    ignore = m_int(ignore_index, "ignore_index")
    if target is None or isinstance(target, (str, bytes)):
        raise Invalid("target")
    try:
        T = target if isinstance(target, np.ndarray) else np.asarray(target)
    except (ValueError, TypeError):
        raise Invalid("target is not an array")
    if T.size > CHECK_LIMIT:
        raise TooBig("target")
    probs = T.dtype.kind == "f"
    if probs:
        if T.dtype != X.dtype or T.shape != (N, C):
            raise Invalid("target probabilities must be like logits")
    else:
        T = m_index(T, "target")
        if T.shape != (N,):
            raise Invalid("target shape")
        if np.any(((T < 0) | (T >= C)) & (T != ignore)):
            raise Invalid("target out of range")
    w = np.ones(C)
    if weight is not None:
        W = m_float(weight, "weight")
        m_same(W, "weight", X, "logits")
        if W.shape != (C,):
            raise Invalid("weight shape")
        w = f64(W)
    x = f64(X)
    with np.errstate(all="ignore"):
        logp = log_softmax_ref(x) if x.size else x
        p = np.exp(logp)
        span = (np.abs(x - x.max(axis=1, keepdims=True)) + 1) if x.size else x
        if probs:
            q = f64(T) * (1 - eps_) + eps_ / C
            rows = -(logp * q * w).sum(axis=1)
            rows_scale = (span * np.abs(q * w)).sum(axis=1)
            grad = p * (q * w).sum(axis=1, keepdims=True) - q * w
            grad_scale = p * np.abs(q * w).sum(axis=1, keepdims=True) + np.abs(q * w)
            denom = float(N)
        else:
            keep = T != ignore
            t = np.where(keep, T, 0)
            wt = w[t] * keep
            onehot = np.zeros((N, C))
            onehot[np.arange(N), t] = 1
            rows = ((1 - eps_) * -logp[np.arange(N), t] * wt
                    - eps_ / C * (logp * w).sum(axis=1) * keep)
            rows_scale = ((1 - eps_) * span[np.arange(N), t] * wt
                          + eps_ / C * (span * w).sum(axis=1) * keep)
            grad = (1 - eps_) * wt[:, None] * (p - onehot) + eps_ / C * (w.sum() * p - w) * keep[:, None]
            grad_scale = ((1 - eps_) * wt[:, None] * (p + onehot)
                          + eps_ / C * (w.sum() * p + w) * keep[:, None])
            denom = float(wt.sum())
        rtol, atol = TOL[X.dtype]
        if red == "none":
            loss = Exp(rows, rtol * rows_scale + atol, X.dtype)
        elif red == "sum":
            loss = Exp(rows.sum(), rtol * rows_scale.sum() + atol, X.dtype)
        else:
            loss = Exp(rows.sum() / denom if denom else math.nan,
                       rtol * rows_scale.sum() / denom + atol if denom else 0.0, X.dtype)
            if denom:
                grad, grad_scale = grad / denom, grad_scale / denom
            else:
                grad = np.zeros_like(grad)      # every row ignored: NaN loss, zero gradient
        g = Exp(grad, rtol * grad_scale + atol, X.dtype) if need_grad else None
    return loss, g


def build_xent(D):
    dt = D(dtypes, label="dtype")
    N = D(sizes(0, 40, 600), label="N")
    C = D(sizes(1, 40, 1200), label="C")
    kw = dict(logits=D.arr((N, C), dt, spread=D(st.sampled_from([1.0, 3.0, 10.0]), label="spread"),
                           specials=(1e4, -1e4, 0.0)),
              reduction=D(st.sampled_from(["mean", "sum", "none"]), label="reduction"),
              need_grad=D(st.booleans(), label="need_grad"))
    if D(st.booleans(), label="probability targets"):
        q = D.rng.random((N, C))
        q = (q / q.sum(axis=1, keepdims=True)).astype(dt)
        kw["target"] = lay(q, D(layouts, label="target layout"), D.rng)
    else:
        ignore = D(st.sampled_from([-100, -1, 0, C - 1, 10 ** 9]), label="ignore_index")
        t = D.rng.integers(0, C, N)
        t[D.rng.random(N) < D(st.sampled_from([0.0, 0.2, 1.0]), label="ignored fraction")] = ignore
        kw["target"] = t.astype(D(st.sampled_from([np.int64, np.int32, np.intp]), label="target dtype"))
        kw["ignore_index"] = ignore
    if D(st.booleans(), label="label smoothing"):
        kw["label_smoothing"] = D(st.sampled_from([0.0, 1.0, 0.1]) | st.floats(0, 1), label="label_smoothing")
    if D(st.booleans(), label="class weights"):
        kw["weight"] = D.rng.uniform(0.2, 2.0, C).astype(dt)
    return kw


def _xent_dtype(kw):
    return np.asarray(kw["logits"]).dtype


XENT_SPEC = [("logits", "array", None), ("target", "index", None), ("reduction", "choice", None),
             ("label_smoothing", "float", lambda kw: 0.0), ("ignore_index", "int", lambda kw: -100),
             ("weight", "array", lambda kw: np.ones(np.shape(kw["logits"])[-1], _xent_dtype(kw)))]


@FUZZ
@given(data=st.data(), cfg=kernels)
def test_softmax_cross_entropy_valid(data, cfg):
    """softmax_cross_entropy: class indices (ignored rows, any ignore_index)
    or probabilities, label smoothing in [0, 1], class weights, every
    reduction, with and without the gradient; N = 0 and C = 1 included."""
    D = Draw(data)
    kw = build_xent(D)
    run_valid(ops.softmax_cross_entropy, model_xent, kw, cfg, "softmax_cross_entropy")


@FUZZ
@given(data=st.data())
def test_softmax_cross_entropy_mutated(data):
    """softmax_cross_entropy with logits, target (labels out of range, wrong dtypes), reduction,
    label_smoothing, ignore_index or weight mutated."""
    D = Draw(data)
    kw = build_xent(D)
    if D(st.booleans(), label="mutate a probability target") and np.asarray(kw["target"]).dtype.kind == "f":
        spec = [("target", "array", None)]
    else:
        spec = XENT_SPEC
    run_mutated(D, ops.softmax_cross_entropy, model_xent, kw, spec, "softmax_cross_entropy")


# ============================================================================
# mse_loss, l1_loss, huber_loss, binary_cross_entropy_with_logits
# ============================================================================

POINTWISE = {"mse_loss": ops.mse_loss, "l1_loss": ops.l1_loss, "huber_loss": ops.huber_loss,
             "binary_cross_entropy_with_logits": ops.binary_cross_entropy_with_logits}


def model_pointwise(name):
    def model(input, target, reduction="mean", need_grad=True, delta=1.0, weight=None,
              pos_weight=None):
        X, Y = m_float(input, "input"), m_float(target, "target")
        m_same(Y, "target", X, "input")
        if Y.shape != X.shape:
            raise Invalid("target shape")
        red = m_choice(reduction, "reduction", ("none", "mean", "sum"))
        dl = m_real(delta, "delta", lo=0.0, lo_open=True) if name == "huber_loss" else 1.0
        C = X.shape[-1] if X.ndim else 1
        x, y = f64(X), f64(Y)
        d = x - y
        with np.errstate(all="ignore"):
            if name == "mse_loss":
                lo, go = d * d, 2 * d
                ls, gs = np.abs(d) * (np.abs(x) + np.abs(y)) * 2, 2 * (np.abs(x) + np.abs(y))
            elif name == "l1_loss":
                lo, go = np.abs(d), np.sign(d)
                ls, gs = np.abs(x) + np.abs(y), np.zeros_like(d)
            elif name == "huber_loss":
                small = np.abs(d) < dl
                lo = np.where(small, 0.5 * d * d, dl * (np.abs(d) - 0.5 * dl))
                go = np.where(small, d, dl * np.sign(d))
                ls = (np.abs(d) + dl) * (np.abs(x) + np.abs(y) + dl)
                gs = np.abs(x) + np.abs(y) + dl
            else:
                w = pw = 1.0
                if weight is not None:
                    W = m_float(weight, "weight")
                    m_same(W, "weight", X, "input")
                    try:
                        if np.broadcast_shapes(W.shape, X.shape) != X.shape:
                            raise Invalid("weight does not broadcast to input")
                    except ValueError:
                        raise Invalid("weight does not broadcast to input")
                    w = f64(W)
                if pos_weight is not None:
                    P = m_float(pos_weight, "pos_weight")
                    m_same(P, "pos_weight", X, "input")
                    try:
                        if np.broadcast_shapes(P.shape, (C,)) != (C,):
                            raise Invalid("pos_weight does not broadcast")
                    except ValueError:
                        raise Invalid("pos_weight does not broadcast")
                    pw = f64(np.broadcast_to(P, (C,)))
                    pw = pw[0] if X.ndim == 0 else pw
                log_sig, log_1m = -np.logaddexp(0, -x), -np.logaddexp(0, x)
                sig = np.exp(log_sig)
                lo = -(pw * y * log_sig + (1 - y) * log_1m) * w
                go = -(pw * y * (1 - sig) - (1 - y) * sig) * w
                ls = (np.abs(pw * y * log_sig) + np.abs((1 - y) * log_1m) + np.abs(x)) * np.abs(w)
                gs = (np.abs(pw * y) + np.abs(1 - y)) * np.abs(w)
                lo, go = np.broadcast_to(lo, X.shape), np.broadcast_to(go, X.shape)
                ls, gs = np.broadcast_to(ls, X.shape), np.broadcast_to(gs, X.shape)
            rtol, atol = TOL[X.dtype]
            n = lo.size
            if red == "none":
                loss = Exp(lo, rtol * (np.abs(lo) + ls) + atol, X.dtype)
                grad = Exp(go, rtol * (np.abs(go) + gs) + atol, X.dtype)
            else:
                div = n if red == "mean" else 1
                total = lo.sum() / div if n or red == "sum" else math.nan
                loss = Exp(total, 10 * rtol * (np.abs(lo) + ls).sum() / max(div, 1) + atol, X.dtype)
                grad = Exp(go / max(div, 1), (rtol * (np.abs(go) + gs) + atol) / max(div, 1), X.dtype)
        return loss, (grad if need_grad else None)
    return model


def build_pointwise(D, name):
    dt = D(dtypes, label="dtype")
    shape = D(shapes(0, 4, 0, 9) | st.tuples(sizes(0, 40, 5000)), label="shape")
    spread = D(st.sampled_from([1.0, 3.0, 30.0]), label="spread")
    kw = dict(input=D.arr(shape, dt, spread=spread, specials=(0.0, 100.0, -100.0)),
              reduction=D(st.sampled_from(["mean", "sum", "none"]), label="reduction"),
              need_grad=D(st.booleans(), label="need_grad"))
    if name == "binary_cross_entropy_with_logits":
        kind = D(st.sampled_from(["probabilities", "0/1"]), label="targets")
        t = D.rng.random(shape) if kind == "probabilities" else D.rng.integers(0, 2, shape)
        kw["target"] = lay(np.asarray(t, dt), D(layouts, label="target layout"), D.rng)
        if D(st.booleans(), label="weight") and len(shape):
            wshape = tuple(s if D.rng.random() < 0.5 else 1 for s in shape)    # broadcasts to shape
            wshape = wshape[D(st.integers(0, len(shape)), label="weight dims dropped"):]
            kw["weight"] = D.rng.uniform(0.2, 2.0, wshape).astype(dt)
        if D(st.booleans(), label="pos_weight"):
            C = shape[-1] if shape else 1
            pshape = D(st.sampled_from([(C,), (1,), ()]), label="pos_weight shape")
            kw["pos_weight"] = D.rng.uniform(0.5, 3.0, pshape).astype(dt)
    else:
        kw["target"] = D.arr(shape, dt, spread=spread)
    if name == "huber_loss":
        kw["delta"] = D(st.sampled_from([1.0, 0.1, 2.5]) | st.floats(1e-3, 100), label="delta")
    return kw


def _pointwise_spec(name):
    spec = [("input", "array", None), ("target", "array", None), ("reduction", "choice", None)]
    dtype = lambda kw: np.asarray(kw["input"]).dtype  # noqa: E731
    if name == "huber_loss":
        spec.append(("delta", "float", None))
    if name == "binary_cross_entropy_with_logits":
        spec += [("weight", "array", lambda kw: np.ones(np.shape(kw["input"]), dtype(kw))),
                 ("pos_weight", "array", lambda kw: np.ones(np.shape(kw["input"])[-1:], dtype(kw)))]
    return spec


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(POINTWISE)), cfg=kernels)
def test_pointwise_losses_valid(data, name, cfg):
    """mse, l1, huber (any delta > 0) and BCE-with-logits (broadcast weight and
    pos_weight, soft and 0/1 targets): any shape incl. 0-d and empty, every
    reduction, with and without the gradient."""
    D = Draw(data)
    kw = build_pointwise(D, name)
    run_valid(POINTWISE[name], model_pointwise(name), kw, cfg, name)


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(POINTWISE)))
def test_pointwise_losses_mutated(data, name):
    """mse / l1 / huber / BCE with input, target, reduction, delta, weight or pos_weight mutated."""
    D = Draw(data)
    run_mutated(D, POINTWISE[name], model_pointwise(name), build_pointwise(D, name),
                _pointwise_spec(name), name)


# ============================================================================
# dropout, dropout_backward, dropout_mask
# ============================================================================

def _dropout_args(p, seed, offset):
    return (m_real(p, "p", 0.0, 1.0), m_int(seed, "seed", 0, 2 ** 64),
            m_int(offset, "offset", 0, 2 ** 64))


def model_dropout(xname):
    """The mask is the library's own dropout_mask (checked on its own below)."""
    def model(p, seed, offset=0, out=None, **kw):
        pv, s, o = _dropout_args(p, seed, offset)
        X = m_float(kw[xname], xname)
        m_out(out, "out", X.shape, X.dtype, [(X, xname)], allow_same=True)
        keep = ops.dropout_mask(X.shape, pv, s, o)
        with np.errstate(all="ignore"):
            ref = np.where(keep, f64(X) / (1 - pv), 0.0) if pv < 1 else np.zeros(X.shape)
        return Exp(ref, 4 * eps(X.dtype) * np.abs(ref) + tiny(X.dtype), X.dtype)
    return model


def model_dropout_mask(shape, p, seed, offset=0):
    pv, s, o = _dropout_args(p, seed, offset)
    if isinstance(shape, (bool, np.bool_)):
        raise Invalid("shape is a bool")
    dims = (shape,) if isinstance(shape, numbers.Integral) else shape
    try:
        dims = tuple(dims)
    except TypeError:
        raise Invalid("shape is not a shape")
    for d in dims:
        m_int(d, "shape", 0)
    n = math.prod(dims)
    if n > CHECK_LIMIT:
        raise TooBig("shape")
    return None      # the mask has no independent reference: see test_dropout_mask_properties


def build_dropout(D, xname):
    dt = D(dtypes, label="dtype")
    shape = D(shapes(0, 4, 0, 9) | st.tuples(sizes(0, 40, 20000)), label="shape")
    kw = {xname: D.arr(shape, dt, spread=3.0),
          "p": D(st.sampled_from([0.0, 0.5, 1.0, 0.1, 0.9]) | st.floats(0, 1), label="p"),
          "seed": D(st.sampled_from([0, 1, 2 ** 63, 2 ** 64 - 1]) | st.integers(0, 2 ** 64 - 1), label="seed")}
    if D(st.booleans(), label="offset given"):
        kw["offset"] = D(st.sampled_from([0, 1, 7, 2 ** 32, 2 ** 64 - 1 - 20000]) | st.integers(0, 2 ** 62),
                         label="offset")
    mode = D(st.sampled_from(["allocate", "out", "in place"]), label="out mode")
    if mode == "out":
        kw["out"] = np.full(shape, np.nan, dt)
    elif mode == "in place":
        kw[xname] = np.array(kw[xname], order='C')
        kw["out"] = kw[xname]
    return kw


def _dropout_spec(xname):
    return [(xname, "array", None), ("p", "float", None), ("seed", "int", None),
            ("offset", "int", lambda kw: 0),
            ("out", "out", lambda kw: np.zeros(np.shape(kw[xname]), np.asarray(kw[xname]).dtype))]


DROPOUTS = {"dropout": (ops.dropout, "x"), "dropout_backward": (ops.dropout_backward, "grad_out")}


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(DROPOUTS)), cfg=kernels)
def test_dropout_valid(data, name, cfg):
    """dropout / dropout_backward: the kept elements scaled by 1/(1-p), the
    others zero, by the mask dropout_mask gives for the same (p, seed, offset);
    p = 0 keeps all, p = 1 zeroes all; any shape, layout, out=."""
    D = Draw(data)
    fn, xname = DROPOUTS[name]
    kw = build_dropout(D, xname)
    run_valid(fn, model_dropout(xname), kw, cfg, name)


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(DROPOUTS)))
def test_dropout_mutated(data, name):
    """dropout / dropout_backward with the input, p, seed, offset (huge ints) or out mutated."""
    D = Draw(data)
    fn, xname = DROPOUTS[name]
    run_mutated(D, fn, model_dropout(xname), build_dropout(D, xname), _dropout_spec(xname), name)


@FUZZ
@given(data=st.data(), cfg=kernels)
def test_dropout_mask_properties(data, cfg):
    """dropout_mask: a bool array of the shape; all kept at p = 0, none at
    p = 1; a pure function of (seed, offset + index): shifting the offset by k
    shifts the mask by k; the same for any SIMD path and thread count; the
    kept fraction is within 6 sigma of 1 - p."""
    D = Draw(data)
    n = D(sizes(0, 40, 50000), label="n")
    p = D(st.sampled_from([0.0, 1.0, 0.5]) | st.floats(0, 1), label="p")
    seed = D(st.integers(0, 2 ** 64 - 1), label="seed")
    offset = D(st.sampled_from([0, 2 ** 63]) | st.integers(0, 2 ** 62), label="offset")
    k = D(st.integers(0, 64), label="shift")
    shape = D(st.sampled_from([(n,), (1, n), (n, 1)]), label="shape")
    with kernel_config(cfg):
        m = fuzzed(ops.dropout_mask, shape, p, seed, offset)
        shifted = fuzzed(ops.dropout_mask, max(n - k, 0), p, seed, offset + k)
    assert m.dtype == np.bool_ and m.shape == shape
    flat = m.reshape(-1)
    if p == 0:
        assert flat.all()
    if p == 1:
        assert not flat.any()
    np.testing.assert_array_equal(shifted, flat[k:], err_msg="mask(offset + k) != mask(offset)[k:]")
    again = fuzzed(ops.dropout_mask, shape, p, seed, offset)
    np.testing.assert_array_equal(again, m)
    if n >= 1000:
        sigma = math.sqrt(n * p * (1 - p))
        assert abs(flat.sum() - n * (1 - p)) <= 6 * sigma + 1, f"kept {flat.sum()} of {n} at p={p}"


SHAPE_MUTATIONS = {
    "-1": -1, "(3, -1)": (3, -1), "2**64": 2 ** 64, "(2**40, 2**40)": (2 ** 40, 2 ** 40),
    "-2**70": -2 ** 70, "None": None, "str": "abc", "float": 3.0, "(2.0,)": (2.0,), "True": True,
    "64 ones": (1,) * 64, "65 ones": (1,) * 65, "(2**40,)": (2 ** 40,), "[]": [], "(0,)": (0,),
    "list [2, 3]": [2, 3], "np.int64(4)": np.int64(4), "nested": ((2,), 3),
}


@FUZZ
@given(data=st.data())
def test_dropout_mask_mutated(data):
    """dropout_mask with odd shapes or parameters: rejected naming the
    argument, or a bool mask of that shape."""
    D = Draw(data)
    kw = dict(shape=(3, 4), p=0.5, seed=1, offset=0)
    arg = D(st.sampled_from(["shape", "p", "seed", "offset"]), label="mutated argument")
    if arg == "shape":
        label = D(st.sampled_from(sorted(SHAPE_MUTATIONS)), label="mutation")
        kw["shape"] = SHAPE_MUTATIONS[label]
    else:
        table = FLOAT_MUTATIONS if arg == "p" else INT_MUTATIONS
        label = D(st.sampled_from(sorted(table)), label="mutation")
        kw[arg] = table[label](kw[arg], D.rng)
    try:
        model_dropout_mask(**kw)
        verdict = None
    except (Invalid, TooBig) as e:
        verdict = e
    got, exc = attempt(ops.dropout_mask, **kw)

    def compare(got):
        assert got.dtype == np.bool_ and got.shape == np.empty(kw["shape"], np.bool_).shape, \
            f"dropout_mask({arg}: {label}) returned {_describe(got)}"
    settle(f"dropout_mask({arg}: {label})", got, exc, verdict, NAMES.get(arg, (arg,)), compare)


# ============================================================================
# gather_rows, argmax, count_correct, sum_squares
# ============================================================================

def model_gather_rows(src, index, out=None, scale=1.0, shift=0.0, dtype=None):
    if src is None or isinstance(src, (str, bytes, dict)):
        raise Invalid("src")
    try:
        S = src if isinstance(src, np.ndarray) else np.asarray(src)
    except (ValueError, TypeError):
        raise Invalid("src is not an array")
    if S.size > CHECK_LIMIT:
        raise TooBig("src")
    if S.ndim < 1 or S.dtype not in (F32, F64, np.dtype(np.uint8)):
        raise Invalid("src")
    u8 = S.dtype == np.uint8
    sc, sh = m_real(scale, "scale"), m_real(shift, "shift")
    if not u8 and (sc != 1.0 or sh != 0.0):
        raise Invalid("scale and shift apply to uint8 only")
    if dtype is None:
        odt = F32 if u8 else S.dtype
    else:
        try:
            odt = np.dtype(dtype)
        except (TypeError, ValueError):
            raise Invalid("dtype is not a dtype")
        if odt not in FLOATS or (not u8 and odt != S.dtype):
            raise Invalid("dtype")
    I = m_index(index, "index")
    if I.ndim != 1:
        raise Invalid("index must be 1-D")
    N = S.shape[0]
    if np.any((I < 0) | (I >= N)):
        raise Invalid("index out of range")
    m_out(out, "out", (I.shape[0],) + S.shape[1:], odt, [(S, "src"), (index, "index")])
    if not u8:
        return Exp(np.asarray(S)[I], dtype=odt, exact=True)
    ref = f64(S)[I] * sc + sh
    return Exp(ref, 4 * eps(odt) * (np.abs(f64(S)[I] * sc) + abs(sh)) + tiny(odt), odt)


def build_gather_rows(D):
    kind = D(st.sampled_from(["float32", "float64", "uint8"]), label="src dtype")
    N = D(sizes(0, 40, 2000), label="N")
    row = D(shapes(0, 3, 0, 9) | st.tuples(sizes(0, 40, 800)), label="row shape")
    if kind == "uint8":
        src = lay(D.rng.integers(0, 256, (N,) + row).astype(np.uint8), D(layouts, label="layout"), D.rng)
    else:
        src = D.arr((N,) + row, np.dtype(kind))
    B = D(sizes(0, 40, 500), label="B") if N else 0
    kw = dict(src=src, index=D.rng.integers(0, max(N, 1), B).astype(
        D(st.sampled_from([np.int64, np.int32, np.uint16, np.intp]), label="index dtype")))
    if kind == "uint8":
        if D(st.booleans(), label="scale/shift"):
            kw["scale"] = D(st.sampled_from([1 / 255, 2.0]) | st.floats(-10, 10), label="scale")
            kw["shift"] = D(st.sampled_from([0.0, -0.5]) | st.floats(-10, 10), label="shift")
        kw["dtype"] = D(st.sampled_from([None, np.float32, np.float64, "float64"]), label="dtype")
    odt = model_gather_rows(**kw).dtype
    if D(st.booleans(), label="out given"):
        kw["out"] = np.full((B,) + row, np.nan, odt)
    return kw


def _gather_out(kw):
    S = np.asarray(kw["src"])
    odt = np.dtype(kw.get("dtype") or np.float32) if S.dtype == np.uint8 else S.dtype
    return np.zeros((np.size(kw["index"]),) + S.shape[1:], odt)


GATHER_SPEC = [("src", "array", None), ("index", "index", None), ("scale", "float", lambda kw: 1.0),
               ("shift", "float", lambda kw: 0.0), ("dtype", "choice", None), ("out", "out", _gather_out)]


@FUZZ
@given(data=st.data(), cfg=kernels)
def test_gather_rows_valid(data, cfg):
    """gather_rows: float rows copied bit-exactly, uint8 rows scaled and
    shifted to float32/float64; rows of any shape, any layout, any integer
    index dtype, empty batches, out=."""
    D = Draw(data)
    kw = build_gather_rows(D)
    run_valid(ops.gather_rows, model_gather_rows, kw, cfg, "gather_rows")


@FUZZ
@given(data=st.data())
def test_gather_rows_mutated(data):
    """gather_rows with src, index (out of range, wrong dtypes), scale, shift, dtype or out mutated."""
    D = Draw(data)
    kw = build_gather_rows(D)
    if D(st.booleans(), label="dtype mutation") and np.asarray(kw["src"]).dtype == np.uint8:
        kw["dtype"] = D(st.sampled_from(["bogus", np.float16, np.int64, complex, object, 3, "f8"]),
                        label="dtype value")
        judge(ops.gather_rows, model_gather_rows, kw, ("dtype",), f"gather_rows(dtype={kw['dtype']!r})")
        return
    run_mutated(D, ops.gather_rows, model_gather_rows, kw, GATHER_SPEC, "gather_rows")


def model_argmax(x):
    X = m_float(x, "x")
    if X.ndim != 2 or X.shape[1] < 1:
        raise Invalid("x must be (N, C), C >= 1")
    return Exp(np.argmax(X, axis=1).astype(np.int64), dtype=np.dtype(np.int64), exact=True)


def model_count_correct(logits, labels):
    X = m_float(logits, "logits")
    if X.ndim != 2 or X.shape[1] < 1:
        raise Invalid("logits must be (N, C), C >= 1")
    L = m_index(labels, "labels")
    if L.shape != (X.shape[0],):
        raise Invalid("labels shape")
    return Exp(int((np.argmax(X, axis=1) == L).sum()), exact=True, pyscalar=int)


def build_argmax(D):
    dt = D(dtypes, label="dtype")
    N, C = D(sizes(0, 40, 3000), label="N"), D(sizes(1, 40, 3000), label="C")
    # few distinct values: ties; sometimes NaN (counts as the maximum, as numpy's argmax)
    v = D.rng.integers(-3, 4, (N, C)).astype(np.float64)
    if D(st.booleans(), label="continuous values"):
        v = D.rng.standard_normal((N, C))
    if D(st.booleans(), label="NaN / Inf"):
        v = _poke(_poke(v, np.nan), np.inf) if v.size > 1 else v
    x = lay(v.astype(dt), D(layouts, label="layout"), D.rng)
    labels = D.rng.integers(-1, C + 1, N)
    return x, labels


@FUZZ
@given(data=st.data(), cfg=kernels)
def test_argmax_count_correct_valid(data, cfg):
    """argmax (first maximum, NaN counts as maximum) and count_correct (labels
    may be outside [0, C): they just never match) of any (N, C)."""
    D = Draw(data)
    x, labels = build_argmax(D)
    with kernel_config(cfg):
        check(fuzzed(ops.argmax, x), model_argmax(x), "argmax")
        check(fuzzed(ops.count_correct, x, labels), model_count_correct(x, labels), "count_correct")


@FUZZ
@given(data=st.data(), which=st.sampled_from(["argmax", "count_correct"]))
def test_argmax_count_correct_mutated(data, which):
    """argmax / count_correct with the logits or the labels mutated."""
    D = Draw(data)
    x, labels = build_argmax(D)
    if which == "argmax":
        run_mutated(D, ops.argmax, model_argmax, dict(x=x), [("x", "array", None)], "argmax")
    else:
        run_mutated(D, ops.count_correct, model_count_correct, dict(logits=x, labels=labels),
                    [("logits", "array", None), ("labels", "index", None)], "count_correct")


def model_sum_squares(arrays):
    if isinstance(arrays, np.ndarray):
        arrays = [arrays]
    if arrays is None or isinstance(arrays, (str, bytes)) or not hasattr(arrays, "__iter__"):
        raise Invalid("arrays is not an iterable of arrays")
    total, scale = 0.0, 0.0
    for k, a in enumerate(list(arrays)):
        A = m_float(a, f"arrays[{k}]")
        sq = np.square(f64(A))
        total += float(sq.sum())
        scale += float(sq.sum()) * (A.size + 1)
    return Exp(total, 4 * eps(F64) * scale + 1e-300, pyscalar=float)


def build_sum_squares(D):
    arrays = []
    for _ in range(D(st.integers(0, 5), label="how many")):
        shape = D(shapes(0, 3, 0, 9) | st.tuples(sizes(0, 40, 20000)), label="shape")
        arrays.append(D.arr(shape, D(dtypes, label="dtype"), spread=D(st.sampled_from([1.0, 1e-20, 1e20]),
                                                                     label="spread")))
    form = D(st.sampled_from(["list", "tuple", "generator", "single array"]), label="form")
    if form == "single array":
        return arrays[0] if arrays else np.zeros(0, np.float32)
    if form == "tuple":
        return tuple(arrays)
    if form == "generator":
        return (a for a in arrays)
    return arrays


@FUZZ
@given(data=st.data(), cfg=kernels)
def test_sum_squares_valid(data, cfg):
    """sum_squares of 0-5 float32/float64 arrays (any shape and layout, tiny
    and huge values) given as a list, tuple, generator or single array."""
    D = Draw(data)
    arrays = build_sum_squares(D)
    if not isinstance(arrays, np.ndarray):
        arrays = list(arrays) if not isinstance(arrays, tuple) else arrays
    exp = model_sum_squares(arrays)
    with kernel_config(cfg):
        got = fuzzed(ops.sum_squares, arrays)
    check(got, exp, "sum_squares")


SUM_SQUARES_MUTATIONS = {
    "None": None, "a float": 1.5, "an int": 3, "a str": "abc", "a dict": {"a": np.ones(2)},
    "list with None": [np.ones(3), None], "list with an int array": [np.ones(3), np.arange(3)],
    "list with a complex array": [np.ones(3, np.complex64)], "list with a str": ["abc"],
    "list of lists": [[1.0, 2.0], [3.0]], "list with a ragged list": [[[1.0], [1.0, 2.0]]],
    "list with a float16 array": [np.ones(3, np.float16)], "a bool array": np.ones(3, bool),
    "list with a giant view": [giant((2 ** 40,), np.float64)], "list of floats": [1.0, 2.0],
    "list with a misaligned array": [misaligned(np.arange(5.0))],
    "an object array": np.array([np.ones(2), np.ones(3)], dtype=object),
}


@FUZZ
@given(label=st.sampled_from(sorted(SUM_SQUARES_MUTATIONS)))
def test_sum_squares_mutated(label):
    """sum_squares of things that are not an iterable of float arrays."""
    arrays = SUM_SQUARES_MUTATIONS[label]
    judge(ops.sum_squares, model_sum_squares, dict(arrays=arrays), ("arrays",),
          f"sum_squares({label})", name_required="giant" not in label)


# ============================================================================
# nn: Linear, activation and loss modules, Sequential; inplace=
# ============================================================================

def nn_bound(dtype, ref, terms=0.0):
    """Tolerance of the module checks (the kernels' own accuracy is checked
    above; these look for plumbing errors: wrong dims, missing or doubled
    gradients)."""
    return 64 * eps(dtype) * (np.abs(ref) + terms) + 64 * tiny(dtype)


def grad_of(t):
    return None if t.grad is None else t.grad.numpy()


@FUZZ
@given(data=st.data())
def test_nn_linear_valid(data):
    """nn.Linear(in, out, bias, dtype): PyTorch's init bounds; forward of (*, in)
    inputs; x.grad, weight.grad and bias.grad after one or two backward passes
    (the second accumulates)."""
    D = Draw(data)
    dt = D(dtypes, label="dtype")
    in_f, out_f = D(sizes(0, 33), label="in_features"), D(sizes(0, 33), label="out_features")
    bias = D(st.booleans(), label="bias")
    lead = D(shapes(0, 2, 0, 9), label="leading shape")
    fastnn.manual_seed(D(seeds, label="manual_seed"))
    layer = fuzzed(nn.Linear, in_f, out_f, bias=bias, dtype=dt)
    W = layer.weight.numpy()
    assert W.shape == (out_f, in_f) and W.dtype == dt and (layer.bias is not None) == bias
    bound = 1 / math.sqrt(in_f) if in_f else 0.0
    assert np.all(np.abs(W) <= bound)
    x = fastnn.tensor(values(D.rng, lead + (in_f,), dt), requires_grad=True)
    exp = model_linear(x.numpy(), W, None if layer.bias is None else layer.bias.numpy())
    passes = D(st.integers(1, 2), label="backward passes")
    g = values(D.rng, lead + (out_f,), dt)
    for _ in range(passes):
        y = fuzzed(layer, x)
        check(y.numpy(), exp, "nn.Linear forward")
        fuzzed(y.backward, fastnn.tensor(g))
    rows = int(np.prod(lead, dtype=np.int64))
    G, X, Wd = f64(g).reshape(rows, out_f), f64(x.numpy()).reshape(rows, in_f), f64(W)
    k = float(passes)
    gx, sx = k * (G @ Wd), k * (np.abs(G) @ np.abs(Wd))
    check(grad_of(x), Exp(gx.reshape(x.shape), gemm_bound(dt, sx).reshape(x.shape), dt), "x.grad")
    check(grad_of(layer.weight), Exp(k * G.T @ X, gemm_bound(dt, k * np.abs(G).T @ np.abs(X)), dt),
          "weight.grad")
    if bias:
        check(grad_of(layer.bias), Exp(k * G.sum(axis=0), gemm_bound(dt, k * np.abs(G).sum(axis=0)), dt),
              "bias.grad")


def _act_module(D, name):
    """(module, reference forward y(x), reference gradient gx(x, y, g))."""
    if name == "ReLU":
        return nn.ReLU(), lambda x: np.maximum(x, 0), lambda x, y, g: g * (y > 0)
    if name == "LeakyReLU":
        s = D(st.sampled_from([0.01, 0.2, -0.5, 0.0]) | st.floats(-3, 3), label="negative_slope")
        return (nn.LeakyReLU(s), lambda x: np.where(x > 0, x, s * x),
                lambda x, y, g: g * np.where(x > 0, 1.0, s))
    if name == "Sigmoid":
        return nn.Sigmoid(), sigmoid_ref, lambda x, y, g: g * y * (1 - y)
    if name == "Tanh":
        return nn.Tanh(), np.tanh, lambda x, y, g: g * (1 - y * y)
    if name == "GELU":
        a = D(st.sampled_from(["none", "tanh"]), label="approximate")
        return nn.GELU(a), lambda x: gelu_ref(x, a), lambda x, y, g: g * gelu_grad_ref(x, a)
    if name == "Softplus":
        b, t = D(st.floats(0.1, 5), label="beta"), D(st.floats(-2, 30), label="threshold")
        return (nn.Softplus(b, t), lambda x: softplus_ref(x, b, t),
                lambda x, y, g: g * np.where(b * x > t, 1.0, sigmoid_ref(b * x)))
    if name in ("Softmax", "LogSoftmax"):
        dim = D(st.sampled_from([-1, 0, 1, None]), label="dim")
        d = -1 if dim is None else dim
        if name == "Softmax":
            return (nn.Softmax(dim), lambda x: np.exp(log_softmax_ref(x, d)),
                    lambda x, y, g: y * (g - (g * y).sum(axis=d, keepdims=True)))
        return (nn.LogSoftmax(dim), lambda x: log_softmax_ref(x, d),
                lambda x, y, g: g - np.exp(y) * g.sum(axis=d, keepdims=True))
    if name == "Identity":
        return nn.Identity(), lambda x: x, lambda x, y, g: g
    if name == "Flatten":
        return (nn.Flatten(), lambda x: x.reshape(x.shape[0], -1),
                lambda x, y, g: g.reshape(x.shape))
    m = nn.Dropout(D(st.floats(0, 0.99), label="p"))      # eval(): the identity
    m.eval()
    return m, lambda x: x, lambda x, y, g: g


ACT_MODULES = ["ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU", "Softplus", "Softmax",
               "LogSoftmax", "Identity", "Flatten", "Dropout.eval"]


@FUZZ
@given(data=st.data(), name=st.sampled_from(ACT_MODULES))
def test_nn_activation_modules_valid(data, name):
    """The activation modules (and Softmax / LogSoftmax over a dim, Flatten,
    Identity, Dropout in eval mode): forward and the input's gradient."""
    D = Draw(data)
    dt = D(dtypes, label="dtype")
    shape = D(shapes(2, 3, 1, 9), label="shape")
    m, fwd, bwd = _act_module(D, name)
    x = fastnn.tensor(values(D.rng, shape, dt, spread=3.0), requires_grad=True)
    y = fuzzed(m, x)
    x64 = f64(x.numpy())
    ref = fwd(x64)
    check(y.numpy(), Exp(ref, nn_bound(dt, ref, 1 + x64 * x64 if y.shape == x.shape else 1.0), dt),
          f"{name} forward")
    g = values(D.rng, y.shape, dt)
    fuzzed(y.backward, fastnn.tensor(g))
    gref = bwd(x64, f64(y.numpy()), f64(g))
    check(grad_of(x), Exp(gref, nn_bound(dt, gref, np.abs(f64(g)).max(initial=0) * (1 + x64 * x64)), dt),
          f"{name} x.grad")


INPLACE = {
    "F.relu": (lambda t: nn.functional.relu(t, inplace=True), lambda x: np.maximum(x, 0)),
    "F.leaky_relu": (lambda t: nn.functional.leaky_relu(t, 0.2, inplace=True),
                     lambda x: np.where(x > 0, x, 0.2 * x)),
    "nn.ReLU": (lambda t: nn.ReLU(inplace=True)(t), lambda x: np.maximum(x, 0)),
    "nn.LeakyReLU": (lambda t: nn.LeakyReLU(0.2, inplace=True)(t), lambda x: np.where(x > 0, x, 0.2 * x)),
    "F.dropout": (lambda t: nn.functional.dropout(t, 0.5, True, inplace=True), None),
    "nn.Dropout": (lambda t: nn.Dropout(0.5, inplace=True)(t), None),
}


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(INPLACE)))
def test_nn_inplace_modifies_the_input(data, name):
    """inplace=True (F.relu, F.leaky_relu, F.dropout, nn.ReLU, nn.LeakyReLU,
    nn.Dropout) on a tensor that needs no gradient: the input tensor holds the
    result afterwards, as in PyTorch."""
    D = Draw(data)
    dt = D(dtypes, label="dtype")
    x = values(D.rng, D(shapes(1, 3, 1, 9), label="shape"), dt)
    t = fastnn.tensor(x)
    fn, ref = INPLACE[name]
    y = fuzzed(fn, t).numpy()
    if ref is not None:
        want = ref(f64(x))
        check(y, Exp(want, ulp_bound(dt, np.abs(want)), dt), f"{name}: result")
    else:     # dropout: kept elements scaled by 2, the others 0
        kept = y != 0
        np.testing.assert_allclose(y[kept], 2 * x[kept], rtol=4 * eps(dt))
    np.testing.assert_array_equal(t.numpy(), y, err_msg=f"{name}(inplace=True) left the input unchanged")


LOSS_MODULES = ["MSELoss", "L1Loss", "HuberLoss", "BCEWithLogitsLoss", "CrossEntropyLoss"]


def _loss_setup(D, name, dt, reduction):
    """(module, input array, target (array or tensor), model returning (loss, grad))."""
    if name == "CrossEntropyLoss":
        N, C = D(sizes(0, 17), label="N"), D(sizes(1, 17), label="C")
        x = values(D.rng, (N, C), dt, spread=3.0)
        ignore = D(st.sampled_from([-100, 0, -1]), label="ignore_index")
        t = D.rng.integers(0, C, N)
        t[D.rng.random(N) < 0.2] = ignore
        w = D.rng.uniform(0.2, 2, C).astype(dt) if D(st.booleans(), label="weight") else None
        eps_ = D(st.sampled_from([0.0, 0.1]), label="label_smoothing")
        m = nn.CrossEntropyLoss(weight=None if w is None else fastnn.tensor(w), ignore_index=ignore,
                                reduction=reduction, label_smoothing=eps_)
        tgt = D(st.sampled_from(["tensor", "ndarray", "list"]), label="target as") if N else "tensor"
        T = fastnn.tensor(t) if tgt == "tensor" else (t if tgt == "ndarray" else t.tolist())
        return m, x, T, lambda: model_xent(x, t, reduction, eps_, w, ignore)
    shape = D(shapes(1, 3, 0, 9), label="shape")
    x = values(D.rng, shape, dt, spread=3.0)
    kw = {}
    if name == "BCEWithLogitsLoss":
        y = D.rng.random(shape).astype(dt)
        if D(st.booleans(), label="pos_weight"):
            kw["pos_weight"] = D.rng.uniform(0.5, 3, shape[-1:]).astype(dt)
        m = nn.BCEWithLogitsLoss(reduction=reduction, pos_weight=None if "pos_weight" not in kw
                                 else fastnn.tensor(kw["pos_weight"]))
    else:
        y = values(D.rng, shape, dt)
        if name == "HuberLoss":
            kw["delta"] = D(st.floats(0.05, 5), label="delta")
            m = nn.HuberLoss(reduction, kw["delta"])
        else:
            m = getattr(nn, name)(reduction)
    fn = {"MSELoss": "mse_loss", "L1Loss": "l1_loss", "HuberLoss": "huber_loss",
          "BCEWithLogitsLoss": "binary_cross_entropy_with_logits"}[name]
    return m, x, y, lambda: model_pointwise(fn)(x, y, reduction, **kw)


@FUZZ
@given(data=st.data(), name=st.sampled_from(LOSS_MODULES),
       reduction=st.sampled_from(["mean", "sum", "none"]))
def test_nn_loss_modules_valid(data, name, reduction):
    """The loss modules: value and input gradient (through backward with a
    random upstream gradient for reduction='none'); the target's gradient
    of mse / l1 / huber is minus the input's."""
    D = Draw(data)
    dt = D(dtypes, label="dtype")
    m, x, target, model = _loss_setup(D, name, dt, reduction)
    with np.errstate(all="ignore"):
        loss_exp, grad_exp = model()
    inp = fastnn.tensor(x, requires_grad=True)
    target_grad = name in ("MSELoss", "L1Loss", "HuberLoss") and D(st.booleans(), label="target requires grad")
    if target_grad:
        target = fastnn.tensor(target, requires_grad=True)
    elif isinstance(target, np.ndarray) and name != "CrossEntropyLoss":
        target = fastnn.tensor(target)
    loss = fuzzed(m, inp, target)
    check(loss.numpy(), loss_exp, f"{name} loss")
    g = values(D.rng, loss.shape, dt) if reduction == "none" else np.ones((), dt)
    fuzzed(loss.backward, fastnn.tensor(g))
    scale = f64(g)[:, None] if (reduction == "none" and name == "CrossEntropyLoss") else f64(g)
    gref = grad_exp.value * scale
    check(grad_of(inp), Exp(gref, np.abs(grad_exp.bound * scale) + nn_bound(dt, gref), dt), f"{name} input.grad")
    if target_grad:
        check(grad_of(target), Exp(-gref, np.abs(grad_exp.bound * scale) + nn_bound(dt, gref), dt),
              f"{name} target.grad")


SEQ_KINDS = ["ReLU", "LeakyReLU", "LeakyReLU(negative)", "Sigmoid", "Tanh", "GELU", "Softplus",
             "Identity", "Dropout.eval", None]


def _seq_act(kind, x):
    """(y, dy/dx) of a Sequential activation in float64."""
    if kind == "ReLU":
        return np.maximum(x, 0), (x > 0) * 1.0
    if kind in ("LeakyReLU", "LeakyReLU(negative)"):
        s = 0.1 if kind == "LeakyReLU" else -0.3
        return np.where(x > 0, x, s * x), np.where(x > 0, 1.0, s)
    if kind == "Sigmoid":
        y = sigmoid_ref(x)
        return y, y * (1 - y)
    if kind == "Tanh":
        y = np.tanh(x)
        return y, 1 - y * y
    if kind == "GELU":
        return gelu_ref(x, "none"), gelu_grad_ref(x, "none")
    if kind == "Softplus":
        return softplus_ref(x, 1.0, 20.0), np.where(x > 20, 1.0, sigmoid_ref(x))
    return x, np.ones_like(x)


def _seq_module(kind):
    m = {"ReLU": nn.ReLU, "LeakyReLU": lambda: nn.LeakyReLU(0.1),
         "LeakyReLU(negative)": lambda: nn.LeakyReLU(-0.3), "Sigmoid": nn.Sigmoid, "Tanh": nn.Tanh,
         "GELU": nn.GELU, "Softplus": nn.Softplus, "Identity": nn.Identity,
         "Dropout.eval": lambda: nn.Dropout(0.5)}[kind]()
    if kind == "Dropout.eval":
        m.eval()
    return m


@FUZZ
@given(data=st.data())
def test_nn_sequential_valid(data):
    """nn.Sequential of 1-4 Linear layers, each maybe followed by an activation
    (fused into the Linear kernel or not): output, input gradient and every
    parameter's gradient against a float64 numpy forward/backward pass."""
    D = Draw(data)
    dt = D(dtypes, label="dtype")
    depth = D(st.integers(1, 4), label="depth")
    widths = [D(sizes(1, 24), label="width") for _ in range(depth + 1)]
    fastnn.manual_seed(D(seeds, label="manual_seed"))
    mods, plan = [], []
    for i in range(depth):
        lin = nn.Linear(widths[i], widths[i + 1], bias=D(st.booleans(), label="bias"), dtype=dt)
        mods.append(lin)
        plan.append(("linear", lin))
        kind = D(st.sampled_from(SEQ_KINDS), label="activation")
        if kind is not None:
            mods.append(_seq_module(kind))
            plan.append(("act", kind))
    model = fuzzed(nn.Sequential, *mods)
    B = D(sizes(0, 17), label="batch")
    x = fastnn.tensor(values(D.rng, (B, widths[0]), dt), requires_grad=True)
    y = fuzzed(model, x)
    # float64 reference
    h, cache = f64(x.numpy()), []
    for kind, obj in plan:
        cache.append(h)
        if kind == "linear":
            h = h @ f64(obj.weight.numpy()).T + (0 if obj.bias is None else f64(obj.bias.numpy()))
        else:
            h = _seq_act(obj, h)[0]
    big = 1e3 * eps(dt)
    check(y.numpy(), Exp(h, big * (np.abs(h) + np.abs(h).max(initial=0)) + 64 * tiny(dt), dt), "Sequential output")
    g = values(D.rng, y.shape, dt)
    fuzzed(y.backward, fastnn.tensor(g))
    gh = f64(g)
    for (kind, obj), h_in in reversed(list(zip(plan, cache))):
        if kind == "linear":
            gw, gb = gh.T @ h_in, gh.sum(axis=0)
            check(grad_of(obj.weight), Exp(gw, big * (np.abs(gw) + np.abs(gw).max(initial=0)) + 64 * tiny(dt), dt),
                  "weight.grad")
            if obj.bias is not None:
                check(grad_of(obj.bias), Exp(gb, big * (np.abs(gb) + np.abs(gb).max(initial=0)) + 64 * tiny(dt), dt),
                      "bias.grad")
            gh = gh @ f64(obj.weight.numpy())
        else:
            gh = gh * _seq_act(obj, h_in)[1]
    check(grad_of(x), Exp(gh, big * (np.abs(gh) + np.abs(gh).max(initial=0)) + 64 * tiny(dt), dt), "x.grad")


def _nn_call(make, inputs):
    """Build a module (hyperparameters) and call it: one fuzzed call."""
    def call():
        m = make()
        return m(*inputs)
    call.__qualname__ = "nn module"
    return call


# module hyperparameters: name -> (constructor(value), argument, kind, model check)
NN_HYPER = {
    "LeakyReLU.negative_slope": (lambda v: nn.LeakyReLU(v), "negative_slope", "float",
                                 lambda v: m_real(v, "negative_slope")),
    "Softplus.beta": (lambda v: nn.Softplus(beta=v), "beta", "float",
                      lambda v: m_real(v, "beta", lo=0.0, lo_open=True)),
    "Softplus.threshold": (lambda v: nn.Softplus(threshold=v), "threshold", "float",
                           lambda v: m_real(v, "threshold")),
    "GELU.approximate": (lambda v: nn.GELU(v), "approximate", "choice",
                         lambda v: m_choice(v, "approximate", ("none", "tanh"))),
    "Dropout.p": (lambda v: nn.Dropout(v), "p", "float", lambda v: m_real(v, "p", 0.0, 1.0)),
    "Softmax.dim": (lambda v: nn.Softmax(v), "dim", "int", lambda v: v is None or m_int(v, "dim", -2, 2)),
    "LogSoftmax.dim": (lambda v: nn.LogSoftmax(v), "dim", "int", lambda v: v is None or m_int(v, "dim", -2, 2)),
    "Flatten.start_dim": (lambda v: nn.Flatten(v), "start_dim", "int", lambda v: m_int(v, "start_dim", -2, 2)),
    "Flatten.end_dim": (lambda v: nn.Flatten(0, v), "end_dim", "int", lambda v: m_int(v, "end_dim", -2, 2)),
    "MSELoss.reduction": (lambda v: nn.MSELoss(v), "reduction", "choice",
                          lambda v: m_choice(v, "reduction", ("none", "mean", "sum"))),
    "HuberLoss.delta": (lambda v: nn.HuberLoss(delta=v), "delta", "float",
                        lambda v: m_real(v, "delta", lo=0.0, lo_open=True)),
    "CrossEntropyLoss.label_smoothing": (lambda v: nn.CrossEntropyLoss(label_smoothing=v),
                                         "label_smoothing", "float",
                                         lambda v: m_real(v, "label_smoothing", 0.0, 1.0)),
    "CrossEntropyLoss.ignore_index": (lambda v: nn.CrossEntropyLoss(ignore_index=v), "ignore_index", "int",
                                      lambda v: m_int(v, "ignore_index")),
    "CrossEntropyLoss.reduction": (lambda v: nn.CrossEntropyLoss(reduction=v), "reduction", "choice",
                                   lambda v: m_choice(v, "reduction", ("none", "mean", "sum"))),
}


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(NN_HYPER)))
def test_nn_module_hyperparameters_mutated(data, name):
    """Module hyperparameters (slopes, beta, p, dims, reduction, delta,
    label_smoothing, ignore_index) set to NaN / Inf / huge ints / wrong types:
    the constructor or the first forward call rejects them naming the
    argument, or (a valid value of an odd type) the module computes what it
    computes with the plain Python value."""
    D = Draw(data)
    make, arg, kind, valid = NN_HYPER[name]
    label = sorted(MUTATIONS[kind])[int(D.rng.integers(len(MUTATIONS[kind])))]
    v = MUTATIONS[kind][label](0.5 if kind == "float" else ("mean" if kind == "choice" else 0), D.rng)
    if name.endswith("approximate") and kind == "choice" and label in ("'mean'", "'sum'"):
        v = "tanh"
    x = values(D.rng, (3, 4), np.float32)
    inputs = ((fastnn.tensor(x), fastnn.tensor(D.rng.integers(0, 4, 3)))
              if name.startswith("CrossEntropyLoss") else
              (fastnn.tensor(x), fastnn.tensor(values(D.rng, (3, 4), np.float32)))
              if name.startswith("MSELoss") or name.startswith("HuberLoss") else (fastnn.tensor(x),))
    try:
        valid(v)
        verdict = None
    except Invalid as e:
        verdict = e
    fastnn.manual_seed(0)
    got, exc = attempt(_nn_call(lambda: make(v), inputs))
    what = f"nn.{name}={label}"

    def same_as_plain_value(got):
        """A valid odd value (np.float32, True, a 0-d array, 2**64, ...) acts as
        the plain Python number or str it stands for."""
        plain = v if kind == "choice" or v is None else (
            float(np.asarray(v).item()) if kind == "float" else int(v))
        fastnn.manual_seed(0)
        want = fuzzed(_nn_call(lambda: make(plain), inputs))
        np.testing.assert_array_equal(got.numpy(), want.numpy(), err_msg=what)
    settle(what, got, exc, verdict, NAMES.get(arg, (arg,)), same_as_plain_value)


DTYPE_MUTATIONS = {"float16": np.float16, "int64": np.int64, "bool": bool, "complex64": np.complex64,
                   "'bogus'": "bogus", "3": 3, "object": object, "'float64'": "float64",
                   "np.float32": np.float32}


@FUZZ
@given(data=st.data(), which=st.sampled_from(["in_features", "out_features", "dtype", "input"]))
def test_nn_linear_mutated(data, which):
    """nn.Linear with bad sizes or dtype, or called on a bad input: rejected
    naming the argument, or a layer that computes the right output."""
    D = Draw(data)
    args = dict(in_features=D(sizes(0, 9), label="in_features"),
                out_features=D(sizes(0, 9), label="out_features"), dtype=D(dtypes, label="dtype"))
    batch = D(sizes(0, 5), label="batch")
    if which == "dtype":
        label = sorted(DTYPE_MUTATIONS)[int(D.rng.integers(len(DTYPE_MUTATIONS)))]
        args["dtype"] = DTYPE_MUTATIONS[label]
    elif which != "input":
        label = sorted(INT_MUTATIONS)[int(D.rng.integers(len(INT_MUTATIONS)))]
        args[which] = INT_MUTATIONS[label](0, D.rng)
    what = f"nn.Linear({which}: {{label}})" if which == "input" else f"nn.Linear({which}: {label})"
    try:
        n_in = m_int(args["in_features"], "in_features", 0)
        n_out = m_int(args["out_features"], "out_features", 0)
        dt = np.dtype(args["dtype"])
        if dt not in FLOATS:
            raise Invalid(f"dtype {dt}")
        if n_in * n_out > CHECK_LIMIT:
            raise Invalid("a weight too large to allocate")
        verdict = None
    except (Invalid, TypeError) as e:
        verdict = e
    n = [int(v) for v in (args["in_features"], args["out_features"]) if isinstance(v, numbers.Integral)]
    if len(n) == 2 and min(n) >= 0 and CHECK_LIMIT < (n[0] + 1) * n[1] < 2 ** 40:
        return      # weight and bias of 0.1 GB to 8 TB might really be allocated (and filled): not here
    layer, exc = attempt(nn.Linear, **args)
    settle(what, layer, exc, verdict, NAMES.get(which, (which,)))
    if exc is not None or max(n_in, n_out) > 4096:
        return                          # a valid layer too wide to feed here
    x = values(D.rng, (batch, n_in), dt)
    if which != "input":
        y = fuzzed(layer, fastnn.tensor(x))
        check(y.numpy(), model_linear(x, layer.weight.numpy(), layer.bias.numpy()), what)
        return
    label = sorted(ARRAY_MUTATIONS)[int(D.rng.integers(len(ARRAY_MUTATIONS)))]
    what = what.format(label=label)
    x = ARRAY_MUTATIONS[label](x, D.rng)
    if isinstance(x, np.ndarray) and x.dtype.kind in "biuf" and x.dtype != np.float16 \
            and D(st.booleans(), label="as a Tensor"):
        x = fastnn.from_numpy(x)
    X = x.numpy() if isinstance(x, fastnn.Tensor) else x
    def forward(input):
        return layer(input).numpy()
    forward.__qualname__ = "nn.Linear.forward"
    judge(forward, lambda input: model_linear(X, layer.weight.numpy(), layer.bias.numpy()),
          dict(input=x), ("input", "x", "weight"), what, name_required=not label.startswith(UNNAMED),
          values=label not in NONFINITE)


# ============================================================================
# optim: SGD, Adam, AdamW, Adagrad, RMSprop
# ============================================================================

def build_optimizer_options(D, kind):
    f = lambda lo, hi, *common: D(st.sampled_from(list(common)) | st.floats(lo, hi), label="option")  # noqa: E731
    kw = dict(lr=f(0, 0.5, 0.1, 0.0, 1e-3), maximize=D(st.booleans(), label="maximize"))
    if kind == "SGD":
        kw.update(momentum=f(0, 0.99, 0.0, 0.9), weight_decay=f(0, 0.1, 0.0))
        if D(st.booleans(), label="nesterov") and kw["momentum"] > 0:
            kw["nesterov"] = True
        else:
            kw["dampening"] = f(0, 1, 0.0, 0.5)
    elif kind in ("Adam", "AdamW"):
        kw.update(betas=(f(0, 0.99, 0.9, 0.0), f(0, 0.999, 0.999, 0.5)), eps=f(1e-10, 1e-3, 1e-8),
                  weight_decay=f(0, 0.1, 0.0, 1e-2), amsgrad=D(st.booleans(), label="amsgrad"))
    elif kind == "Adagrad":
        kw.update(lr_decay=f(0, 0.1, 0.0), weight_decay=f(0, 0.1, 0.0),
                  initial_accumulator_value=f(0, 1, 0.0, 0.1), eps=f(1e-10, 1e-3, 1e-10))
    else:
        kw.update(alpha=f(0.5, 0.999, 0.99), eps=f(1e-8, 1e-3, 1e-8), weight_decay=f(0, 0.1, 0.0),
                  momentum=f(0, 0.99, 0.0, 0.9), centered=D(st.booleans(), label="centered"))
    return kw


OPTIMIZERS = ["SGD", "Adam", "AdamW", "Adagrad", "RMSprop"]


def _optim_tolerance(dt, p_ref, p0, steps, lr):
    if dt == F64:
        return 1e-9 * (np.abs(p_ref) + np.abs(f64(p0)) + lr * steps) + 1e-14
    return 2e-4 * (np.abs(p_ref) + np.abs(f64(p0)) + lr * steps) + 1e-6


@FUZZ
@given(data=st.data(), kind=st.sampled_from(OPTIMIZERS))
def test_optimizers_valid(data, kind):
    """SGD / Adam / AdamW / Adagrad / RMSprop with random valid options: 1-3
    parameters of any shape (incl. empty) and dtype, 1-5 steps, some steps
    without a gradient for some parameters: PyTorch's formulas in float64."""
    D = Draw(data)
    kw = build_optimizer_options(D, kind)
    params, p0s, grads = [], [], []
    steps = D(st.integers(1, 5), label="steps")
    for _ in range(D(st.integers(1, 3), label="parameters")):
        dt = D(dtypes, label="dtype")
        p0 = values(D.rng, D(shapes(0, 3, 0, 9), label="shape"), dt)
        params.append(nn.Parameter(fastnn.tensor(p0)))
        p0s.append(p0)
        grads.append([None if D.rng.random() < 0.2 else values(D.rng, p0.shape, dt) for _ in range(steps)])
    opt = fuzzed(getattr(optim, kind), params, **kw)
    for s in range(steps):
        for p, g in zip(params, grads):
            p.grad = None if g[s] is None else fastnn.tensor(g[s])
        fuzzed(opt.step)
    for i, (p, p0, g) in enumerate(zip(params, p0s, grads)):
        ref = optim_reference(kind, kw, p0, g, dtype=p0.dtype)
        dt = p0.dtype
        check(p.numpy(), Exp(ref, _optim_tolerance(dt, ref, p0, steps, kw["lr"]), dt), f"{kind} parameter {i}")


OPT_HYPER = {
    "SGD": ["lr", "momentum", "dampening", "weight_decay"],
    "Adam": ["lr", "eps", "weight_decay", "betas"],
    "AdamW": ["lr", "eps", "weight_decay", "betas"],
    "Adagrad": ["lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"],
    "RMSprop": ["lr", "alpha", "eps", "weight_decay", "momentum"],
}
BETAS_MUTATIONS = {
    "(nan, 0.999)": (math.nan, 0.999), "(0.9, inf)": (0.9, math.inf), "(1.0, 0.999)": (1.0, 0.999),
    "(0.9, 1.0)": (0.9, 1.0), "(-0.1, 0.9)": (-0.1, 0.9), "(0.9,)": (0.9,), "(0.9, 0.99, 0.5)": (0.9, 0.99, 0.5),
    "0.9": 0.9, "None": None, "'ab'": "ab", "(10**400, 0.9)": (10 ** 400, 0.9), "(0.9, '0.9')": (0.9, "0.9"),
    "[0.5, 0.5]": [0.5, 0.5], "(np.float32(0.5), 0.9)": (np.float32(0.5), 0.9), "(0, 0)": (0, 0),
    "(2**64, 0.9)": (2 ** 64, 0.9),
}


def _optim_model(kind, kw):
    """Invalid if an option breaks the contract: every number finite; lr,
    momentum, weight_decay, eps, alpha, lr_decay and
    initial_accumulator_value >= 0; betas two numbers in [0, 1); Nesterov
    needs momentum > 0 and no dampening."""
    for k, v in kw.items():
        if k == "betas":
            if not isinstance(v, (tuple, list)) or len(v) != 2:
                raise Invalid("betas must be a pair")
            for i, b in enumerate(v):
                m_real(b, f"betas[{i}]", 0.0, 1.0, hi_open=True)
        elif k in ("maximize", "nesterov", "amsgrad", "centered"):
            continue
        elif k == "dampening":
            m_real(v, k)
        else:
            m_real(v, k, lo=0.0)
    if kw.get("nesterov") and (kw.get("momentum", 0) <= 0 or kw.get("dampening", 0) != 0):
        raise Invalid("nesterov")


@FUZZ
@given(data=st.data(), kind=st.sampled_from(OPTIMIZERS))
def test_optimizers_mutated(data, kind):
    """An optimizer option set to NaN / Inf / negative / huge / a wrong type:
    the constructor or the first step rejects it naming the option, or the
    step is PyTorch's formula with that value."""
    D = Draw(data)
    kw = build_optimizer_options(D, kind)
    arg = D(st.sampled_from(OPT_HYPER[kind]), label="mutated option")
    if arg == "betas":
        label = D(st.sampled_from(sorted(BETAS_MUTATIONS)), label="mutation")
        kw["betas"] = BETAS_MUTATIONS[label]
    else:
        label = sorted(FLOAT_MUTATIONS)[int(D.rng.integers(len(FLOAT_MUTATIONS)))]
        kw[arg] = FLOAT_MUTATIONS[label](kw.get(arg, 0.0), D.rng)
    if kind == "SGD" and kw.get("nesterov") and arg in ("momentum", "dampening"):
        kw.pop("nesterov")
    dt = D(dtypes, label="dtype")
    p0 = values(D.rng, D(shapes(1, 2, 1, 9), label="shape"), dt)
    g = values(D.rng, p0.shape, dt)
    what = f"optim.{kind}({arg}: {label})"
    try:
        with np.errstate(all="ignore"):
            _optim_model(kind, kw)
            ref = optim_reference(kind, kw, p0, [g], dtype=dt)
        verdict = None
    except Invalid as e:
        verdict = e
    p = nn.Parameter(fastnn.tensor(p0))

    def construct_and_step():
        opt = getattr(optim, kind)([p], **kw)
        p.grad = fastnn.tensor(g)
        opt.step()
    construct_and_step.__qualname__ = f"optim.{kind}"
    _, exc = attempt(construct_and_step)
    settle(what, p.numpy(), exc, verdict, NAMES.get(arg, (arg,)),
           lambda got: check(got, Exp(ref, _optim_tolerance(dt, ref, p0, 1, float(kw["lr"])), dt), what))


PARAMS_MUTATIONS = {
    "None": lambda p: None, "an int": lambda p: 5, "empty list": lambda p: [],
    "a Tensor (not a list)": lambda p: p, "a numpy array": lambda p: [p.numpy()],
    "the same parameter twice": lambda p: [p, p], "a non-leaf tensor": lambda p: [p * 2],
    "a group without params": lambda p: [{"lr": 0.1}], "a str": lambda p: "abc",
    "a group with lr=nan": lambda p: [{"params": [p], "lr": math.nan}],
}
GRAD_MUTATIONS = {
    "the other float dtype": lambda g: fastnn.tensor(g.astype(_other(g.dtype))),
    "one element more": lambda g: fastnn.tensor(np.append(g, g.dtype.type(1))),
    "same size, other shape": lambda g: fastnn.tensor(g.reshape(-1)[::-1].reshape(g.shape[::-1]).copy()),
    "int64": lambda g: fastnn.tensor(g.astype(np.int64)),
    "Fortran order": lambda g: fastnn.from_numpy(np.asfortranarray(g)),
    "strided": lambda g: fastnn.from_numpy(lay(g, "strided", np.random.default_rng(0))),
    "misaligned": lambda g: fastnn.from_numpy(misaligned(g)),
    "NaN": lambda g: fastnn.tensor(_poke(g, np.nan)),
}


@FUZZ
@given(data=st.data(), kind=st.sampled_from(OPTIMIZERS))
def test_optimizers_params_and_grads_mutated(data, kind):
    """Bad parameter lists, and gradients of the wrong dtype / size / shape /
    layout: rejected naming what is wrong, or the right update."""
    D = Draw(data)
    dt = D(dtypes, label="dtype")
    p0 = values(D.rng, D(st.sampled_from([(3, 4), (2, 3), (5,)]), label="shape"), dt)
    p = nn.Parameter(fastnn.tensor(p0))
    g = values(D.rng, p0.shape, dt)
    if D(st.booleans(), label="mutate params"):
        label = D(st.sampled_from(sorted(PARAMS_MUTATIONS)), label="params mutation")
        params = PARAMS_MUTATIONS[label](p)

        def construct():
            return getattr(optim, kind)(params, lr=0.1)
        construct.__qualname__ = f"optim.{kind}"
        _, exc = attempt(construct)
        # none of these is a valid parameter list (PyTorch refuses duplicates too)
        settle(f"optim.{kind}(params: {label})", None, exc, Invalid("not a list of leaf tensors"),
               ("params", "parameter", "parameters", "Tensor", "Tensors", "lr", "learning rate"))
        return
    label = D(st.sampled_from(sorted(GRAD_MUTATIONS)), label="grad mutation")
    opt = getattr(optim, kind)([p], lr=0.1)
    p.grad = GRAD_MUTATIONS[label](g)
    gg = p.grad.numpy()
    verdict = (Invalid(f"a {gg.dtype} {gg.shape} gradient for a {dt} {p0.shape} parameter")
               if gg.dtype != dt or gg.shape != p0.shape else None)
    _, exc = attempt(opt.step)
    what = f"optim.{kind}.step(grad: {label})"
    ref = optim_reference(kind, {"lr": 0.1}, p0, [gg]) if verdict is None else None
    settle(what, p.numpy(), exc, verdict, ("grad", "gradient", "param", "parameter"),
           None if label == "NaN" else
           lambda got: check(got, Exp(ref, _optim_tolerance(dt, ref, p0, 1, 0.1), dt), what))


# ============================================================================
# fastnn.tensor and Tensor operations
# ============================================================================

TENSOR_DATA = {
    "Python floats": (lambda rng: rng.standard_normal(3).tolist(), F32),
    "nested Python floats": (lambda rng: rng.standard_normal((2, 3)).tolist(), F32),
    "Python ints": (lambda rng: [1, -2, 3], np.dtype(np.int64)),
    "Python bools": (lambda rng: [True, False], np.dtype(np.bool_)),
    "a Python float": (lambda rng: 2.5, F32),
    "float32 array": (lambda rng: rng.standard_normal((2, 2)).astype(np.float32), F32),
    "float64 array": (lambda rng: rng.standard_normal((3, 1)), F64),
    "float16 array": (lambda rng: rng.standard_normal(4).astype(np.float16), F32),
    "int32 array": (lambda rng: np.arange(4, dtype=np.int32), np.dtype(np.int32)),
    "empty list": (lambda rng: [], F32),
    "64-d array": (lambda rng: np.zeros((1,) * 64), F64),
    "misaligned float64": (lambda rng: misaligned(np.arange(5.0)), F64),
    "Fortran float32": (lambda rng: np.asfortranarray(np.ones((3, 2), np.float32)), F32),
}


@FUZZ
@given(label=st.sampled_from(sorted(TENSOR_DATA)), seed=seeds,
       requires_grad=st.booleans())
def test_tensor_factory_valid(label, seed, requires_grad):
    """fastnn.tensor: Python floats give float32, ints int64, bools bool; numpy
    float32/float64 keep their dtype, float16 becomes float32; the values are
    copied (the tensor does not share the input's memory)."""
    make, want = TENSOR_DATA[label]
    data = make(np.random.default_rng(seed))
    requires_grad = requires_grad and want in FLOATS
    t = fuzzed(fastnn.tensor, data, requires_grad=requires_grad)
    assert t.dtype == want, f"{label}: dtype {t.dtype}, want {want}"
    np.testing.assert_array_equal(t.numpy(), np.asarray(data).astype(want))
    if isinstance(data, np.ndarray):
        assert not np.shares_memory(t.numpy(), data)
    assert t.requires_grad == requires_grad


TENSOR_BAD = {
    "complex": [1 + 2j], "object": [object()], "None": None, "str": "abc", "ragged": [[1.0, 2.0], [3.0]],
    "[2**64]": [2 ** 64], "[-2**70]": [-2 ** 70], "a set": {1.0, 2.0}, "a dict": {"a": 1.0},
    "complex array": np.ones(2, np.complex64), "str array": np.array(["a"]),
    "object array": np.array([1.0, None], dtype=object), "datetime array": np.array(["2020-01-01"], "datetime64[D]"),
    "dtype='bogus'": "bogus-dtype", "dtype=complex": "complex-dtype", "dtype=object": "object-dtype",
    "[nan, inf]": [math.nan, math.inf], "[1e300]": [1e300],
    "requires_grad on ints": "int-grad",
}


@FUZZ
@given(label=st.sampled_from(sorted(TENSOR_BAD)))
def test_tensor_factory_mutated(label):
    """fastnn.tensor with data that holds no numbers (or a bad dtype): a
    TypeError / ValueError naming data or dtype; NaN, Inf and float32
    overflow are values like any other."""
    data, kw = TENSOR_BAD[label], {}
    if label.startswith("dtype="):
        data, kw = [1.0, 2.0], {"dtype": {"dtype='bogus'": "bogus", "dtype=complex": complex,
                                          "dtype=object": object}[label]}
    if label == "requires_grad on ints":
        data, kw = [1, 2], {"requires_grad": True}
    got, exc = attempt(fastnn.tensor, data, **kw)
    verdict = None if label in ("[nan, inf]", "[1e300]") else Invalid("no numbers / a bad dtype")

    def compare(got):
        with np.errstate(over="ignore"):
            np.testing.assert_array_equal(got.numpy(), np.asarray(data, np.float32))
    settle(f"tensor({label})", got, exc, verdict,
           ("data", "dtype", "requires_grad", "gradients", "int64"), compare)


BINARY = {"+": (lambda a, b: a + b, lambda A, B, g: (g, g)),
          "-": (lambda a, b: a - b, lambda A, B, g: (g, -g)),
          "*": (lambda a, b: a * b, lambda A, B, g: (g * B, g * A)),
          "/": (lambda a, b: a / b, lambda A, B, g: (g / B, -g * A / (B * B))),
          "maximum": (lambda a, b: fastnn.maximum(a, b), None)}


def _unbroadcast(g, shape):
    while g.ndim > len(shape):
        g = g.sum(axis=0)
    for i, n in enumerate(shape):
        if n == 1 and g.shape[i] != 1:
            g = g.sum(axis=i, keepdims=True)
    return g


@FUZZ
@given(data=st.data(), op=st.sampled_from(sorted(BINARY) + ["@"]))
def test_tensor_ops_valid(data, op):
    """Tensor +, -, *, /, maximum with numpy broadcasting and @ (2-D, 1-D and
    batched): values and both gradients (summed over broadcast dims)."""
    D = Draw(data)
    dt = D(dtypes, label="dtype")
    if op == "@":
        M, K, N = D(sizes(0, 9), label="M"), D(sizes(0, 9), label="K"), D(sizes(0, 9), label="N")
        form = D(st.sampled_from(["2-D", "vector @ matrix", "matrix @ vector", "batched"]), label="form")
        sa = {"2-D": (M, K), "vector @ matrix": (K,), "matrix @ vector": (M, K), "batched": (2, M, K)}[form]
        sb = {"2-D": (K, N), "vector @ matrix": (K, N), "matrix @ vector": (K,), "batched": (2, K, N)}[form]
    else:
        sa = D(shapes(0, 3, 1, 5), label="shape a")
        sb = tuple(1 if D.rng.random() < 0.3 else n for n in sa)[D(st.integers(0, len(sa)), label="drop"):]
        if D(st.booleans(), label="swap"):
            sa, sb = sb, sa
    A = values(D.rng, sa, dt)
    B = np.asarray(values(D.rng, sb, dt) + (3 if op == "/" else 0), dt)
    a, b = fastnn.tensor(A, requires_grad=True), fastnn.tensor(B, requires_grad=True)
    f = (lambda x, y: x @ y) if op == "@" else BINARY[op][0]
    out = fuzzed(f, a, b)
    with np.errstate(all="ignore"):
        ref = f64(A) @ f64(B) if op == "@" else f(f64(A), f64(B)) if op != "maximum" else np.maximum(f64(A), f64(B))
    scale = (np.abs(f64(A)) @ np.abs(f64(B))) if op == "@" else np.abs(ref)
    check(out.numpy(), Exp(ref, 64 * eps(dt) * scale + 64 * tiny(dt), dt), f"Tensor {op}")
    if op == "maximum":
        return
    g = values(D.rng, out.shape, dt)
    fuzzed(out.backward, fastnn.tensor(g))
    if op == "@":
        A2, B2, g2 = f64(A), f64(B), f64(g)
        if A2.ndim == 1:
            ga, gb = g2 @ B2.T, np.outer(A2, g2)
        elif B2.ndim == 1:
            ga, gb = np.outer(g2, B2), A2.T @ g2
        else:
            ga, gb = g2 @ np.swapaxes(B2, -1, -2), np.swapaxes(A2, -1, -2) @ g2
        sga = np.abs(f64(g)) @ np.abs(np.swapaxes(B2, -1, -2)) if B2.ndim > 1 and A2.ndim > 1 else np.abs(ga)
        sgb = np.abs(np.swapaxes(A2, -1, -2)) @ np.abs(f64(g)) if B2.ndim > 1 and A2.ndim > 1 else np.abs(gb)
    else:
        ga, gb = BINARY[op][1](f64(A), f64(B), f64(g))
        ga, gb = _unbroadcast(np.broadcast_to(ga, out.shape), sa), _unbroadcast(np.broadcast_to(gb, out.shape), sb)
        sga = sgb = None
    check(grad_of(a), Exp(ga, 64 * eps(dt) * (np.abs(ga) if sga is None else sga) + 64 * tiny(dt)
                          + 64 * eps(dt) * np.abs(ga).max(initial=0), dt), f"Tensor {op}: a.grad")
    check(grad_of(b), Exp(gb, 64 * eps(dt) * (np.abs(gb) if sgb is None else sgb) + 64 * tiny(dt)
                          + 64 * eps(dt) * np.abs(gb).max(initial=0), dt), f"Tensor {op}: b.grad")


def _max_dim(t, v):
    r = t.max(v)
    return r[0] if isinstance(r, tuple) else r


# Tensor methods taking a dim: name -> (call(t, v), numpy reference(x, v), valid range of v for
# ndim n, None allowed (all dims / the default), a list of dims allowed)
TENSOR_DIM_OPS = {
    "sum": (lambda t, v: t.sum(dim=v), lambda x, v: x.sum(axis=v), lambda n: (-n, n), True, True),
    "mean": (lambda t, v: t.mean(dim=v), lambda x, v: x.mean(axis=v), lambda n: (-n, n), True, True),
    "argmax": (lambda t, v: t.argmax(dim=v), lambda x, v: np.argmax(x, axis=v), lambda n: (-n, n), True, False),
    "max": (_max_dim, lambda x, v: x.max(axis=v), lambda n: (-n, n), True, False),
    "softmax": (lambda t, v: nn.functional.softmax(t, v),
                lambda x, v: np.exp(log_softmax_ref(x, -1 if v is None else v)), lambda n: (-n, n), True, False),
    "unsqueeze": (lambda t, v: t.unsqueeze(v), lambda x, v: np.expand_dims(x, v), lambda n: (-n - 1, n + 1),
                  False, False),
    "squeeze": (lambda t, v: t.squeeze(v),
                lambda x, v: np.squeeze(x, v) if v is None or x.shape[v] == 1 else x,
                lambda n: (-n, n), True, False),
    "transpose(0, v)": (lambda t, v: t.transpose(0, v), lambda x, v: np.swapaxes(x, 0, v), lambda n: (-n, n),
                        False, False),
    "flatten(v)": (lambda t, v: t.flatten(v), lambda x, v: x.reshape(x.shape[:v % x.ndim] + (-1,)),
                   lambda n: (-n, n), False, False),
    "size(v)": (lambda t, v: np.asarray(t.size(v)), lambda x, v: np.asarray(x.shape if v is None else x.shape[v]),
                lambda n: (-n, n), True, False),
}


def _dim_ok(v, lo, hi, none_ok, list_ok):
    if v is None:
        return none_ok
    if isinstance(v, (list, tuple)):
        return list_ok and all(_dim_ok(d, lo, hi, False, False) for d in v)
    return isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_)) and lo <= v < hi


@FUZZ
@given(data=st.data(), name=st.sampled_from(sorted(TENSOR_DIM_OPS)))
def test_tensor_dim_arguments_mutated(data, name):
    """Tensor methods taking a dim (sum, mean, argmax, max, softmax, unsqueeze,
    squeeze, transpose, flatten, size) with in-range dims (the numpy result)
    and out-of-range ones, huge Python ints and wrong types: a TypeError,
    ValueError or IndexError (PyTorch's "dimension out of range") naming the
    dim, never OverflowError and never a silently wrapped dim."""
    D = Draw(data)
    shape = D(shapes(1, 3, 1, 5), label="shape")
    x = values(D.rng, shape, np.float64)
    call, ref, rng_of, none_ok, list_ok = TENSOR_DIM_OPS[name]
    lo, hi = rng_of(len(shape))
    if D(st.booleans(), label="in range"):
        v = D(st.integers(lo, hi - 1), label="dim")
        label = f"dim={v}"
    else:
        label = sorted(INT_MUTATIONS)[int(D.rng.integers(len(INT_MUTATIONS)))]
        v = INT_MUTATIONS[label](0, D.rng)
    valid = _dim_ok(v, lo, hi, none_ok, list_ok)
    if name == "max" and isinstance(v, float):      # max(x, number): the elementwise maximum
        valid, ref = True, np.maximum
    got, exc = attempt(call, fastnn.tensor(x), v, accepted=ACCEPTED + (IndexError,))
    what = f"Tensor.{name}({label}) on shape {shape}"

    def compare(got):
        want = ref(x, tuple(v) if isinstance(v, list) else v if v is None or isinstance(v, float) else int(v))
        got = np.asarray(got.numpy() if isinstance(got, fastnn.Tensor) else got)
        assert got.shape == np.shape(want), f"{what}: shape {got.shape}, want {np.shape(want)}"
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12, err_msg=what)
    settle(what, got, exc, None if valid else Invalid("dim out of range"),
           ("dim", "axis", "dimension", "index", "start_dim", "end_dim", "dim0", "dim1"), compare)


# ============================================================================
# More than 32 dimensions: in a child interpreter
# ============================================================================

def _high_ndim_shape(D, nd, last=None):
    """nd dims, mostly 1, two or three of them 2 or 3 (small arrays)."""
    shape = [1] * nd
    for i in D.rng.choice(nd, size=min(nd, int(D.rng.integers(0, 4))), replace=False):
        shape[i] = int(D.rng.integers(2, 4))
    if last is not None:
        shape[-1] = last
    return tuple(shape)


HIGH_NDIM = ["linear", "linear_backward", "relu", "sigmoid_", "gelu", "softplus_backward", "softmax",
             "log_softmax", "mse_loss", "binary_cross_entropy_with_logits", "dropout", "dropout_backward",
             "sum_squares", "gather_rows", "matmul", "argmax", "dropout_mask", "tensor.linear",
             "tensor.sum"]


@FUZZ
@given(data=st.data(), name=st.sampled_from(HIGH_NDIM), nd=st.sampled_from([20, 31, 32, 33, 36, 40, 48, 63, 64]))
def _fuzz_high_ndim(data, name, nd):
    """Run by test_high_ndim_in_subprocess in a child interpreter: every
    function on arrays of 20-64 dimensions (numpy's limit) returns the right
    answer or rejects them naming the argument."""
    D = Draw(data)
    dt = D(dtypes, label="dtype")
    if name in ("linear", "tensor.linear"):
        K, N = int(D.rng.integers(1, 5)), int(D.rng.integers(1, 70))
        x, w = values(D.rng, _high_ndim_shape(D, nd, K), dt), values(D.rng, (N, K), dt)
        if name == "linear":
            judge(ops.linear, model_linear, dict(x=x, weight=w, activation="relu"), ("x",), f"linear {nd}-d")
        else:
            layer = nn.Linear(K, N, dtype=dt)

            def forward(input):
                return layer(input).numpy()
            forward.__qualname__ = "nn.Linear.forward"
            judge(forward,
                  lambda input: model_linear(x, layer.weight.numpy(), layer.bias.numpy()),
                  dict(input=fastnn.tensor(x)), ("input", "x"), f"nn.Linear on {nd}-d")
    elif name == "linear_backward":
        K, N = int(D.rng.integers(1, 5)), int(D.rng.integers(1, 5))
        x = values(D.rng, _high_ndim_shape(D, nd, K), dt)
        g = values(D.rng, x.shape[:-1] + (N,), dt)
        judge(ops.linear_backward, model_linear_backward,
              dict(grad_out=g, x=x, weight=values(D.rng, (N, K), dt)), ("x", "grad_out"),
              f"linear_backward {nd}-d")
    elif name in ("relu", "sigmoid_", "gelu"):
        judge(ACT_FORWARD[name], model_act_forward(name), dict(x=values(D.rng, _high_ndim_shape(D, nd), dt)),
              ("x",), f"{name} {nd}-d")
    elif name == "softplus_backward":
        shape = _high_ndim_shape(D, nd)
        judge(ops.softplus_backward, model_act_backward(name),
              dict(grad_out=values(D.rng, shape, dt), x=values(D.rng, shape, dt)), ("x", "grad_out"),
              f"{name} {nd}-d")
    elif name in ("softmax", "log_softmax"):
        judge(getattr(ops, name), model_softmax(name == "log_softmax"),
              dict(x=values(D.rng, _high_ndim_shape(D, nd), dt), dim=int(D.rng.integers(-nd, nd))),
              ("x",), f"{name} {nd}-d")
    elif name in ("mse_loss", "binary_cross_entropy_with_logits"):
        shape = _high_ndim_shape(D, nd)
        judge(POINTWISE[name], model_pointwise(name),
              dict(input=values(D.rng, shape, dt), target=D.rng.random(shape).astype(dt),
                   reduction=D(st.sampled_from(["none", "mean"]), label="reduction")),
              ("input", "target"), f"{name} {nd}-d")
    elif name in ("dropout", "dropout_backward"):
        xname = DROPOUTS[name][1]
        judge(DROPOUTS[name][0], model_dropout(xname),
              {xname: values(D.rng, _high_ndim_shape(D, nd), dt), "p": 0.5, "seed": 3}, (xname,),
              f"{name} {nd}-d")
    elif name == "sum_squares":
        judge(ops.sum_squares, model_sum_squares, dict(arrays=[values(D.rng, _high_ndim_shape(D, nd), dt)]),
              ("arrays",), f"sum_squares {nd}-d")
    elif name == "gather_rows":
        src = values(D.rng, (3,) + _high_ndim_shape(D, nd - 1), dt)
        judge(ops.gather_rows, model_gather_rows, dict(src=src, index=[2, 0]), ("src",), f"gather_rows {nd}-d")
    elif name in ("matmul", "argmax"):
        a = values(D.rng, _high_ndim_shape(D, nd), dt)
        if name == "matmul":
            judge(ops.matmul, model_matmul, dict(a=a, b=values(D.rng, (1, 1), dt)), ("a",), f"matmul {nd}-d")
        else:
            judge(ops.argmax, model_argmax, dict(x=a), ("x",), f"argmax {nd}-d")
    elif name == "dropout_mask":
        shape = _high_ndim_shape(D, nd)
        m = fuzzed(ops.dropout_mask, shape, 0.5, 1)
        assert m.shape == shape and m.dtype == np.bool_
    else:
        x = values(D.rng, _high_ndim_shape(D, nd), dt)
        t = fastnn.tensor(x, requires_grad=True)
        s = fuzzed(t.sum)
        fuzzed(s.backward)
        np.testing.assert_allclose(s.item(), f64(x).sum(), rtol=1e-5)
        np.testing.assert_array_equal(t.grad.numpy(), np.ones(x.shape, dt))


@pytest.mark.slow
def test_high_ndim_in_subprocess(tmp_path):
    """_fuzz_high_ndim in a fresh interpreter: a crash (a fixed-size dims
    buffer overrun, say) fails this test with the call that crashed instead of
    killing the session."""
    trace = tmp_path / "last_call.txt"
    here = os.path.dirname(os.path.abspath(__file__))
    code = ("import sys, test_fuzz as t\n"
            "t._TRACE['file'] = open(sys.argv[1], 'w')\n"
            "t._fuzz_high_ndim()\n"
            "print('CALLS', sum(t.CALLS.values()))\n")
    env = dict(os.environ, PYTHONPATH=here + os.pathsep + os.environ.get("PYTHONPATH", ""))
    p = subprocess.run([sys.executable, "-X", "faulthandler", "-c", code, str(trace)], cwd=here,
                       env=env, capture_output=True, text=True, timeout=1800)
    last = trace.read_text().strip() if trace.exists() else "(none)"
    if p.returncode != 0:
        how = f"was killed by signal {-p.returncode}" if p.returncode < 0 else f"failed (exit {p.returncode})"
        raise AssertionError(f"the child {how}; last call: {last}\n--- stderr (tail) ---\n"
                             f"{p.stderr[-6000:]}\n--- stdout (tail) ---\n{p.stdout[-2000:]}")
    m = re.search(r"^CALLS (\d+)$", p.stdout, re.M)
    CALLS["(child) high-ndim calls"] += int(m.group(1)) if m else 0


# ============================================================================
# The count
# ============================================================================

def test_zz_report_call_count(request):
    """Report how many fuzzed calls this session made (per function, the top
    ones, and in total); runs last (pytest keeps file order)."""
    total = sum(CALLS.values())
    lines = [f"fastnn fuzz: {total} fuzzed calls ({EXAMPLES} examples per test; "
             f"FASTNN_FUZZ_EXAMPLES={os.environ.get('FASTNN_FUZZ_EXAMPLES', '(unset)')})"]
    lines += [f"    {n:7d}  {name}" for name, n in CALLS.most_common(12)]
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled() if capture else contextlib.nullcontext():
        print("\n" + "\n".join(lines))
