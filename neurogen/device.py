"""Device choice: ``"auto"`` means CUDA when present, else CPU; anything else is checked here."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch

__all__ = ["resolve_device"]

#: Device types a subject can run on.
DEVICE_TYPES = ("cpu", "cuda", "mps")


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """Turn ``"auto"`` / ``"cpu"`` / ``"cuda[:n]"`` / a device into a ``torch.device``.

    Raises
    ------
    ValueError
        For an unknown name, a device type neurogen cannot compute on (``"meta"``), ``"cuda"``
        on a machine without CUDA, or a CUDA index beyond the devices present.
    """
    if device is None or (isinstance(device, str) and device == "auto"):
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if not isinstance(device, (str, torch.device)):
        msg = f"device must be 'auto', 'cpu', 'cuda[:n]' or a torch.device, got {type(device).__name__}."
        raise TypeError(msg)
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        msg = f"device must be 'auto', 'cpu' or 'cuda[:n]', got {device!r}."
        raise ValueError(msg) from err
    if dev.type not in DEVICE_TYPES:
        msg = f"device must be 'auto', 'cpu' or 'cuda[:n]', got {device!r} (no computation runs on {dev.type!r})."
        raise ValueError(msg)
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            msg = "device='cuda' was asked for but CUDA is not available here; use device='auto' or 'cpu'."
            raise ValueError(msg)
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            msg = f"device={device!r}: this machine has {torch.cuda.device_count()} CUDA device(s)."
            raise ValueError(msg)
    if dev.type == "mps" and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        msg = "device='mps' was asked for but MPS is not available here; use device='auto' or 'cpu'."
        raise ValueError(msg)
    return dev


@contextlib.contextmanager
def seeded_init(seed: int | None) -> Iterator[None]:
    """Within the block, torch's CPU generator is seeded with ``seed`` (restored after); ``None``: untouched.

    Used to build a network's initial weights reproducibly without changing the caller's RNG state.
    """
    if seed is None:
        yield
        return
    from neurogen._checks import check_seed

    check_seed("seed", seed)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
