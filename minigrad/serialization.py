"""mg.save / mg.load: checkpoints of state dicts in a NumPy .npz archive, without pickle.

The archive holds every array as `a0, a1, ...` and one JSON document `structure` that rebuilds
the object: dicts, lists, tuples, numbers, strings, bools and None inline, tensors and arrays as
references to their arrays. A magic string, a format version and a SHA-256 over the structure
and every array's bytes guard against foreign, truncated and corrupted files.

Writing goes to a temporary file `.<name>.<pid>.<random>.minigrad-tmp` in the same directory,
locked, flushed and fsynced, then renamed over the target, so a crash leaves either the old
checkpoint or the new one, never half of one. A process killed mid-write (kill -9) leaves its
temporary behind; the next save or load of that path removes the temporaries of that path whose
writer is gone (no live process with that pid, and nobody holds the file's lock).

Loading reads the file's bytes first (a missing file, a directory or a permission problem raise
their own OSError) and then decodes them in memory, so every failure of the decoding is a fact
about the bytes: it is raised as CheckpointError, with the original exception as its cause.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import io
import json
import math
import os
import re
import secrets
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from .tensor import Tensor

MAGIC, VERSION = "minigrad-checkpoint", 1
TEMPORARY_SUFFIX = ".minigrad-tmp"
ZIP_UNSUPPORTED_FLAGS = 0x1 | 0x20 | 0x40  # encrypted, patched data, strong encryption
ZIP64_VERSION = 45  # the newest "version needed to extract" that np.savez writes


class CheckpointError(ValueError):
    """The file is not a valid minigrad checkpoint (foreign, truncated or corrupted)."""


# ---------------------------------------------------------------------- the object <-> JSON
def _encode(obj: Any, arrays: list[np.ndarray]) -> Any:
    if isinstance(obj, (Tensor, np.ndarray)):
        array = np.asarray(obj._array if isinstance(obj, Tensor) else obj, order="C")
        if array.dtype.hasobject:
            raise TypeError("cannot save an array of Python objects (dtype object): it would "
                            "need pickle")
        arrays.append(array)
        return {"__array__": len(arrays) - 1, "tensor": isinstance(obj, Tensor)}
    if isinstance(obj, dict):
        if not all(isinstance(k, (str, int)) and not isinstance(k, bool) for k in obj):
            raise TypeError("checkpoint dict keys must be str or int")
        return {"__dict__": [[k, _encode(v, arrays)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {"__list__" if isinstance(obj, list) else "__tuple__":
                [_encode(v, arrays) for v in obj]}
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot save an object of type {type(obj).__name__} (tensors, arrays, "
                    "numbers, strings, None and dicts/lists/tuples of them can be saved)")


def _decode(node: Any, arrays: list[np.ndarray]) -> Any:
    """The object a structure node describes; CheckpointError for any node save never writes."""
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict) and "__array__" in node:
        return _decode_array(node, arrays)
    kind, items = next(iter(node.items())) if isinstance(node, dict) and len(node) == 1 else (
        None, None)
    if kind not in ("__dict__", "__list__", "__tuple__") or not isinstance(items, list):
        raise CheckpointError(f"the structure holds {node!r:.60}, which is not a value, an "
                              "array reference, a dict, a list or a tuple")
    if kind == "__dict__":
        if not all(isinstance(item, list) and len(item) == 2 and type(item[0]) in (str, int)
                   for item in items):
            raise CheckpointError("the structure has a dict entry that is not a [str or int "
                                  "key, value] pair")
        return {key: _decode(value, arrays) for key, value in items}
    values = [_decode(value, arrays) for value in items]
    return values if kind == "__list__" else tuple(values)


def _decode_array(node: dict, arrays: list[np.ndarray]) -> Any:
    """{"__array__": index, "tensor": bool}: the array, as a Tensor if it was one."""
    index, is_tensor = node["__array__"], node.get("tensor")
    if (node.keys() != {"__array__", "tensor"} or type(index) is not int
            or not 0 <= index < len(arrays) or not isinstance(is_tensor, bool)):
        raise CheckpointError(f"the structure has a bad array reference {node!r:.60} "
                              f"(there are {len(arrays)} arrays)")
    return Tensor._make(arrays[index]) if is_tensor else arrays[index]


def _checksum(structure: str, arrays: list[np.ndarray]) -> str:
    digest = hashlib.sha256(structure.encode("utf-8", "surrogatepass"))
    for array in arrays:
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


# ---------------------------------------------------------------------- temporary files
def _temporary_path(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(6)}{TEMPORARY_SUFFIX}")


def _process_alive(pid: int) -> bool:
    """Is there a running (not zombie) process with this pid?"""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by another user
        return True
    except OverflowError:
        return False
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def _remove_if_unlocked(temporary: Path) -> None:
    """Remove a temporary unless a writer still holds its lock (a writer in another pid
    namespace, whose pid means nothing here)."""
    try:
        fd = os.open(temporary, os.O_RDONLY)
    except OSError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        temporary.unlink()
    except OSError:  # locked by a live writer, or not ours to remove
        pass
    finally:
        os.close(fd)


def _remove_stale_temporaries(path: Path) -> None:
    """Delete the temporaries of path that a killed save left behind (best effort)."""
    own_name = re.compile(re.escape(f".{path.name}.") + r"(\d+)\.[0-9a-f]{12}"
                          + re.escape(TEMPORARY_SUFFIX))
    try:
        names = [entry.name for entry in os.scandir(path.parent)]
    except OSError:
        return
    for name in names:
        match = own_name.fullmatch(name)
        if match and not _process_alive(int(match[1])):
            _remove_if_unlocked(path.parent / name)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write obj (a state dict or any nesting of tensors, arrays and plain values) to path."""
    arrays: list[np.ndarray] = []
    structure = json.dumps(_encode(obj, arrays))
    header = json.dumps({"magic": MAGIC, "version": VERSION,
                         "sha256": _checksum(structure, arrays)})
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, "cannot save a checkpoint over a directory",
                                str(path))
    _remove_stale_temporaries(path)
    temporary = _temporary_path(path)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            fcntl.flock(file.fileno(), fcntl.LOCK_EX)  # tells cleaners that a writer is alive
            np.savez(file, header=np.array(header), structure=np.array(structure),
                     **{f"a{i}": a for i, a in enumerate(arrays)})
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync_directory(path.parent)


# ---------------------------------------------------------------------- reading
def _read_members(raw: bytes) -> dict[str, bytes]:
    """The archive's members by name, each a stored (uncompressed, unencrypted) .npy file."""
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        infos = archive.infolist()
        for info in infos:
            if info.compress_type != zipfile.ZIP_STORED:
                raise CheckpointError(f"member {info.filename!r} says compression method "
                                      f"{info.compress_type}; checkpoints are stored (0)")
            if info.flag_bits & ZIP_UNSUPPORTED_FLAGS or info.extract_version > ZIP64_VERSION:
                raise CheckpointError(f"member {info.filename!r} asks for zip features "
                                      f"checkpoints never use (flags {info.flag_bits:#x}, "
                                      f"version {info.extract_version})")
        members = {info.filename: archive.read(info) for info in infos}
    expected = {"header.npy", "structure.npy"} | {f"a{i}.npy" for i in range(len(infos) - 2)}
    if len(members) != len(infos) or members.keys() != expected:
        raise CheckpointError(f"the archive holds {sorted(n for n in members)[:6]}..., "
                              "expected header, structure, a0, a1, ...")
    return members


def _read_array(name: str, data: bytes) -> np.ndarray:
    """One .npy member, its declared size checked against its data before anything is built."""
    stream = io.BytesIO(data)
    version = np.lib.format.read_magic(stream)
    if version not in ((1, 0), (2, 0)):
        raise CheckpointError(f"{name} has .npy format version {version}")
    read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                   else np.lib.format.read_array_header_2_0)
    shape, fortran_order, dtype = read_header(stream)
    if dtype.hasobject or dtype.itemsize == 0:
        raise CheckpointError(f"{name} declares dtype {dtype}, which save never writes")
    payload = data[stream.tell():]
    count = math.prod(shape)
    if len(payload) != count * dtype.itemsize:
        raise CheckpointError(f"{name} declares shape {shape} of {dtype} "
                              f"({count * dtype.itemsize} bytes) but holds {len(payload)} bytes")
    array = np.frombuffer(payload, dtype, count).reshape(shape, order="F" if fortran_order
                                                         else "C")
    return array.copy(order="K")


def _read_text(name: str, data: bytes) -> str:
    array = _read_array(name, data)
    if array.dtype.kind != "U" or array.shape != ():
        raise CheckpointError(f"{name} is {array.dtype} of shape {array.shape}, not a string")
    return str(array)


def _parse(raw: bytes) -> Any:
    """The object in a checkpoint's bytes; any exception means the bytes are not one."""
    members = _read_members(raw)
    header = json.loads(_read_text("header", members.pop("header.npy")))
    if not isinstance(header, dict) or header.get("magic") != MAGIC:
        raise CheckpointError("it is not a minigrad checkpoint (no minigrad header)")
    if header.get("version") != VERSION:
        raise CheckpointError(f"it has checkpoint format {header.get('version')!r}, this "
                              f"minigrad reads format {VERSION}")
    structure = _read_text("structure", members.pop("structure.npy"))
    arrays = [_read_array(f"a{i}", members[f"a{i}.npy"]) for i in range(len(members))]
    if _checksum(structure, arrays) != header.get("sha256"):
        raise CheckpointError("it is corrupted (its checksum does not match)")
    return _decode(json.loads(structure), arrays)


def load(path: str | os.PathLike) -> Any:
    """Read a checkpoint written by save.

    CheckpointError if the file is not one or was damaged (the decoding's own exception is its
    __cause__); FileNotFoundError, IsADirectoryError, PermissionError as from open().
    """
    path = Path(path)
    _remove_stale_temporaries(path)
    raw = path.read_bytes()
    try:
        return _parse(raw)
    except Exception as error:
        reason = (str(error) if isinstance(error, CheckpointError)
                  else f"it is damaged or another format ({type(error).__name__}: {error})")
        raise CheckpointError(f"{path} is not a valid minigrad checkpoint: {reason}") from error
