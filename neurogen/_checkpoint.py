"""Checkpoint files (``.pt``) for every model neurogen saves: one format, checked before use.

A checkpoint is a ``torch.save`` zip holding a dict: ``format`` (``"neurogen-network"``,
``"neurogen-classifier"``, ``"neurogen-training-state"``), ``format_version``,
``neurogen_version``, ``config``, ``state_dict``, ``metadata`` (JSON text) and, since format
version 2, ``tensors_sha256``: a sha256 over every tensor's name, dtype, shape and bytes.

:func:`save_checkpoint` writes atomically (:func:`neurogen._files.atomic_path`). Reading is
:func:`read_checkpoint` then :func:`check_state_dict`, and nothing is built before both pass:

1. the file's sha256, when the caller expects one (the shipped subjects);
2. the zip's own CRC-32 of every record (catches a flipped byte anywhere, also in files written
   before format version 2);
3. ``torch.load(..., weights_only=True)``: a pickle that would run code is refused, never run;
4. the format tag;
5. ``tensors_sha256``, when present (format version 1 files have none and still load);
6. the tensors' names and shapes against those the stored config implies
   (:func:`check_state_dict`, before any network is allocated, so that a small file claiming
   ``n_hidden=10**6`` is refused at once), and that every weight is finite.

Every failure is a :class:`CheckpointError` (a ``ValueError``) whose message names the file.
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

from neurogen._files import atomic_path, sha256_file
from neurogen._version import __version__

__all__ = ["CheckpointError", "FORMAT_VERSION", "check_state_dict", "read_checkpoint",
           "save_checkpoint", "tensors_sha256"]

#: Version 2 added ``tensors_sha256``; version 1 files load without that check.
FORMAT_VERSION = 2


class CheckpointError(ValueError):
    """A checkpoint file that is missing, corrupt, truncated or does not match its config."""


def _tensors(obj: Any, prefix: str = "") -> list[tuple[str, torch.Tensor]]:
    """Every tensor in a nested dict/list (e.g. an optimizer state), with a dotted name."""
    if isinstance(obj, torch.Tensor):
        return [(prefix, obj)]
    out: list[tuple[str, torch.Tensor]] = []
    if isinstance(obj, Mapping):
        for k in sorted(obj, key=str):
            out += _tensors(obj[k], f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            out += _tensors(v, f"{prefix}.{i}" if prefix else str(i))
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
    if not path.is_file():
        msg = f"{path}: {what} not found."
        raise CheckpointError(msg)
    try:
        raw = path.read_bytes()
    except OSError as err:
        msg = f"{path}: cannot read the {what}: {err.strerror or err}"
        raise CheckpointError(msg) from err
    digest = hashlib.sha256(raw).hexdigest()
    if sha256 is not None and digest != sha256:
        msg = (f"{path}: sha256 {digest} does not match the expected {sha256}; the file was "
               "changed or damaged. Refusing to load it.")
        raise CheckpointError(msg)
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as z:
            bad = z.testzip()
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
    if stored is not None and tensors_sha256(state) != stored:
        msg = (f"{path}: the {what}'s tensors do not match their stored sha256 (the weights were "
               "changed or damaged). Refusing to load it.")
        raise CheckpointError(msg)
    try:
        meta = payload.get("metadata", "{}")
        payload["metadata"] = dict(json.loads(meta)) if isinstance(meta, str) else dict(meta)
    except (TypeError, ValueError) as err:
        msg = f"{path}: the {what}'s metadata is not valid JSON: {err}"
        raise CheckpointError(msg) from err
    return payload, digest


def check_state_dict(path: str | os.PathLike, state: Mapping[str, Any],
                     expected: Mapping[str, tuple[int, ...]], *, what: str = "checkpoint") -> None:
    """Check that ``state`` holds exactly the ``expected`` tensors, with those shapes, all finite.

    ``expected`` comes from the stored config (names → shapes), computed without allocating.

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
