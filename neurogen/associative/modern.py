"""The modern (continuous) Hopfield network of Ramsauer et al. (2020) as a neurogen subject.

This module owns :class:`ModernHopfield`: the update ξ ← X softmax(β Xᵀ ξ) with the stored
patterns X (N, P) as columns. Small β averages many patterns (a metastable state near their mean:
the concept), large β retrieves single patterns in one step. ``encode`` reads the state out,
``decode`` is one update, so :func:`neurogen.run` records it like any other subject.

It also owns :func:`beta_sweep`: the same start states relaxed at each β of a sweep, and the
distance of the final state to each level of a concept hierarchy (memory, concept, abstract),
the β counterpart of the noise sweep of the paper's Fig. 4.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import xarray as xr

from neurogen.device import resolve_device

__all__ = ["ModernHopfield", "beta_sweep"]


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
        retrieval fractions of :func:`beta_sweep`.
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


def _start_stimulus(start: Any, labels: Any, sources: Any) -> Any:
    from neurogen.stimulus import PixelSwap, Stimulus

    if isinstance(start, Stimulus):
        if labels is not None or sources is not None:
            msg = "give labels= and sources= only with an array of start states, not with a Stimulus."
            raise ValueError(msg)
        return start
    x = np.asarray(start, dtype=np.float32)
    if x.ndim != 2 or len(x) == 0 or not np.isfinite(x).all():
        msg = f"start must be a Stimulus or a non-empty finite (trials, units) array, got shape {x.shape}."
        raise ValueError(msg)
    if labels is None:
        msg = "an array of start states needs labels= (the concept of each trial)."
        raise ValueError(msg)
    src = np.arange(len(x)) if sources is None else sources
    return Stimulus(x, labels, src, noise=PixelSwap(0.0), description="given start states")


def beta_sweep(network: ModernHopfield, start: Any, betas: Sequence[float], steps: int, *,
               hierarchy: Any = None, labels: Any = None, sources: Any = None) -> xr.Dataset:
    """Relax the same start states at each β and measure where the final state lies.

    For every β the update ξ ← X softmax(β Xᵀ ξ) runs ``steps`` times from each start state
    (recorded with :func:`neurogen.run`); the final state ξ(T) is compared with the trial's own
    memory, own concept and the abstract concept (:func:`neurogen.analysis.distance`). The level
    with the smallest mean final distance is the β's ``nearest`` level (the rule of
    :func:`neurogen.analysis.stages`, with β in place of the noise fraction p).

    Parameters
    ----------
    network : ModernHopfield
        The stored patterns; its own β is not used (each β of ``betas`` is applied through
        :meth:`ModernHopfield.with_beta`).
    start : Stimulus or array-like (trials, N)
        The start states ξ(0) (a stimulus' inputs are the states themselves: ``encode`` is the
        identity). Its ``source`` must name a memory of ``hierarchy``.
    betas : sequence of float
        The inverse temperatures, each > 0 (sorted ascending in the result).
    steps : int
        T, updates per trial.
    hierarchy : ConceptHierarchy, optional
        The levels measured against; default ``network.hierarchy()`` (its stored patterns, their
        class means and the mean of those).
    labels, sources : array-like (trials,), optional
        With an array ``start``: each trial's concept label and own memory's sample (default:
        0..trials−1, i.e. the stored pattern of the same row when ``network`` stores the starts'
        memories in order).

    Returns
    -------
    xarray.Dataset
        Over ``beta`` (and ``level`` = memory, concept, abstract; ``trial``):

        * ``final(beta, level, trial)``: ‖ξ(T) − target‖₂;
        * ``mean``, ``sem``, ``n`` ``(level, beta)``: over trials;
        * ``nearest(beta)``: the level of smallest mean final distance (ties: the more detailed),
          ``numeral(beta)`` its stage numeral (I, II, III);
        * ``fraction(level, beta)``: the fraction of trials whose final state is nearest that level;
        * ``own_memory(beta)``, ``same_label(beta)``: the fraction of trials whose most weighted
          stored pattern at the final state (argmax of :meth:`ModernHopfield.attention`) is the
          trial's own memory, or has the trial's label (NaN without ``network.labels``).

    Raises
    ------
    ValueError
        For an empty or non-positive ``betas``, a negative ``steps``, or start states of the wrong
        width.

    Examples
    --------
    >>> net = ModernHopfield.from_hierarchy(ctx.hierarchy, per_label=200)  # doctest: +SKIP
    >>> res = beta_sweep(net, start_states, np.geomspace(0.1, 10, 8), steps=40,  # doctest: +SKIP
    ...                  hierarchy=ctx.hierarchy, labels=labels, sources=sources)
    >>> res["nearest"].values  # doctest: +SKIP
    """
    from neurogen import analysis as na
    from neurogen.engine import run

    if not isinstance(network, ModernHopfield):
        msg = f"network must be a ModernHopfield, got {type(network).__name__}."
        raise TypeError(msg)
    bs = np.asarray(betas, dtype=np.float64).ravel()
    if bs.size == 0 or not np.isfinite(bs).all() or (bs <= 0).any():
        msg = f"betas must be a non-empty sequence of finite numbers > 0: {betas!r}"
        raise ValueError(msg)
    bs = np.unique(bs)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        msg = f"'steps' must be an int >= 0: {steps!r}"
        raise ValueError(msg)
    stim = _start_stimulus(start, labels, sources)
    if stim.images.shape[1] != network.n_units:
        msg = (f"start states have {stim.images.shape[1]} units but the network stores patterns of "
               f"{network.n_units}.")
        raise ValueError(msg)
    hier = network.hierarchy() if hierarchy is None else hierarchy
    finals, own, same = [], [], []
    co = stim.trial_coords()
    for b in bs:
        net = network.with_beta(float(b))
        rec = run(net, stim, steps=int(steps), progress=False)
        last = rec.latent.isel(time=-1)
        finals.append(xr.concat([na.distance(last, getattr(hier, lvl)).reset_coords(drop=True)
                                 for lvl in na.LEVELS], dim="level"))
        with torch.inference_mode():
            top = net.attention(torch.as_tensor(last.values)).argmax(-1).cpu().numpy()
        own.append(float((network.samples[top] == co["source"]).mean()))
        same.append(float((network.labels[top] == co["label"]).mean()) if network.labels is not None
                    else float("nan"))
    final = xr.concat(finals, dim="beta").assign_coords(
        beta=bs, level=list(na.LEVELS), label=("trial", co["label"]), source=("trial", co["source"]))
    final = final.transpose("beta", "level", "trial")
    final.attrs = {"long_name": "distance of the final state ξ(T) to each level", "steps": int(steps)}
    per_beta = ("trial", np.repeat(bs, final.sizes["trial"]))
    mins = {lvl: xr.DataArray(final.sel(level=lvl).values.ravel(), dims="trial", coords={"beta": per_beta})
            for lvl in na.LEVELS}
    st = na.stages(mins, by="beta")
    winner = final.argmin("level")
    fraction = xr.concat([(winner == k).mean("trial") for k in range(len(na.LEVELS))], dim="level")
    return xr.Dataset(
        {"final": final, "mean": st["mean"], "sem": st["sem"], "n": st["n"],
         "nearest": st["stage"], "numeral": st["numeral"],
         "fraction": fraction.assign_coords(level=list(na.LEVELS)).transpose("level", "beta"),
         "own_memory": ("beta", np.asarray(own)), "same_label": ("beta", np.asarray(same))},
        attrs={"steps": int(steps), "n_patterns": int(network.n_patterns), "n_units": int(network.n_units),
               "rule": "nearest = level with the smallest mean final distance (ties: more detailed level)"})
