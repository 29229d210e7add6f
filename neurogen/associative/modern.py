"""The modern (continuous) Hopfield network of Ramsauer et al. (2020) as a neurogen subject.

This module owns :class:`ModernHopfield`: the update ξ ← X softmax(β Xᵀ ξ) with the stored
patterns X (N, P) as columns. Small β averages many patterns (a metastable state near their mean:
the concept), large β retrieves single patterns in one step. ``encode`` reads the state out,
``decode`` is one update, so :func:`neurogen.run` records it like any other subject.

The β sweep over such a network (the same start states relaxed at each β) is a measurement, so
it lives with the study that makes it (:mod:`neurogen.studies._beta_sweep`): a subject sits below
the engine and imports neither it nor the analysis.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import numpy as np
import torch
import xarray as xr

from neurogen.device import resolve_device

__all__ = ["ModernHopfield"]


class ModernHopfield:
    """Continuous states, exponential interaction: ξ_new = X softmax(β Xᵀ ξ).

    Parameters
    ----------
    patterns : array-like (P, N)
        Stored patterns (any finite real values: ±1 memories for comparison with
        :class:`HopfieldNetwork`, or a VAE's memories in its latent space).
    beta : float
        Inverse temperature β > 0. With ±1 patterns the scores Xᵀξ are of order N, so β of order
        1/N… 10/N spans averaging (concept) to single-pattern retrieval; ``beta=None`` uses
        ``beta_scale / N``.
    beta_scale : float
        β·N when ``beta`` is not given.
    labels : array-like (P,), optional
        The concept (class) of each stored pattern; needed by :meth:`hierarchy` and for the
        retrieval fractions of a β sweep.
    samples : array-like (P,), optional
        An identifier of each stored pattern (e.g. its sample index in a
        :class:`~neurogen.concepts.ConceptHierarchy`, matched to a stimulus' ``source``); default
        0..P−1.
    device : str or torch.device

    Attributes
    ----------
    patterns : torch.Tensor (P, N), float32
    labels : numpy.ndarray (P,) of int64, or None
    samples : numpy.ndarray (P,) of int64

    Notes
    -----
    The scores are dot products, so with real-valued patterns of unequal norm the update favours
    long patterns: at large β it converges to the stored pattern of largest ξᵀx, which is the
    Euclidean nearest one only when the patterns have equal norms.

    Examples
    --------
    >>> net = ModernHopfield.from_patterns(HierarchicalPatterns(500), beta_scale=8.0)  # doctest: +SKIP
    >>> vae_memories = ModernHopfield.from_hierarchy(ctx.hierarchy, per_label=200, beta=1.0)  # doctest: +SKIP
    """

    def __init__(self, patterns: Any, *, beta: float | None = None, beta_scale: float = 8.0,
                 labels: Any = None, samples: Any = None, device: str | torch.device = "cpu") -> None:
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
        self.labels = None if labels is None else self._per_pattern("labels", labels)
        self.samples = (np.arange(self.n_patterns, dtype=np.int64) if samples is None
                        else self._per_pattern("samples", samples))
        if len(np.unique(self.samples)) != self.n_patterns:
            msg = "'samples' must identify each stored pattern once (no repeated values)."
            raise ValueError(msg)
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

    def _per_pattern(self, name: str, value: Any) -> np.ndarray:
        arr = np.asarray(value)
        if arr.shape != (self.n_patterns,) or not np.issubdtype(arr.dtype, np.integer):
            msg = (f"'{name}' must be {self.n_patterns} integers, one per stored pattern; got "
                   f"shape {arr.shape} of dtype {arr.dtype}.")
            raise ValueError(msg)
        return arr.astype(np.int64)

    @classmethod
    def from_patterns(cls, patterns: Any, **kwargs: Any) -> ModernHopfield:
        """Store ``patterns`` (an array, or anything with a ``memories`` array).

        For an object that also has ``labels`` (e.g. :class:`~neurogen.associative.HierarchicalPatterns`)
        these become the stored patterns' labels unless ``labels`` is given.
        """
        if hasattr(patterns, "memories") and "labels" not in kwargs and hasattr(patterns, "labels"):
            kwargs["labels"] = patterns.labels
        return cls(getattr(patterns, "memories", patterns), **kwargs)

    @classmethod
    def from_hierarchy(cls, hierarchy: Any, *, per_label: int | None = None, seed: int = 0,
                       **kwargs: Any) -> ModernHopfield:
        """Store the memories of a :class:`~neurogen.concepts.ConceptHierarchy` (e.g. a VAE's, eq. 9).

        Parameters
        ----------
        hierarchy : ConceptHierarchy
            Its ``memory(sample, unit)`` with ``label(sample)`` gives the patterns, their
            ``labels`` and ``samples`` (the sample coordinate, so trials whose ``source`` is a
            stored sample can be matched to their own memory).
        per_label : int, optional
            Store at most this many memories of each label, drawn without replacement with
            ``seed`` (kept in sample order); default: all.
        seed : int
        **kwargs
            ``beta``, ``beta_scale``, ``device`` as for the constructor.
        """
        mem = getattr(hierarchy, "memory", None)
        if not isinstance(mem, xr.DataArray) or mem.dims != ("sample", "unit") or "label" not in mem.coords:
            msg = ("hierarchy must be a ConceptHierarchy (its 'memory' a (sample, unit) DataArray with a "
                   f"'label' coordinate), got {type(hierarchy).__name__}.")
            raise TypeError(msg)
        labels = np.asarray(mem["label"].values, dtype=np.int64)
        if per_label is None:
            keep = np.arange(len(labels))
        else:
            if isinstance(per_label, bool) or not isinstance(per_label, (int, np.integer)) or per_label < 1:
                msg = f"'per_label' must be an int >= 1 or None: {per_label!r}"
                raise ValueError(msg)
            rng = np.random.default_rng(seed)
            rows = []
            for lab in np.unique(labels):
                idx = np.flatnonzero(labels == lab)
                rows.append(idx if len(idx) <= per_label else rng.choice(idx, size=int(per_label), replace=False))
            keep = np.sort(np.concatenate(rows))
        return cls(mem.values[keep], labels=labels[keep],
                   samples=np.asarray(mem["sample"].values, dtype=np.int64)[keep], **kwargs)

    def with_beta(self, beta: float) -> ModernHopfield:
        """A copy at inverse temperature ``beta`` sharing the stored patterns (no copy of X)."""
        new = copy.copy(self)
        new.beta = self._positive("beta", beta)
        return new

    def hierarchy(self) -> Any:
        """The stored patterns as a :class:`~neurogen.concepts.ConceptHierarchy` (needs ``labels``)."""
        from neurogen.concepts import ConceptHierarchy

        if self.labels is None:
            msg = "this network has no labels; build it with labels= (or from_hierarchy) to get a hierarchy."
            raise ValueError(msg)
        return ConceptHierarchy.from_patterns(self.patterns.cpu().numpy(), self.labels, samples=self.samples,
                                              attrs=self.describe())

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
