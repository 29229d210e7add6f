"""Device choice: ``"auto"`` means CUDA when present, else CPU."""

from __future__ import annotations

import torch

__all__ = ["resolve_device"]


def resolve_device(device: str | torch.device | None = "auto") -> torch.device:
    """Turn ``"auto"`` / ``"cpu"`` / ``"cuda[:n]"`` / a device into a ``torch.device``.

    Raises
    ------
    ValueError
        For an unknown name, or ``"cuda"`` on a machine without CUDA.
    """
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as err:
        msg = f"device must be 'auto', 'cpu' or 'cuda[:n]', got {device!r}."
        raise ValueError(msg) from err
    if dev.type == "cuda" and not torch.cuda.is_available():
        msg = "device='cuda' was asked for but CUDA is not available here; use device='auto' or 'cpu'."
        raise ValueError(msg)
    return dev
