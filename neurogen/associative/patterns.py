"""Hierarchically correlated ±1 patterns: a root, concepts around it, memories around each concept.

This module owns :class:`HierarchicalPatterns`, the stored patterns of the associative-memory
subject (Amari 1977; Toya, Fukushima & Okada 2000; Matsumoto et al. 2005). A root pattern ξ_root is
uniformly ±1; each concept η_k agrees with the root unit by unit with probability (1 + b₁)/2, so
that ⟨η_k,i ξ_root,i⟩ = b₁; each memory ξ_{k,m} agrees with its concept with probability
(1 + b₂)/2, so that ⟨ξ_{k,m},i η_k,i⟩ = b₂. It turns the tree into the stimulus
(:meth:`~HierarchicalPatterns.stimulus`) and the :class:`~neurogen.concepts.ConceptHierarchy`
(:meth:`~HierarchicalPatterns.hierarchy`) that the rest of neurogen measures against.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cached_property
from typing import Any

import attrs
import numpy as np

from neurogen.concepts import ConceptHierarchy
from neurogen.stimulus import MODES, PixelSwap, Stimulus

__all__ = ["HierarchicalPatterns", "HIERARCHY_KINDS"]

#: Accepted values of ``kind`` in :meth:`HierarchicalPatterns.hierarchy`.
HIERARCHY_KINDS = ("centroid", "parent")


def _positive_int(instance: Any, attribute: attrs.Attribute, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        msg = f"'{attribute.name}' must be an int >= 1: {value!r}"
        raise ValueError(msg)


def _correlation(instance: Any, attribute: attrs.Attribute, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        msg = f"'{attribute.name}' must be a number in [0, 1]: {value!r}"
        raise TypeError(msg)
    if not (0.0 <= float(value) <= 1.0):
        msg = f"'{attribute.name}' must lie in [0, 1]: {value!r}"
        raise ValueError(msg)


def _seed(instance: Any, attribute: attrs.Attribute, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        msg = f"'{attribute.name}' must be an int >= 0: {value!r}"
        raise ValueError(msg)


def _sign(x: np.ndarray) -> np.ndarray:
    """±1 signs with ties (0) going to +1, as int8."""
    return np.where(np.asarray(x) >= 0, 1, -1).astype(np.int8)


def _flip(rng: np.random.Generator, parent: np.ndarray, b: float) -> np.ndarray:
    """Children of ``parent`` (..., N): each unit kept with probability (1 + b)/2, else flipped."""
    keep = rng.random(parent.shape) < (1.0 + b) / 2.0
    return np.where(keep, parent, -parent).astype(np.int8)


@attrs.frozen(slots=False)
class HierarchicalPatterns:
    """A tree of ±1 patterns: root → ``n_concepts`` concepts → ``n_memories`` memories each.

    Parameters
    ----------
    n_units : int
        N, units per pattern.
    n_concepts : int
        K, concepts (children of the root).
    n_memories : int
        M, memories per concept.
    b_concept : float
        b₁ in [0, 1]: P(η_k,i = ±1) = (1 ± b₁ ξ_root,i)/2, so ⟨η_k ξ_root⟩ = b₁.
    b_memory : float
        b₂ in [0, 1]: P(ξ_{k,m},i = ±1) = (1 ± b₂ η_k,i)/2, so ⟨ξ_{k,m} η_k⟩ = b₂ and two memories
        of the same concept overlap by b₂² on average, of different concepts by b₁²b₂².
    seed : int
        Seed of the generator; the same seed gives the same patterns.

    Examples
    --------
    >>> pats = HierarchicalPatterns(1000, n_concepts=3, n_memories=5, b_concept=0.2, b_memory=0.6)
    >>> pats.memories.shape, pats.labels[:6].tolist()
    ((15, 1000), [0, 0, 0, 0, 0, 1])
    """

    n_units: int = attrs.field(validator=_positive_int)
    n_concepts: int = attrs.field(default=3, validator=_positive_int)
    n_memories: int = attrs.field(default=10, validator=_positive_int)
    b_concept: float = attrs.field(default=0.2, validator=_correlation)
    b_memory: float = attrs.field(default=0.6, validator=_correlation)
    seed: int = attrs.field(default=0, validator=_seed)

    # ------------------------------------------------------------------ patterns

    def generate(self) -> dict[str, np.ndarray]:
        """Draw the tree: ``root`` (N,), ``concepts`` (K, N), ``memories`` (K·M, N), all ±1 int8.

        Memories are ordered concept-major (memory ``k·M + m`` is the m-th child of concept k).
        Cached: the arrays are computed once per object and returned read-only.
        """
        return self._tree

    @cached_property
    def _tree(self) -> dict[str, np.ndarray]:
        rng = np.random.default_rng(self.seed)
        n, k, m = int(self.n_units), int(self.n_concepts), int(self.n_memories)
        root = np.where(rng.random(n) < 0.5, 1, -1).astype(np.int8)
        concepts = _flip(rng, np.broadcast_to(root, (k, n)), float(self.b_concept))
        memories = _flip(rng, np.repeat(concepts, m, axis=0), float(self.b_memory))
        out = {"root": root, "concepts": concepts, "memories": memories}
        for v in out.values():
            v.setflags(write=False)
        return out

    @property
    def root(self) -> np.ndarray:
        """ξ_root (N,), ±1 int8."""
        return self._tree["root"]

    @property
    def concepts(self) -> np.ndarray:
        """The generating concepts η_k (K, N), ±1 int8."""
        return self._tree["concepts"]

    @property
    def memories(self) -> np.ndarray:
        """The memories ξ_{k,m} (K·M, N), ±1 int8, concept-major."""
        return self._tree["memories"]

    @property
    def labels(self) -> np.ndarray:
        """Concept index of each memory (K·M,), int64."""
        return np.repeat(np.arange(self.n_concepts, dtype=np.int64), self.n_memories)

    @property
    def centroids(self) -> np.ndarray:
        """Class means of the memories (K, N), float64: the paper's concept ξ̄ (eq. 8)."""
        return self.memories.reshape(self.n_concepts, self.n_memories, -1).astype(np.float64).mean(1)

    def centroid_signs(self) -> np.ndarray:
        """sign(centroid) (K, N), ±1 int8 (ties → +1): the ±1 mixed state nearest each centroid."""
        return _sign(self.centroids)

    def abstract_sign(self) -> np.ndarray:
        """sign(mean of the centroids) (N,), ±1 int8 (ties → +1)."""
        return _sign(self.centroids.mean(0))

    @property
    def sha256(self) -> str:
        """Hash of the memories (provenance of a network built from them)."""
        return hashlib.sha256(np.ascontiguousarray(self.memories).tobytes()).hexdigest()

    # ------------------------------------------------------------------ neurogen views

    def hierarchy(self, kind: str = "centroid") -> ConceptHierarchy:
        """The patterns as a :class:`~neurogen.concepts.ConceptHierarchy` (memories labelled by concept).

        Parameters
        ----------
        kind : {"centroid", "parent"}
            ``"centroid"`` (the paper's definition, eq. 8 and 12): concepts are the class means
            of the memories, the abstract concept the mean of the concepts. ``"parent"``: the
            generating concepts η_k and the root ξ_root.
        """
        if kind not in HIERARCHY_KINDS:
            msg = f"kind must be one of {HIERARCHY_KINDS}, got {kind!r}."
            raise ValueError(msg)
        mem = self.memories.astype(np.float32)
        extra: dict[str, Any] = {}
        if kind == "parent":
            extra = {"concepts": self.concepts.astype(np.float32), "abstract": self.root.astype(np.float32)}
        return ConceptHierarchy.from_patterns(mem, self.labels, **extra, attrs={
            **self.describe(), "hierarchy_kind": kind})

    def stimulus(self, p: float | Sequence[float], n: int | None = None, mode: str = "invert",
                 repeats: int = 1, seed: int = 0, concepts: Sequence[int] | None = None) -> Stimulus:
        """Noisy memories as a :class:`~neurogen.stimulus.Stimulus` (pixel swap on ±1 units).

        Parameters
        ----------
        p : float or sequence of float
            Noise fraction(s): each unit is selected with probability p; ``invert`` flips its sign
            (``PixelSwap(p, mode, bounds=(-1, 1))``), as p does for the VAE's pixels.
        n : int, optional
            Memories per concept, drawn without replacement with ``seed`` (default: all M).
        mode : {"invert", "permute"}
        repeats : int
            Presentations of each memory under independent noise.
        seed : int
        concepts : sequence of int, optional
            Only memories of these concepts (default: all).

        Returns
        -------
        Stimulus
            ``labels`` = concept index, ``sources`` = memory index (row of :attr:`memories`).
        """
        if mode not in MODES:
            msg = f"mode must be one of {MODES}, got {mode!r}."
            raise ValueError(msg)
        ks = np.arange(self.n_concepts) if concepts is None else np.unique(np.asarray(concepts, dtype=np.int64))
        if ks.size == 0 or ks.min() < 0 or ks.max() >= self.n_concepts:
            msg = f"concepts must be a non-empty selection of 0..{self.n_concepts - 1}: {concepts!r}"
            raise ValueError(msg)
        if n is not None and (isinstance(n, bool) or not isinstance(n, (int, np.integer))
                              or not 1 <= n <= self.n_memories):
            msg = f"'n' must be an int in [1, {self.n_memories}] (memories per concept): {n!r}"
            raise ValueError(msg)
        rng = np.random.default_rng(seed)
        rows = []
        for k in ks:
            idx = np.arange(k * self.n_memories, (k + 1) * self.n_memories)
            rows.append(idx if n is None else np.sort(rng.choice(idx, size=int(n), replace=False)))
        src = np.concatenate(rows)
        return Stimulus(self.memories[src].astype(np.float32), self.labels[src], src,
                        noise=PixelSwap(p, mode=mode, bounds=(-1.0, 1.0)), repeats=int(repeats),
                        seed=int(seed), description=f"{self!r}: n={n!r}, concepts={concepts!r}")

    def describe(self) -> dict[str, Any]:
        """Provenance attributes (numbers and strings)."""
        return {"patterns": "HierarchicalPatterns", "n_units": int(self.n_units),
                "n_concepts": int(self.n_concepts), "n_memories": int(self.n_memories),
                "b_concept": float(self.b_concept), "b_memory": float(self.b_memory),
                "pattern_seed": int(self.seed), "patterns_sha256": self.sha256}
