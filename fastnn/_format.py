"""How a tensor prints: PyTorch's format, so that course notes' printed output
looks the same (``tensor([[0.1235, 2.0000]], requires_grad=True)``).

The rules, as PyTorch applies them by default (precision 4, at most 1000
elements before the middle is elided to ``...`` with 3 items at each edge,
lines of 80 characters):

- float tensors whose finite nonzero values are all whole numbers print as
  ``1.``, ``-3.``; otherwise with 4 decimals; scientific notation (``1.0000e-05``)
  when the largest finite nonzero magnitude is over 1000 times the smallest,
  over 1e8, or (not whole numbers) the smallest is under 1e-4;
- every element is right-aligned to the widest one; rows wrap at 80 columns;
- integers and booleans print as Python prints them;
- after the values: ``dtype=`` unless it is float32, int64 or bool,
  ``grad_fn=<...>`` for a result of recorded ops, else ``requires_grad=True``
  for a leaf that requires grad; an empty tensor shows ``size=`` unless it is
  1-D, and its dtype unless float32.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

if TYPE_CHECKING:
    import numpy.typing as npt

PRECISION, THRESHOLD, EDGEITEMS, LINEWIDTH = 4, 1000, 3, 80


class _Formatter:
    """Picks one format for all the values shown, from those values."""

    def __init__(self, values: npt.NDArray[Any]) -> None:
        self.floating = values.dtype.kind == "f"
        self.int_mode, self.sci_mode, self.width = True, False, 1
        flat = values.reshape(-1)
        if not self.floating:
            for v in flat.tolist():
                self.width = max(self.width, len(str(v)))
            return
        shown = flat[np.isfinite(flat) & (flat != 0)].astype(np.float64)
        if shown.size == 0:
            return
        mags = np.abs(shown)
        lo, hi = float(mags.min()), float(mags.max())
        self.int_mode = bool(np.all(shown == np.ceil(shown)))
        wide = hi / lo > 1000.0 or hi > 1.0e8
        self.sci_mode = wide if self.int_mode else (wide or lo < 1.0e-4)
        for v in shown.tolist():
            if self.sci_mode:
                text = f"{v:.{PRECISION}e}"
            elif self.int_mode:
                text = f"{v:.0f}" + "."
            else:
                text = f"{v:.{PRECISION}f}"
            self.width = max(self.width, len(text))

    def format(self, v: Any) -> str:
        """`v` (a Python number) as text, right-aligned to the common width."""
        if not self.floating:
            text = str(v)
        elif self.sci_mode:
            text = f"{v:.{PRECISION}e}"
        elif self.int_mode:
            text = f"{v:.0f}" + ("" if math.isinf(v) or math.isnan(v) else ".")
        else:
            text = f"{v:.{PRECISION}f}"
        return text.rjust(self.width)


def _summarized(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The values a summarized print shows (the edge items of every dim)."""
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate([a[:EDGEITEMS], a[-EDGEITEMS:]]) if a.shape[0] > 2 * EDGEITEMS else a
    rows = list(range(a.shape[0]))
    if a.shape[0] > 2 * EDGEITEMS:
        rows = rows[:EDGEITEMS] + rows[-EDGEITEMS:]
    return np.stack([_summarized(a[i]) for i in rows])


def _vector(a: npt.NDArray[Any], indent: int, summarize: bool, fmt: _Formatter) -> str:
    per_line = max(1, (LINEWIDTH - indent) // (fmt.width + 2))
    if summarize and a.shape[0] > 2 * EDGEITEMS:
        items = ([fmt.format(v) for v in a[:EDGEITEMS].tolist()] + [" ..."] +
                 [fmt.format(v) for v in a[-EDGEITEMS:].tolist()])
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a: npt.NDArray[Any], indent: int, summarize: bool, fmt: _Formatter) -> str:
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    rows = range(a.shape[0])
    if summarize and a.shape[0] > 2 * EDGEITEMS:
        parts = ([_nested(a[i], indent + 1, summarize, fmt) for i in rows[:EDGEITEMS]] + ["..."] +
                 [_nested(a[i], indent + 1, summarize, fmt) for i in rows[-EDGEITEMS:]])
    else:
        parts = [_nested(a[i], indent + 1, summarize, fmt) for i in rows]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def _with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    out = [text]
    last = len(text) - text.rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > LINEWIDTH:
            out.append(",\n" + " " * indent + s)
            last = indent + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    return "".join(out) + ")"


def tensor_repr(a: npt.NDArray[Any], grad_fn: Optional[str] = None,
                requires_grad: bool = False) -> str:
    """``tensor(...)`` for array `a`, as PyTorch prints a tensor.

    Parameters
    ----------
    a : numpy.ndarray
        The values, any shape; bool, integer or float dtype.
    grad_fn : str or None
        The name of the node that made the tensor (``'MulBackward0'``), or None.
    requires_grad : bool
        True for a leaf that requires grad (shown only when grad_fn is None).

    Returns
    -------
    str
        The text, lines of at most 80 characters where the values allow it.
    """
    prefix = "tensor("
    indent = len(prefix)
    suffixes: list[str] = []
    dtype_name = f"dtype=fastnn.{a.dtype.name if a.dtype != np.bool_ else 'bool'}"
    if a.size == 0:
        if a.ndim != 1:
            suffixes.append("size=" + str(tuple(a.shape)))
        if a.dtype != np.float32:
            suffixes.append(dtype_name)
        body = "[]"
    else:
        if a.dtype not in (np.float32, np.int64, np.bool_):
            suffixes.append(dtype_name)
        summarize = a.size > THRESHOLD
        fmt = _Formatter(_summarized(a) if summarize else a)
        body = _nested(a, indent, summarize, fmt)
    if grad_fn is not None:
        suffixes.append(f"grad_fn=<{grad_fn}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    return _with_suffixes(prefix + body, suffixes, indent)
