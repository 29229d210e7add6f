"""The :class:`Subject` protocol: what :func:`neurogen.run` needs of any subject.

A subject maps an input x to a recorded population state z (``encode``) and a state back to the
next input (``decode``). For the VAE these are eqs. (7) and (6); for a Hopfield network ``encode``
reads the state out and ``decode`` is one update. Any object with these four members can be
recorded, a user's own torch model included.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import torch

__all__ = ["Subject"]


@runtime_checkable
class Subject(Protocol):
    """Anything ``run`` can record."""

    @property
    def device(self) -> torch.device:
        """Where the subject computes."""
        ...

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Input (trials, D) → recorded state (trials, N)."""
        ...

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """State (trials, N) → next input (trials, D)."""
        ...

    def describe(self) -> dict[str, Any]:
        """Provenance attributes for the recording (strings and numbers)."""
        ...
