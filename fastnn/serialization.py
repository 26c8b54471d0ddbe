"""fastnn.save and fastnn.load: state dicts and checkpoints as numpy .npz
files. Loading never runs code (no pickle): arrays are stored as .npz
members and everything else (nested dicts with str or int keys, lists,
tuples, numbers, strings, None) as one JSON document beside them. Saving
writes a temporary file in the same folder and renames it over the target,
so an interrupted save leaves the previous file intact."""
import json
import math
import os
from collections import OrderedDict

import numpy as np

from .tensor import Tensor

_META = "__fastnn_meta__"


def _encode(obj, arrays, where):
    """JSON-able form of obj; arrays go to `arrays` under generated names."""
    if isinstance(obj, Tensor):
        obj = obj._data
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind not in "biuf":
            raise TypeError(f"save: array of dtype {obj.dtype} at {where} cannot be stored")
        name = f"a{len(arrays)}"
        arrays[name] = obj
        return {"__array__": name}
    if isinstance(obj, np.generic):
        obj = obj.item()
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, float):
        return {"__float__": repr(obj)} if not math.isfinite(obj) else obj
    if isinstance(obj, dict):
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int)) or isinstance(k, bool):
                raise TypeError(f"save: key {k!r} at {where} must be a str or an int")
            items.append([k, _encode(v, arrays, f"{where}/{k}")])
        return {"__dict__": items}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_encode(v, arrays, f"{where}[{i}]") for i, v in enumerate(obj)]
    raise TypeError(f"save: cannot store {type(obj).__name__} at {where or 'the top'} (tensors, "
                    "arrays, numbers, strings, None and dicts/lists/tuples of them only)")


def _decode(obj, arrays):
    if isinstance(obj, list):
        return [_decode(v, arrays) for v in obj]
    if isinstance(obj, dict):
        if "__array__" in obj:
            return Tensor._make(arrays[obj["__array__"]])
        if "__float__" in obj:
            return float(obj["__float__"])
        if "__tuple__" in obj:
            return tuple(_decode(v, arrays) for v in obj["__tuple__"])
        return OrderedDict((k, _decode(v, arrays)) for k, v in obj["__dict__"])
    return obj


def save(obj, path):
    """Write `obj` (a state dict, or a checkpoint: nested dicts, lists and
    tuples of tensors, arrays, numbers, strings and None) to `path` as .npz,
    atomically."""
    import tempfile        # here, not at import: it pulls in shutil, random and hashlib
    arrays = OrderedDict()
    meta = json.dumps(_encode(obj, arrays, ""))
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".fastnn-save-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays, **{_META: np.array(meta)})
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load(path):
    """Read what save wrote; arrays come back as tensors, dicts as
    OrderedDicts. Nothing in the file is executed."""
    try:
        with np.load(path, allow_pickle=False) as data:
            files = list(data.files)
            if _META not in files:
                raise ValueError("it has no fastnn description")
            arrays = {k: data[k] for k in files if k != _META}
            meta = json.loads(str(data[_META]))
    except FileNotFoundError:
        raise
    except (ValueError, OSError, KeyError, json.JSONDecodeError) as e:
        raise ValueError(f"{path} is not a fastnn save file (.npz): {e}") from None
    return _decode(meta, arrays)
