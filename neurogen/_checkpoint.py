"""Checkpoint files (``.pt``) for every model neurogen saves: one format, checked before use.

A checkpoint is a ``torch.save`` zip holding a dict: ``format`` (``"neurogen-network"``,
``"neurogen-classifier"``, ``"neurogen-training-state"``), ``format_version``,
``neurogen_version``, ``config``, ``state_dict``, ``metadata`` (JSON text) and, since format
version 2, ``tensors_sha256``: a sha256 over every tensor's name, dtype, shape and bytes.

:func:`save_checkpoint` writes atomically (:func:`neurogen._files.atomic_path`). Reading is
:func:`read_checkpoint` then :func:`check_state_dict`, and nothing is built before both pass:

0. the path is a regular file (never a FIFO or a device such as ``/dev/zero``) no larger than
   :data:`MAX_CHECKPOINT_BYTES` and than half the memory available, read with a bound;
1. the file's sha256, when the caller expects one (the shipped subjects);
2. the zip's declared sizes: torch stores its records uncompressed, so records declaring more
   than twice the file's size uncompressed (a zip bomb: 1.2 MB that would inflate to 2.75 GB) are
   refused before one byte is inflated; then the zip's own CRC-32 of every record (catches a
   flipped byte anywhere, also in files written before format version 2);
3. ``torch.load(..., weights_only=True)``: a pickle that would run code is refused, never run;
4. the format tag;
5. ``tensors_sha256``, when present (format version 1 files have none and still load);
6. the tensors' names and shapes against those the stored config implies
   (:func:`check_state_dict`, before any network is allocated, so that a small file claiming
   ``n_hidden=10**6`` is refused at once), and that every weight is finite in the dtype the
   network computes in (float32: a float64 weight of 1e300 would become inf).

Every failure is a :class:`CheckpointError` (a ``ValueError``) whose message names the file;
metadata nested deeper than :data:`neurogen._checks.MAX_JSON_DEPTH` levels is one of them.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from neurogen._checks import MAX_JSON_DEPTH, available_memory, load_json
from neurogen._files import NotRegularFile, atomic_path, open_regular, sha256_file
from neurogen._version import __version__

__all__ = ["CheckpointError", "FORMAT_VERSION", "MAX_CHECKPOINT_BYTES", "check_state_dict", "read_checkpoint",
           "save_checkpoint", "tensors_sha256"]

#: Version 2 added ``tensors_sha256``; version 1 files load without that check.
FORMAT_VERSION = 2
#: Largest checkpoint file read (the default subject's training state is about 22 MB).
MAX_CHECKPOINT_BYTES = 4 * 2**30
#: Records of one checkpoint zip (a network has 8 tensors, a training state a few dozen).
_MAX_RECORDS = 10_000


class CheckpointError(ValueError):
    """A checkpoint file that is missing, corrupt, truncated or does not match its config."""


def _tensors(obj: Any, prefix: str = "") -> list[tuple[str, torch.Tensor]]:
    """Every tensor in a nested dict/list (e.g. an optimizer state), with a dotted name.

    Depth first, keys in ``str`` order (the order ``tensors_sha256`` hashes in); iterative, and
    nesting deeper than :data:`~neurogen._checks.MAX_JSON_DEPTH` levels raises ``ValueError``.
    """
    out: list[tuple[str, torch.Tensor]] = []
    stack: list[tuple[str, Any, int]] = [(prefix, obj, 0)]
    while stack:
        name, value, depth = stack.pop()
        if isinstance(value, torch.Tensor):
            out.append((name, value))
            continue
        if isinstance(value, Mapping):
            items = [(str(k), value[k]) for k in sorted(value, key=str)]
        elif isinstance(value, (list, tuple)):
            items = [(str(i), v) for i, v in enumerate(value)]
        else:
            continue
        if items and depth >= MAX_JSON_DEPTH:
            msg = f"the state is nested more than {MAX_JSON_DEPTH} levels deep"
            raise ValueError(msg)
        stack.extend((f"{name}.{k}" if name else k, v, depth + 1) for k, v in reversed(items))
    return out


def tensors_sha256(obj: Any) -> str:
    """sha256 over every tensor in ``obj`` (name, dtype, shape and bytes), in name order."""
    h = hashlib.sha256()
    for name, t in _tensors(obj):
        shape = tuple(t.shape)
        t = t.detach().cpu().reshape(-1).contiguous()
        h.update(f"{name}|{t.dtype}|{shape}|".encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def save_checkpoint(path: str | os.PathLike, fmt: str, *, config: Any, state_dict: Mapping[str, Any],
                    metadata: Mapping[str, Any] | None = None, **extra: Any) -> str:
    """Write a checkpoint atomically; return the file's sha256.

    ``state_dict`` may nest (an optimizer's state): every tensor in it is hashed. ``extra`` items
    are stored at the top level of the payload.
    """
    state = {k: (v.detach().cpu().clone() if isinstance(v, torch.Tensor) else v) for k, v in state_dict.items()}
    payload = {
        "format": fmt,
        "format_version": FORMAT_VERSION,
        "neurogen_version": __version__,
        "config": config,
        "state_dict": state,
        "metadata": json.dumps(dict(metadata or {}), default=str),
        "tensors_sha256": tensors_sha256(state),
        **extra,
    }
    path = Path(path)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:  # a file object: OSErrors keep errno
        torch.save(payload, fh)
    return sha256_file(path)


def load_payload(path: str | os.PathLike, *, sha256: str | None = None,
                 what: str = "checkpoint") -> tuple[Any, str]:
    """Steps 1–3 of the module docstring: the file's sha256, its zip CRCs, a safe ``torch.load``.

    Returns the unpickled payload (any type) and the file's sha256.

    Raises
    ------
    CheckpointError
    """
    path = Path(path)
    if not path.exists():
        msg = f"{path}: {what} not found."
        raise CheckpointError(msg)
    raw = _read_bounded(path, what)
    digest = hashlib.sha256(raw).hexdigest()
    if sha256 is not None and digest != sha256:
        msg = (f"{path}: sha256 {digest} does not match the expected {sha256}; the file was "
               "changed or damaged. Refusing to load it.")
        raise CheckpointError(msg)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            _check_declared_sizes(path, z.infolist(), len(raw), what)
            bad = z.testzip()
    except CheckpointError:
        raise
    except Exception as err:  # BadZipFile, EOFError, RuntimeError ("encrypted" flag), zlib.error, ...
        msg = f"{path}: not a readable {what} (truncated or corrupt?): {err}"
        raise CheckpointError(msg) from err
    if bad is not None:
        msg = (f"{path}: the {what} is damaged: record {bad!r} fails its CRC-32 check (the file "
               "changed after it was written). Refusing to load it.")
        raise CheckpointError(msg)
    try:
        payload = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except Exception as err:  # UnpicklingError for a pickle that would run code, RuntimeError, ...
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        msg = f"{path}: not a readable {what} (truncated, corrupt or unsafe?): {first}"
        raise CheckpointError(msg) from err
    return payload, digest


def _read_bounded(path: Path, what: str) -> bytes:
    """The bytes of a regular file of at most :data:`MAX_CHECKPOINT_BYTES` (and half the memory)."""
    try:
        with open_regular(path, what) as fh:
            size = os.fstat(fh.fileno()).st_size
            limit = min(MAX_CHECKPOINT_BYTES, available_memory() // 2)
            if size > limit:
                msg = (f"{path}: the {what} is {size:,} bytes, more than the {limit:,} neurogen reads "
                       "(no neurogen checkpoint is this large). Refusing to load it.")
                raise CheckpointError(msg)
            raw = fh.read(size + 1)
    except NotRegularFile as err:
        msg = f"{path}: cannot read the {what}: {err.strerror}"
        raise CheckpointError(msg) from None
    except OSError as err:
        msg = f"{path}: cannot read the {what}: {err.strerror or err}"
        raise CheckpointError(msg) from err
    if len(raw) > size:
        msg = f"{path}: the {what} grew while it was read; refusing to load it."
        raise CheckpointError(msg)
    return raw


def _check_declared_sizes(path: Path, infos: list[zipfile.ZipInfo], size: int, what: str) -> None:
    """Refuse a zip whose records declare more bytes than a torch checkpoint of ``size`` bytes
    can hold: torch stores every record uncompressed, so their sum is at most the file's size
    (twice it, and 1 MB, leave room for a checkpoint some tool re-zipped with deflate)."""
    if len(infos) > _MAX_RECORDS:
        msg = f"{path}: the {what} holds {len(infos):,} zip records; a checkpoint has a few dozen."
        raise CheckpointError(msg)
    declared = sum(i.file_size for i in infos)
    limit = 2 * size + 2**20
    if declared > limit:
        big = max(infos, key=lambda i: i.file_size)
        msg = (f"{path}: the {what}'s zip records declare {declared:,} bytes uncompressed in a "
               f"{size:,}-byte file (record {big.filename!r}: {big.file_size:,} bytes); torch stores "
               "checkpoints uncompressed, so this is a zip bomb or a damaged file. Refusing to load it.")
        raise CheckpointError(msg)


def read_checkpoint(path: str | os.PathLike, fmt: str, *, sha256: str | None = None,
                    what: str = "checkpoint", kind: str | None = None) -> tuple[dict[str, Any], str]:
    """Read and verify a checkpoint file (steps 1–5 of the module docstring).

    ``what`` names the file in messages ("checkpoint"), ``kind`` what its format tag makes it
    ("network checkpoint").

    Returns
    -------
    (payload, sha256)
        The payload dict, its ``metadata`` already parsed into a dict, and the file's sha256.

    Raises
    ------
    CheckpointError
    """
    payload, digest = load_payload(path, sha256=sha256, what=what)
    if not isinstance(payload, dict) or payload.get("format") != fmt:
        msg = f"{path}: not a neurogen {kind or what} (no '{fmt}' format tag)."
        raise CheckpointError(msg)
    state = payload.get("state_dict")
    if not isinstance(state, dict):
        msg = f"{path}: the {what} holds no state_dict."
        raise CheckpointError(msg)
    stored = payload.get("tensors_sha256")
    try:
        computed = tensors_sha256(state) if stored is not None else None
    except ValueError as err:
        msg = f"{path}: the {what}'s state_dict is not a network's: {err}."
        raise CheckpointError(msg) from None
    if stored is not None and computed != stored:
        msg = (f"{path}: the {what}'s tensors do not match their stored sha256 (the weights were "
               "changed or damaged). Refusing to load it.")
        raise CheckpointError(msg)
    meta = payload.get("metadata", "{}")
    try:
        meta = load_json(meta, "its metadata") if isinstance(meta, (str, bytes)) else meta
        if not isinstance(meta, Mapping):
            msg = f"its metadata is {type(meta).__name__}, not a JSON object"
            raise ValueError(msg)
        payload["metadata"] = dict(meta)
    except (TypeError, ValueError) as err:
        text = str(err).removeprefix("its metadata ")
        msg = f"{path}: the {what}'s metadata {text}" if str(err).startswith("its metadata") else \
            f"{path}: the {what}'s metadata is not valid JSON: {err}"
        raise CheckpointError(msg) from None
    return payload, digest


def check_state_dict(path: str | os.PathLike, state: Mapping[str, Any],
                     expected: Mapping[str, tuple[int, ...]], *, what: str = "checkpoint",
                     dtype: torch.dtype = torch.float32) -> None:
    """Check that ``state`` holds exactly the ``expected`` tensors, with those shapes, all finite.

    ``expected`` comes from the stored config (names → shapes), computed without allocating.
    Finite means finite once cast to ``dtype``, the dtype the network computes in (the cast
    ``load_state_dict`` makes): a float64 weight of 1e300 is refused, not turned into inf.

    Raises
    ------
    CheckpointError
    """
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        msg = (f"{path}: weights do not match the stored config: missing {missing}, "
               f"unexpected {unexpected}.")
        raise CheckpointError(msg)
    for name, shape in expected.items():
        t = state[name]
        if not isinstance(t, torch.Tensor):
            msg = f"{path}: weights do not match the stored config: {name!r} is not a tensor."
            raise CheckpointError(msg)
        if tuple(t.shape) != tuple(shape):
            msg = (f"{path}: weights do not match the stored config: {name} has shape "
                   f"{tuple(t.shape)}, the config implies {tuple(shape)}.")
            raise CheckpointError(msg)
        if not t.is_floating_point():
            msg = f"{path}: {name} has dtype {t.dtype}; weights must be floating point."
            raise CheckpointError(msg)
        if not bool(torch.isfinite(t).all()):
            msg = f"{path}: {name} holds NaN or inf weights; refusing to load a broken network."
            raise CheckpointError(msg)
        if t.dtype != dtype and t.numel() and not bool(torch.isfinite(t.to(dtype)).all()):
            msg = (f"{path}: {name} holds weights beyond the range of {str(dtype).removeprefix('torch.')} "
                   f"(largest magnitude {float(t.abs().max()):.3g}), the dtype the network computes in: "
                   "they would become inf. Refusing to load a broken network.")
            raise CheckpointError(msg)
