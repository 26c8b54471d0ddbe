"""fastnn.save and fastnn.load: state dicts and checkpoints as numpy .npz
files, and state dicts as .safetensors (the format PyTorch and the Hugging
Face tools read: ``safetensors.torch.load_file`` opens fastnn's file and
``fastnn.load`` opens theirs; needs ``pip install safetensors``, or the extra ``safetensors``). Loading never runs code (no pickle): arrays are stored as .npz
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
from __future__ import annotations

import json
import math
import os
import types
from collections import OrderedDict
from typing import IO, TYPE_CHECKING, Any, Callable, Mapping, Optional, Union

import numpy as np

from . import _dist
from .tensor import Tensor

if TYPE_CHECKING:
    from numpy.typing import NDArray

_META = "__fastnn_meta__"
_TMP_PREFIX = ".fastnn-save-"
_TMP_SUFFIX = ".tmp"
_MAX_DEPTH = 200          # nesting allowed in a saved object (a state dict needs 3-4)


def _encode(obj: object, arrays: dict[str, NDArray[Any]], where: str) -> Any:
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


def _decode(obj: Any, arrays: Mapping[str, NDArray[Any]], depth: int = 0) -> Any:
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
            out: OrderedDict[Union[str, int], Any] = OrderedDict()
            for item in _list(obj["__dict__"]):
                if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], (str, int))):
                    raise ValueError("its description has a dict entry that is not a [key, value] pair")
                out[item[0]] = _decode(item[1], arrays, depth + 1)
            return out
        raise ValueError(f"its description has an object with unknown keys {sorted(obj)[:3]}")
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise ValueError(f"its description holds a {type(obj).__name__}")


def _list(value: object) -> list[Any]:
    if not isinstance(value, list):
        raise ValueError(f"its description has a {type(value).__name__} where a list belongs")
    return value


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True          # it exists (owned by someone else), or we cannot tell: keep
    return True


def _remove_stale_temporaries(folder: str) -> None:
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


def _create_temporary(folder: str) -> tuple[int, str]:
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


def _write_atomically(path: str, write: Callable[[IO[bytes]], object]) -> None:
    """Call write(file) on a temporary file in path's folder, flush it to
    disk, then rename it over path; on any failure the temporary goes and
    the previous file stays."""
    folder = os.path.dirname(os.path.abspath(path))
    _remove_stale_temporaries(folder)
    fd, tmp = _create_temporary(folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _is_safetensors(path: str) -> bool:
    return path.lower().endswith(".safetensors")


def _safetensors() -> types.ModuleType:
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(f".safetensors files need the safetensors package: pip install "
                          f"safetensors ({_dist.extra_hint('safetensors')})") from None
    return safetensors.numpy


def _flat_arrays(obj: object) -> OrderedDict[str, NDArray[Any]]:
    """A state dict's {name: contiguous array}, as safetensors stores it."""
    if not isinstance(obj, dict):
        raise TypeError(f"save: a .safetensors file holds a state dict (names to tensors), got "
                        f"{type(obj).__name__}; save checkpoints as .npz")
    arrays: OrderedDict[str, NDArray[Any]] = OrderedDict()
    for k, v in obj.items():
        if not isinstance(k, str):
            raise TypeError(f"save: key {k!r} must be a str in a .safetensors file")
        if isinstance(v, Tensor):
            v = v._data
        if not isinstance(v, np.ndarray) or v.dtype.kind not in "biuf":
            raise TypeError(f"save: {k!r} is {type(v).__name__}; a .safetensors file holds only "
                            f"tensors (save checkpoints with optimizer state or numbers as .npz)")
        arrays[k] = np.ascontiguousarray(v)
    return arrays


def save(obj: object, f: Union[str, os.PathLike[str]]) -> None:
    """Write `obj` to the file path `f`, atomically.

    Atomically: a temporary file in the same folder, flushed to disk, then
    renamed over it (an interrupted save leaves the previous file). The
    temporary name carries this process's id; a later save in the same
    folder removes the temporaries of writers that no longer run. The file
    is created with mode 0666 less the umask.

    A path ending in ``.safetensors`` gets the safetensors format: `obj`
    must then be a state dict (str names to tensors or arrays). Any other
    path gets .npz (whatever its extension, e.g. "model.pt"), which holds
    state dicts and checkpoints alike: nested dicts, lists and tuples of
    tensors, arrays, numbers, strings and None.

    Parameters
    ----------
    obj : object
        For .npz: a state dict or a checkpoint -- Tensors, numpy arrays (bool,
        int, uint or float dtypes), numbers (inf and NaN kept), strings,
        None, and dicts (str or int keys), lists and tuples of them, nested.
        For .safetensors: a dict of str names to Tensors or arrays of those
        dtypes.
    f : str or os.PathLike
        The file's path.

    Raises
    ------
    TypeError
        When obj holds something else (names where), a dict key is not a
        str or int (a str for .safetensors), or a .safetensors obj is not a
        dict of tensors.
    ImportError
        For a .safetensors path without the safetensors package.
    OSError
        When the folder cannot be written.

    Examples
    --------
    >>> import fastnn
    >>> fastnn.save({"w": fastnn.ones(2, 3), "epoch": 4}, "ckpt.npz")  # doctest: +SKIP
    """
    path = os.fspath(f)
    if _is_safetensors(path):
        st = _safetensors()
        data = st.save(_flat_arrays(obj), metadata={"format": "pt"})
        _write_atomically(path, lambda file: file.write(data))
        return
    arrays: OrderedDict[str, NDArray[Any]] = OrderedDict()
    meta = json.dumps(_encode(obj, arrays, ""))
    # (type: ignore: numpy's stub matches the ** arrays against its allow_pickle
    # keyword; their names are a0, a1, ... and the description's)
    _write_atomically(path, lambda file: np.savez(
        file, **arrays, **{_META: np.array(meta)}))  # type: ignore[arg-type]


def _load_safetensors(path: str) -> OrderedDict[str, Tensor]:
    st = _safetensors()
    with open(path, "rb") as f:
        data = f.read()
    try:
        arrays = st.load(data)
    except Exception as e:              # safetensors' own error type, or numpy's on a dtype
        raise ValueError(f"{path} is not a readable .safetensors file: {e}") from None
    out: OrderedDict[str, Tensor] = OrderedDict()
    for k in sorted(arrays):
        a = arrays[k]
        if a.dtype.kind not in "biuf":
            raise ValueError(f"{path}: tensor {k!r} has dtype {a.dtype}, which fastnn does not load")
        out[k] = Tensor._make(a)
    return out


def load(f: Union[str, os.PathLike[str]], map_location: Optional[str] = None,
         weights_only: Optional[bool] = None) -> Any:
    """Read what save wrote to the file path `f`.

    Arrays come back as tensors, dicts as OrderedDicts. A ``.safetensors``
    path is read as safetensors (any writer's: PyTorch's ``save_file`` too)
    and gives an OrderedDict of tensors by name. Nothing in the file is
    executed (no pickle: every load is weights-only, whatever weights_only
    says). A file that is not a fastnn save file, or is damaged, raises
    ValueError naming it. map_location: None or 'cpu' (fastnn's tensors
    live there).

    Parameters
    ----------
    f : str or os.PathLike
        The file's path.
    map_location : str, optional
        None or "cpu".
    weights_only : bool, optional
        Accepted for PyTorch's signature; every load is weights-only.

    Returns
    -------
    object
        What was saved: Tensors (each array's shape and dtype) in place of
        arrays, OrderedDicts in place of dicts, lists, tuples, numbers,
        strings and None as they were. From a .safetensors file, an
        OrderedDict of names (sorted) to Tensors.

    Raises
    ------
    ValueError
        When the file is not a fastnn save file (or a .safetensors file), is
        damaged, or holds arrays of a dtype fastnn does not load; the message
        names it. Also for a map_location other than None or "cpu".
    FileNotFoundError, PermissionError, IsADirectoryError
        As open() raises them.
    ImportError
        For a .safetensors path without the safetensors package.
    """
    if map_location is not None and str(map_location) != "cpu":
        raise ValueError(f"map_location={map_location!r}: fastnn loads to the CPU; use None or 'cpu'")
    path = os.fspath(f)
    if _is_safetensors(path):
        return _load_safetensors(path)
    import zipfile
    with open(path, "rb") as file:       # FileNotFoundError etc. as they are
        head = file.read(4)
    if head != b"PK\x03\x04":
        what = "it is empty" if not head else "it is not a zip (.npz) archive"
        raise ValueError(f"{path} is not a fastnn save file: {what}")
    try:
        with np.load(path, allow_pickle=False) as data:
            files = list(data.files)
            if _META not in files:
                raise ValueError("it has no fastnn description")
            arrays: dict[str, NDArray[Any]] = {}
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
