"""Fig. 2: distance from the concept over inference time, for each label 0–9 (mean ± SEM)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen.engine import run
from neurogen.stimulus import PixelSwap, Stimulus
from neurogen.studies._common import context, save_data, save_figure

CAPTION = ("Time development of the distance from concepts ξ̄num for all labels of the MNIST data. "
           "Shades represent ±1 standard error of the mean (300 trials). All figures were generated "
           "with noise fraction p = 0.2.")


def distance_curves(ctx: Any, labels: list[int], trials: int, p: float, mode: str,
                    steps: int) -> xr.Dataset:
    """Record ``trials`` noisy images per label and return mean ± SEM of ‖z(t) − ξ̄_label‖ by label."""
    n = min([trials] + [int((ctx.data.labels == lab).sum()) for lab in labels])
    stim = Stimulus.from_dataset(ctx.data, label=labels, n=n, noise=PixelSwap(p, mode=mode),
                                 seed=ctx.profile.seed)
    rec = run(ctx.network, stim, steps=steps, progress=False)
    d = na.distance(rec.latent, ctx.hierarchy.concept)
    return na.mean_sem(d, by="label")


def study(profile: Any = "quick", out: str | os.PathLike = ".", device: str = "auto", *,
          p: float = 0.2, mode: str = "invert", data: Any = None) -> dict[str, Any]:
    """Distance to the own concept over time for each label; dip detection per label."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ctx = context(profile, device, data)
    labels = [int(v) for v in ctx.hierarchy.concept.label.values]
    band = distance_curves(ctx, labels, ctx.profile.trials_fig2, p, mode, ctx.profile.steps)
    dips = na.returns_to_concept(band["mean"].transpose("label", "time"))
    fig, axes = plt.subplots(2, 5, figsize=(14, 5.2), sharex=True)
    for ax, lab in zip(axes.ravel(), labels):
        m, s = band["mean"].sel(label=lab), band["sem"].sel(label=lab)
        ax.plot(m.time, m, color="C0")
        ax.fill_between(m.time, m - s, m + s, alpha=0.3, color="C0")
        tmin = int(dips["t_min"].sel(label=lab))
        ax.axvline(tmin, color="C3", lw=0.8, ls=":")
        ax.set_title(f"'{lab}': {str(dips['outcome'].sel(label=lab).values)}", fontsize=9)
    for ax in axes[:, 0]:
        ax.set_ylabel("‖z(t) − ξ̄num‖₂")
    for ax in axes[-1]:
        ax.set_xlabel("t")
    fig.suptitle(f"distance to the concept, p = {p} ({mode}), {int(band['n'].max())} trials per label")
    files = save_figure(fig, out, "fig2")
    ds = xr.merge([band, dips.rename({k: f"dip_{k}" for k in dips.data_vars})], compat="override")
    files.append(save_data(ds, out, "fig2", {"profile": ctx.profile.name, "p": p, "mode": mode,
                                             **ctx.network.describe()}))
    outcomes = [str(v) for v in dips["outcome"].values]
    return {
        "figure": "fig2", "files": [str(f) for f in files],
        "labels": labels, "dip": [bool(v) for v in dips["dip"].values],
        "n_dip": int(dips["dip"].sum()), "n_labels": len(labels),
        "outcome": outcomes, "t_min": [int(v) for v in dips["t_min"].values],
        "depth": [float(v) for v in dips["depth"].values],
        "final_ratio": [float(v) for v in dips["final_ratio"].values],
        "trials_per_label": int(band["n"].max()),
    }
