"""The β sweep of a modern Hopfield network: the same start states relaxed at each inverse temperature.

Owns :func:`beta_sweep` (the distance of the final state to each level of a concept hierarchy —
memory, concept, abstract — at each β: the β counterpart of the paper's Fig. 4 noise sweep) and
:func:`modern_vae`, the ``associative`` study's measurement of a modern Hopfield network storing a
VAE's memories. It needs the engine and the analysis, so it sits with the studies, above the
subject (:class:`~neurogen.associative.ModernHopfield`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import xarray as xr

from neurogen import analysis as na
from neurogen.associative import ModernHopfield
from neurogen.engine import run
from neurogen.stimulus import PixelSwap, Stimulus
from neurogen.studies._measure import PROGRESS

__all__ = ["beta_sweep", "modern_vae"]


def _start_stimulus(start: Any, labels: Any, sources: Any) -> Any:
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
        :meth:`~neurogen.associative.ModernHopfield.with_beta`).
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
          stored pattern at the final state (argmax of :meth:`~neurogen.associative.ModernHopfield.attention`) is the
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
        rec = run(net, stim, steps=int(steps), progress=PROGRESS.get())
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


def modern_vae(ctx: Any, sizes: Any) -> xr.Dataset:
    """A modern Hopfield network storing the VAE's memories, swept over β from two kinds of start state.

    The stored patterns are ``sizes.per_label`` memories of each label of ``ctx.hierarchy`` (drawn
    with the profile's seed); β = β̃ / ⟨‖ξ‖²⟩ for each β̃ in ``sizes.beta_scaled``. Start states
    (``start``): ``"vae"``, the VAE's encoding of ``sizes.trials`` noisy images of ``sizes.label``
    at ``sizes.p_start`` (pixel swap, invert) whose clean images are stored; ``"gaussian"``, the
    same trials' stored memories plus isotropic Gaussian noise of total norm ``sizes.noise_ratio``
    · ⟨‖ξ(i) − ξ̄_num‖⟩. Distances are measured against the VAE's own hierarchy.

    Returns
    -------
    xarray.Dataset
        The two :func:`beta_sweep` results (without ``final``) stacked along ``start``, with
        ``beta_scaled(beta)``, each start's mean distance to each level (``start_distance``), a
        description of each start (``start_description``) and the settings as 0-d variables.
    """
    seed = ctx.profile.seed
    hier = ctx.hierarchy
    net = ModernHopfield.from_hierarchy(hier, per_label=int(sizes.per_label), seed=seed, beta=1.0,
                                        device=ctx.network.device)
    x = net.patterns.cpu().numpy().astype(np.float64)
    scale = float((x ** 2).sum(1).mean())
    label = int(sizes.label)
    stored = np.flatnonzero(net.labels == label)
    if stored.size == 0:
        msg = f"the VAE's hierarchy holds no memory of label {label}."
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(stored, size=min(int(sizes.trials), stored.size), replace=False))
    sources = net.samples[rows]
    position = {int(s): i for i, s in enumerate(ctx.data.index)}
    missing = [int(s) for s in sources if int(s) not in position]
    if missing:
        msg = f"{len(missing)} stored memories have no image in the context's data (e.g. sample {missing[0]})."
        raise ValueError(msg)
    images = Stimulus.from_dataset(ctx.data, indices=[position[int(s)] for s in sources],
                                   noise=PixelSwap(float(sizes.p_start)), seed=seed)
    z0 = run(ctx.network, images, steps=0, progress=PROGRESS.get()).latent.isel(time=0).values
    spread = float(np.linalg.norm(x - hier.concept.sel(label=net.labels).values, axis=1).mean())
    sigma = float(sizes.noise_ratio) * spread / math.sqrt(net.n_units)
    labels = net.labels[rows]
    starts = {"vae": z0, "gaussian": (x[rows] + sigma * rng.standard_normal(x[rows].shape)).astype(np.float32)}
    what = {"vae": f"VAE encoding of noisy '{label}'s, p = {float(sizes.p_start):g} (invert)",
            "gaussian": f"stored memory + Gaussian noise, sigma = {sigma:.3g} per unit"}
    parts = []
    for name, z in starts.items():
        res = beta_sweep(net, z, np.asarray(sizes.beta_scaled, dtype=np.float64) / scale, int(sizes.steps),
                         hierarchy=hier, labels=labels, sources=sources)
        start = xr.DataArray(z, dims=("trial", "unit"),
                             coords={"label": ("trial", labels), "source": ("trial", sources)})
        dist = [float(na.distance(start, getattr(hier, lvl)).mean()) for lvl in na.LEVELS]
        parts.append(res.drop_vars("final").assign(
            start_distance=("level", dist), start_description=xr.DataArray(what[name]),
        ).assign_coords(beta_scaled=("beta", res["beta"].values * scale)))
    out = xr.concat(parts, dim=xr.DataArray(list(starts), dims="start", name="start"), combine_attrs="drop_conflicts")
    settings = {"digit": label, "trials": len(rows), "steps": int(sizes.steps), "p_start": float(sizes.p_start),
                "n_patterns": int(net.n_patterns), "per_label": int(sizes.per_label),
                "noise_ratio": float(sizes.noise_ratio), "gaussian_sigma": sigma, "mean_squared_norm": scale,
                "memory_concept_distance": spread, "subject": repr(net)}
    return out.assign({k: xr.DataArray(v) for k, v in settings.items()})
