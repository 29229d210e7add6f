"""Measurements that several studies share and that need the engine (analysis itself stays pure).

* :func:`distance_curves` — Fig. 2's protocol: noisy images per label, ‖z(t) − ξ̄_label‖ mean ± SEM.
* :func:`noise_sweep` — Fig. 4's protocol: a grid of pixel-swap fractions p, each trial's minimum
  over time of the distance to its memory, its concept and the abstract concept (eq. 13).
* :func:`concept_image_distance` — Fig. 1's number: ‖x(t) − E_p[x | ξ̄_label]‖ in data space.
* :func:`final_states` — Fig. B.2's protocol: z(t) of every trial and the final image x(T).
* :func:`classifier_for` — the appendix-B CNN for a context (trained once, cached).

Both take a study :class:`~neurogen.studies._common.Context` and return labelled xarray objects.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen.engine import run
from neurogen.probe import Probe
from neurogen.stimulus import PixelSwap, Stimulus

#: Progress bars of the recordings: ``None`` shows them on a terminal only; ``False`` never (``quiet``).
PROGRESS: ContextVar[bool | None] = ContextVar("neurogen_study_progress", default=None)


@contextmanager
def progress(show: bool | None) -> Iterator[None]:
    """Within the block, recordings show a tqdm bar when ``show`` (``None``: on a terminal only)."""
    token = PROGRESS.set(show)
    try:
        yield
    finally:
        PROGRESS.reset(token)


__all__ = ["progress", "distance_curves", "noise_sweep", "noise_grid", "trials_for", "concept_image_distance",
           "final_states", "classifier_for"]


def trials_for(ctx: Any, labels: int | Sequence[int], trials: int) -> int:
    """``trials`` clipped to the images available for every label in ``labels`` (tiny data sets)."""
    labs = int(labels) if isinstance(labels, (int, np.integer)) else [int(v) for v in labels]
    return na.trials_per_label(ctx.data.labels, trials, labs)


def noise_grid(levels: int) -> np.ndarray:
    """``levels`` evenly spaced pixel-swap fractions in [0, 1] (Fig. 4's x axis)."""
    return np.round(np.linspace(0, 1, levels), 6)


def distance_curves(ctx: Any, labels: Sequence[int], trials: int, p: float, mode: str,
                    steps: int, *, interventions: Sequence[Any] = (), per_trial: bool = False) -> xr.Dataset:
    """Record ``trials`` noisy images per label; mean ± SEM of ‖z(t) − ξ̄_label‖ by label.

    Returns a Dataset with ``mean``, ``sem`` (label, time) and ``n`` (label); with ``per_trial``
    also ``distance`` (trial, time; float32, the ``label`` of each trial as a coordinate), from which
    the claims recompute the dip (and the bootstrap resamples it).
    """
    n = trials_for(ctx, labels, trials)
    stim = Stimulus.from_dataset(ctx.data, label=list(labels), n=n, noise=PixelSwap(p, mode=mode),
                                 seed=ctx.profile.seed)
    kw = {"interventions": list(interventions)} if interventions else {}
    rec = run(ctx.network, stim, steps=steps, progress=PROGRESS.get(), **kw)
    d = na.distance(rec.latent, ctx.hierarchy.concept)
    band = na.mean_sem(d, by="label")
    if not per_trial:
        return band
    # the trial's label as coordinate "trial_label" (a Dataset cannot hold "label" as a dim and a trial coordinate)
    trial_d = xr.DataArray(d.transpose("trial", "time").values.astype(np.float32), dims=("trial", "time"),
                           coords={"trial_label": ("trial", np.asarray(d["label"].values), {"long_name": "label of the trial's source image", "units": "1"}),
                                   "time": d["time"].values})
    return band.assign(distance=trial_d)


def noise_sweep(ctx: Any, label: int, trials: int, levels: int, mode: str, steps: int, *,
                interventions: Sequence[Any] = ()) -> xr.Dataset:
    """Fig. 4's sweep: each trial's min-over-time distance to memory, concept and abstract concept.

    Returns a Dataset with ``memory``, ``concept``, ``abstract`` over ``trial`` (with the
    ``noise`` coordinate), ready for :func:`neurogen.analysis.stages`.
    """
    n = trials_for(ctx, label, trials)
    stim = Stimulus.from_dataset(ctx.data, label=label, n=n, noise=PixelSwap(noise_grid(levels), mode=mode),
                                 seed=ctx.profile.seed)
    kw = {"interventions": list(interventions)} if interventions else {}
    rec = run(ctx.network, stim, steps=steps, progress=PROGRESS.get(), **kw)
    return na.min_distances(rec.latent, ctx.hierarchy)


def concept_image_distance(ctx: Any, label: int, trials: int, p: float, mode: str, steps: int) -> xr.Dataset:
    """Fig. 1's protocol: noisy ``label``s, x(t) recorded; ‖x(t) − E_p[x | ξ̄_label]‖ per trial.

    Returns a Dataset with ``distance`` (trial, time), ``images`` (time, row, col) of the first trial,
    ``first_source`` (its training-split index) and ``concept_image`` (row, col).
    """
    import torch

    n = trials_for(ctx, label, trials)
    stim = Stimulus.from_dataset(ctx.data, label=label, n=n, noise=PixelSwap(p, mode=mode), seed=ctx.profile.seed)
    rec = run(ctx.network, stim, steps=steps, probe=Probe(["latent", "data"]), progress=PROGRESS.get())
    concept = np.asarray(ctx.hierarchy.concept.sel(label=label).values, dtype=np.float32)
    with torch.inference_mode():
        image = np.asarray(ctx.network.decode(concept[None]))[0]
    target = xr.DataArray(image, dims="pixel")
    d = na.distance(rec.data, target, dim="pixel")
    side = int(round(np.sqrt(image.size)))
    return xr.Dataset({"distance": d.reset_coords(drop=True),
                       "images": rec.images(trial=0).reset_coords(drop=True),
                       "first_source": int(rec.dataset["source"].values[0]),
                       "concept_image": (("row", "col"), image.reshape(side, side))})


def final_states(ctx: Any, label: int, trials: int, p: float, mode: str, steps: int
                 ) -> tuple[xr.DataArray, np.ndarray]:
    """Fig. B.2's protocol: z(t) of every trial (latent only) and the final state x(T) = E_p[x | z(T − 1)].

    x(T) is recomputed from z(T − 1) with the subject's decoder — exactly the engine's last step — so no
    (trials × time × 784) array is held.
    """
    n = trials_for(ctx, label, trials)
    stim = Stimulus.from_dataset(ctx.data, label=label, n=n, noise=PixelSwap(p, mode=mode), seed=ctx.profile.seed)
    latent = run(ctx.network, stim, steps=steps, progress=PROGRESS.get()).latent
    if latent.sizes["time"] >= 2:
        x_final = np.asarray(ctx.network.decode(np.asarray(latent.isel(time=-2).values, np.float32)))
    else:  # T = 0: the final state is the input itself
        x_final = stim.inputs()
    return latent, x_final


def classifier_for(ctx: Any) -> Any:
    """The appendix-B CNN trained on ``ctx``'s training split (cached); a narrow one for ``tiny``."""
    from neurogen.classifier import trained_classifier

    recipe: dict[str, int] = {}
    if ctx.profile.name == "tiny":
        recipe = {"conv1": 8, "conv2": 16, "hidden": 32, "epochs": ctx.profile.epochs}
    return trained_classifier(ctx.train, ctx.test, seed=0, device=ctx.device, **recipe)
