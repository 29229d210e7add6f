"""Fig. 4: minimum distance to memory, concept and abstract concept against noise fraction p."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen.engine import run
from neurogen.stimulus import PixelSwap, Stimulus
from neurogen.studies._common import context, save_data, save_figure

CAPTION = ("Minimum distances from concepts according to noise fraction p. Dots: mean of the minimum "
           "distance; bars: ±1 standard error of the mean (500 trials). Stages I, II and III: the "
           "closest of memory ξ(i)6, concept ξ̄6 and abstract concept ξ̄all.")


def sweep(ctx: Any, label: int, trials: int, levels: int, mode: str, steps: int) -> xr.Dataset:
    """Record the noise sweep and return each trial's min-over-time distance to the three levels."""
    n = min(trials, int((ctx.data.labels == label).sum()))
    stim = Stimulus.from_dataset(ctx.data, label=label, n=n,
                                 noise=PixelSwap(np.round(np.linspace(0, 1, levels), 6), mode=mode),
                                 seed=ctx.profile.seed)
    rec = run(ctx.network, stim, steps=steps, progress=False)
    hier = ctx.hierarchy
    return xr.Dataset({
        "memory": na.min_distance(na.distance(rec.latent, hier.memory))["min"],
        "concept": na.min_distance(na.distance(rec.latent, hier.concept))["min"],
        "abstract": na.min_distance(na.distance(rec.latent, hier.abstract))["min"],
    })


def study(profile: Any = "quick", out: str | os.PathLike = ".", device: str = "auto", *,
          label: int = 6, modes: tuple[str, ...] = ("invert", "permute"), data: Any = None) -> dict[str, Any]:
    """The Fig. 4 sweep for each pixel-swap reading; stages I/II/III and their boundaries."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ctx = context(profile, device, data)
    p = ctx.profile
    result: dict[str, Any] = {"figure": "fig4", "files": [], "label": label}
    fig, axes = plt.subplots(1, len(modes), figsize=(6.5 * len(modes), 4.2), squeeze=False)
    colors = {"memory": "C2", "concept": "C1", "abstract": "C0"}
    names = {"memory": f"memory ξ(i){label}", "concept": f"concept ξ̄{label}", "abstract": "abstract ξ̄all"}
    for ax, mode in zip(axes[0], modes):
        mins = sweep(ctx, label, p.trials_fig4, p.noise_levels, mode, p.steps)
        st = na.stages(mins)
        for level in na.LEVELS:
            m, s = st["mean"].sel(level=level), st["sem"].sel(level=level)
            ax.errorbar(m.noise, m, yerr=s, fmt="o-", ms=3, color=colors[level], label=names[level])
        bounds = [float(b) for b in st["boundary"].values]
        edges = [0.0, *bounds, 1.0]
        for b in bounds:
            ax.axvline(b, color="gray", ls="--", lw=0.8)
        numerals = [str(v) for v in st["numeral"].values]
        # label each stage region with the numeral found there
        runs = [numerals[0]] + [na.NUMERALS.get(str(v), str(v)) for v in st["after"].values]
        for k, num in enumerate(runs):
            ax.text((edges[k] + edges[k + 1]) / 2, 0.97, num, transform=ax.get_xaxis_transform(),
                    ha="center", va="top", fontsize=11)
        ax.set_xlabel("noise fraction p")
        ax.set_ylabel("min_t ‖z(t) − ξ‖₂")
        ax.set_title(f"pixel swap: {mode} ({int(st['n'].max())} trials per p)")
        ax.legend(fontsize=8, loc="lower right")
        files = save_data(xr.merge([mins.rename({k: f"min_{k}" for k in mins.data_vars}), st],
                                   compat="override"),
                          out, f"fig4_{mode}", {"profile": p.name, "mode": mode, "label": label,
                                                **ctx.network.describe()})
        result["files"].append(str(files))
        result[mode] = {
            "stages": numerals, "noise": [float(v) for v in st["noise"].values],
            "boundaries": bounds, "in_order": bool(st["in_order"]),
            "present": sorted(set(numerals), key=["I", "II", "III"].index),
            "trials_per_p": int(st["n"].max()),
        }
    result["files"] = [str(f) for f in save_figure(fig, out, "fig4")] + result["files"]
    return result
