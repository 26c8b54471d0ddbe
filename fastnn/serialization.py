"""fastnn.save and fastnn.load: state dicts as numpy .npz files. Loading
never runs code (no pickle); saving writes a temporary file in the same
folder and renames it over the target, so an interrupted save leaves the
previous file intact."""
import os
import tempfile
from collections import OrderedDict

import numpy as np

from .tensor import Tensor


def _flatten(obj, prefix, out):
    if isinstance(obj, Tensor):
        out[prefix] = obj._data
    elif isinstance(obj, np.ndarray):
        out[prefix] = obj
    elif isinstance(obj, (int, float, bool, np.number)):
        out[prefix] = np.asarray(obj)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            if not isinstance(k, str):
                raise TypeError(f"save: keys must be strings, got {k!r}")
            _flatten(v, f"{prefix}/{k}" if prefix else k, out)
    else:
        raise TypeError(f"save: cannot store {type(obj).__name__} at {prefix!r} (tensors, "
                        "arrays, numbers and dicts of them only)")


def save(obj, path):
    """Write a state dict (a mapping of names to tensors, arrays or numbers;
    nested mappings allowed) to `path` as .npz, atomically."""
    arrays = OrderedDict()
    _flatten(obj, "", arrays)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".fastnn-save-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path):
    """Read what save wrote: an OrderedDict of name -> tensor (nested
    mappings come back nested). Nothing in the file is executed."""
    try:
        with np.load(path, allow_pickle=False) as data:
            flat = OrderedDict((k, data[k]) for k in data.files)
    except FileNotFoundError:
        raise
    except (ValueError, OSError) as e:
        raise ValueError(f"{path} is not a fastnn save file (.npz): {e}") from None
    out = OrderedDict()
    for key, arr in flat.items():
        parts = key.split("/")
        d = out
        for p in parts[:-1]:
            d = d.setdefault(p, OrderedDict())
        d[parts[-1]] = Tensor._make(arr)
    return out
