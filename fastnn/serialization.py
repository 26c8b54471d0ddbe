"""fastnn.save and fastnn.load: state dicts and checkpoints as numpy .npz
files. Loading never runs code (no pickle): arrays are stored as .npz
members and everything else (nested dicts with str or int keys, lists,
tuples, numbers, strings, None) as one JSON document beside them. Saving
writes a temporary file in the same folder and renames it over the target,
so an interrupted save leaves the previous file intact; the temporary name
carries the writer's process id, and a later save in the same folder removes
the temporary files of writers that no longer run (killed mid-save). Files
are created with mode 0666 less the umask, as open() creates them.

Every problem with a file's content (not a zip archive, truncated, altered,
hand-made, nested too deeply, arrays of unsupported dtypes) is a ValueError
that names the file and says what is wrong; a missing or unreadable file is
the usual FileNotFoundError / PermissionError."""
import json
import math
import os
from collections import OrderedDict

import numpy as np

from .tensor import Tensor

_META = "__fastnn_meta__"
_TMP_PREFIX = ".fastnn-save-"
_TMP_SUFFIX = ".tmp"
_MAX_DEPTH = 200          # nesting allowed in a saved object (a state dict needs 3-4)


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


def _decode(obj, arrays, depth=0):
    if depth > _MAX_DEPTH:
        raise ValueError(f"its description is nested deeper than {_MAX_DEPTH} levels")
    if isinstance(obj, list):
        return [_decode(v, arrays, depth + 1) for v in obj]
    if isinstance(obj, dict):
        if "__array__" in obj:
            name = obj["__array__"]
            if not isinstance(name, str) or name not in arrays:
                raise ValueError(f"its description names an array {name!r} that it does not hold")
            return Tensor._make(arrays[name])
        if "__float__" in obj:
            return float(obj["__float__"])
        if "__tuple__" in obj:
            return tuple(_decode(v, arrays, depth + 1) for v in _list(obj["__tuple__"]))
        if "__dict__" in obj:
            out = OrderedDict()
            for item in _list(obj["__dict__"]):
                if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))):
                    raise ValueError("its description has a dict entry that is not a [key, value] pair")
                out[item[0]] = _decode(item[1], arrays, depth + 1)
            return out
        raise ValueError(f"its description has an object with unknown keys {sorted(obj)[:3]}")
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise ValueError(f"its description holds a {type(obj).__name__}")


def _list(value):
    if not isinstance(value, list):
        raise ValueError(f"its description has a {type(value).__name__} where a list belongs")
    return value


def _process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True          # it exists (owned by someone else), or we cannot tell: keep
    return True


def _remove_stale_temporaries(folder):
    """Delete the temporary files of earlier saves whose writer is gone (a
    save killed before its rename)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        if not (name.startswith(_TMP_PREFIX) and name.endswith(_TMP_SUFFIX)):
            continue
        pid = name[len(_TMP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _process_alive(int(pid)):
            try:
                os.unlink(os.path.join(folder, name))
            except OSError:
                pass


def _create_temporary(folder):
    """A new file in `folder` named for this process, opened for writing
    with mode 0666 less the umask; returns (fd, path)."""
    import secrets
    for _ in range(100):
        path = os.path.join(folder, f"{_TMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}{_TMP_SUFFIX}")
        try:
            return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
                           0o666), path
        except FileExistsError:
            continue
    raise OSError(f"could not create a temporary file in {folder}")


def save(obj, f):
    """Write `obj` (a state dict, or a checkpoint: nested dicts, lists and
    tuples of tensors, arrays, numbers, strings and None) to the file path
    `f` as .npz (whatever its extension, e.g. "model.pt"), atomically: a
    temporary file in the same folder, flushed to disk, then renamed over
    it. An interrupted save leaves the previous file."""
    path = os.fspath(f)
    arrays = OrderedDict()
    meta = json.dumps(_encode(obj, arrays, ""))
    folder = os.path.dirname(os.path.abspath(path))
    _remove_stale_temporaries(folder)
    fd, tmp = _create_temporary(folder)
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


def load(f, map_location=None, weights_only=None):
    """Read what save wrote to the file path `f`; arrays come back as
    tensors, dicts as OrderedDicts. Nothing in the file is executed (no
    pickle: every load is weights-only, whatever weights_only says). A file
    that is not a fastnn save file, or is damaged, raises ValueError naming
    it. map_location: None or 'cpu' (fastnn's tensors live there)."""
    if map_location is not None and str(map_location) != "cpu":
        raise ValueError(f"map_location={map_location!r}: fastnn loads to the CPU; use None or 'cpu'")
    path = os.fspath(f)
    import zipfile
    with open(path, "rb") as f:          # FileNotFoundError etc. as they are
        head = f.read(4)
    if head != b"PK\x03\x04":
        what = "it is empty" if not head else "it is not a zip (.npz) archive"
        raise ValueError(f"{path} is not a fastnn save file: {what}")
    try:
        with np.load(path, allow_pickle=False) as data:
            files = list(data.files)
            if _META not in files:
                raise ValueError("it has no fastnn description")
            arrays = {}
            for k in files:
                if k == _META:
                    continue
                a = data[k]
                if a.dtype.kind not in "biuf":
                    raise ValueError(f"array {k!r} has dtype {a.dtype}, which fastnn does not save")
                arrays[k] = a
            text = data[_META]
            if text.dtype.kind != "U" or text.ndim != 0:
                raise ValueError("its description is not a text")
            meta = json.loads(str(text))
        return _decode(meta, arrays)
    except RecursionError:
        raise ValueError(f"{path} is not a fastnn save file, or is damaged: its description is nested "
                         "too deeply") from None
    except MemoryError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, EOFError, OSError, UnicodeError,
            zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError) as e:
        if isinstance(e, (FileNotFoundError, PermissionError, IsADirectoryError)):
            raise
        reason = str(e) or type(e).__name__
        raise ValueError(f"{path} is not a fastnn save file, or is damaged: {reason}") from None
