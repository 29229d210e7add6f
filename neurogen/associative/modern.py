"""The modern (continuous) Hopfield network of Ramsauer et al. (2020) as a neurogen subject.

This module owns :class:`ModernHopfield`: the update ξ ← X softmax(β Xᵀ ξ) with the stored
patterns X (N, P) as columns. Small β averages many patterns (a metastable state near their mean:
the concept), large β retrieves single patterns in one step. ``encode`` reads the state out,
``decode`` is one update, so :func:`neurogen.run` records it like any other subject.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import torch

from neurogen.device import resolve_device

__all__ = ["ModernHopfield"]


class ModernHopfield:
    """Continuous states, exponential interaction: ξ_new = X softmax(β Xᵀ ξ).

    Parameters
    ----------
    patterns : array-like (P, N)
        Stored patterns (any real values; ±1 memories for comparison with :class:`HopfieldNetwork`).
    beta : float
        Inverse temperature β > 0. With ±1 patterns the scores Xᵀξ are of order N, so β of order
        1/N… 10/N spans averaging (concept) to single-pattern retrieval; ``beta=None`` uses
        ``beta_scale / N``.
    beta_scale : float
        β·N when ``beta`` is not given.
    device : str or torch.device

    Examples
    --------
    >>> net = ModernHopfield.from_patterns(HierarchicalPatterns(500), beta_scale=8.0)  # doctest: +SKIP
    """

    def __init__(self, patterns: Any, *, beta: float | None = None, beta_scale: float = 8.0,
                 device: str | torch.device = "cpu") -> None:
        xi = np.array(patterns)
        if xi.ndim == 1:
            xi = xi[None]
        if xi.ndim != 2 or xi.size == 0 or not np.issubdtype(xi.dtype, np.number) or not np.isfinite(xi).all():
            msg = f"patterns must be a non-empty finite (patterns, units) array, got shape {xi.shape}."
            raise ValueError(msg)
        self.n_patterns, self.n_units = xi.shape
        if beta is None:
            beta = self._positive("beta_scale", beta_scale) / self.n_units
        self.beta = self._positive("beta", beta)
        self.patterns_sha256 = hashlib.sha256(np.ascontiguousarray(xi.astype(np.float32)).tobytes()).hexdigest()
        self._device = resolve_device(device)
        self.patterns = torch.as_tensor(xi, dtype=torch.float32, device=self._device)

    @staticmethod
    def _positive(name: str, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            msg = f"'{name}' must be a number, got {type(value).__name__}."
            raise TypeError(msg)
        if not (np.isfinite(value) and value > 0):
            msg = f"'{name}' must be finite and > 0: {value!r}"
            raise ValueError(msg)
        return float(value)

    @classmethod
    def from_patterns(cls, patterns: Any, **kwargs: Any) -> ModernHopfield:
        """Store ``patterns`` (an array, or anything with a ``memories`` array)."""
        return cls(getattr(patterns, "memories", patterns), **kwargs)

    @property
    def device(self) -> torch.device:
        """Where the patterns live."""
        return self._device

    def to(self, device: str | torch.device) -> ModernHopfield:
        """Move to ``device`` in place; return self."""
        self._device = resolve_device(device)
        self.patterns = self.patterns.to(self._device)
        return self

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Read the state out: identity on (trials, N), as float32."""
        x = torch.as_tensor(x, device=self._device)
        if x.ndim != 2 or x.shape[1] != self.n_units:
            msg = f"'x' must have shape (trials, {self.n_units}), got {tuple(x.shape)}."
            raise ValueError(msg)
        return x.to(torch.float32)

    def attention(self, z: torch.Tensor) -> torch.Tensor:
        """softmax(β Xᵀ ξ): the weight of each stored pattern, (trials, P)."""
        z = self.encode(z)
        return torch.softmax(self.beta * (z @ self.patterns.T), dim=-1)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """One update ξ ← X softmax(β Xᵀ ξ), batched over trials."""
        return self.attention(z) @ self.patterns

    def describe(self) -> dict[str, Any]:
        """Provenance attributes for a recording."""
        return {"subject": type(self).__name__, "n_units": int(self.n_units), "n_latent": int(self.n_units),
                "n_patterns": int(self.n_patterns), "beta": self.beta, "network_sha256": self.patterns_sha256}

    def __repr__(self) -> str:
        return (f"ModernHopfield(n_units={self.n_units}, n_patterns={self.n_patterns}, beta={self.beta:g}, "
                f"device={str(self._device)!r})")
