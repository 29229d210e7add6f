"""Fig. 4: minimum distance to memory, concept and abstract concept against noise fraction p, per seed.

Protocol: ``trials`` noisy '6's at each of ``levels`` fractions p in [0, 1], T steps; for every
trial the minimum over time of the distance to its memory ξ(i), its concept ξ̄₆ and the abstract
concept ξ̄_all (eq. 13). :func:`neurogen.analysis.stages` reads stages I/II/III from the per-p
means. The dataset keeps every trial's minima (with its ``noise``), so the stages, boundaries and
figure are recomputed from the saved file alone. Measured on every subject in ``seeds`` under the
default pixel-swap reading; the ``readings`` study compares the readings.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen.studies._common import FIG_WIDTH, BySize, Context, subject_coords
from neurogen.studies._measure import noise_sweep
from neurogen.studies.claims import Claim, over_seeds

NAME = "fig4"
CAPTION = ("Minimum distances from concepts according to noise fraction p. Dots: mean of the minimum "
           "distance; bars: ±1 standard error of the mean (500 trials). Stages I, II and III: the "
           "closest of memory ξ(i)6, concept ξ̄6 and abstract concept ξ̄all.")

LONG_NAMES = {
    "min_memory": "min over t of ||z(t) - memory of the trial's image||_2 (eq. 13)",
    "min_concept": "min over t of ||z(t) - concept of the trial's label||_2 (eq. 13)",
    "min_abstract": "min over t of ||z(t) - abstract concept||_2 (eq. 13)",
}


@attrs.frozen
class Sizes:
    """Trials per p, points of p in [0, 1], steps T, seeds, the label and pixel-swap reading."""

    trials: int
    levels: int
    steps: int
    seeds: tuple[int, ...]
    label: int = 6
    mode: str = "invert"


SIZES = BySize(tiny=Sizes(trials=6, levels=5, steps=6, seeds=(0, 1)),
               quick=Sizes(trials=500, levels=21, steps=80, seeds=(0, 1, 2)),
               paper=Sizes(trials=500, levels=21, steps=80, seeds=(0, 1, 2)))


def measure(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """Each trial's minimum distances (``min_memory``, ``min_concept``, ``min_abstract``) by seed."""
    parts = []
    for seed in sizes.seeds:
        sub = ctx.subject(seed=seed)
        mins = noise_sweep(sub, sizes.label, sizes.trials, sizes.levels, sizes.mode, sizes.steps)
        ds = mins.rename({k: f"min_{k}" for k in mins.data_vars})
        parts.append(ds.expand_dims(seed=[seed]).assign_coords(subject_coords(sub, "seed")))
    out = xr.concat(parts, "seed", coords="minimal", compat="override")
    out.attrs.update({"label": sizes.label, "mode": sizes.mode, "steps": sizes.steps})
    return out


def stages_of(ds: xr.Dataset, seed: int) -> xr.Dataset:
    """:func:`neurogen.analysis.stages` of one seed's trials."""
    d = ds.sel(seed=seed)
    return na.stages({lev: d[f"min_{lev}"] for lev in na.LEVELS})


def stage_text(st: xr.Dataset) -> tuple[str, bool]:
    """``"stages I → II → III; in order: True; boundaries at p = …"`` and whether all three appear in order."""
    bounds = ", ".join(f"{float(b):.3f}" for b in st["boundary"].values) or "none"
    ok = bool(st["complete"] & st["in_order"])
    return f"{str(st['sequence'].values)}, boundaries at p = {bounds}", ok


_COLORS = {"memory": "C2", "concept": "C1", "abstract": "C0"}


def _level_names(label: int) -> dict[str, str]:
    return {"memory": rf"memory $\xi^{{(i)}}_{{{label}}}$", "concept": rf"concept $\bar{{\xi}}_{{{label}}}$",
            "abstract": r"abstract $\bar{\xi}_{\mathrm{all}}$"}


def _curves(ax: Any, st: xr.Dataset, label: int) -> None:
    names = _level_names(label)
    for level in na.LEVELS:
        m, s = st["mean"].sel(level=level), st["sem"].sel(level=level)
        ax.errorbar(m.noise, m, yerr=s, fmt="o-", ms=3.5, lw=1.3, capsize=2, color=_COLORS[level], label=names[level])
    for b in st["boundary"].values:
        ax.axvline(float(b), color="gray", ls="--", lw=0.8)


def zoom_window(st: xr.Dataset) -> tuple[float, float, str] | None:
    """The p range of stage II with one noise step either side, or the steps around the first boundary."""
    noise = st["noise"].values.astype(float)
    step = float(np.min(np.diff(noise))) if noise.size > 1 else 0.05
    two = noise[st["numeral"].values == "II"]
    if two.size:
        return float(two.min() - step), float(two.max() + step), "stage II"
    bounds = [float(b) for b in st["boundary"].values]
    if bounds:
        return bounds[0] - 1.5 * step, bounds[0] + 1.5 * step, f"no stage II; around p = {bounds[0]:.3g}"
    return None


def plot_stages(ax: Any, st: xr.Dataset, label: int, title: str) -> None:
    """Fig. 4's dots and bars for one stages result, stage regions labelled with their numerals.

    The y range gets 18 % headroom, so the numerals (at the top) sit clear of the markers.
    """
    _curves(ax, st, label)
    bounds = [float(b) for b in st["boundary"].values]
    edges = [0.0, *bounds, 1.0]
    lo = float((st["mean"] - st["sem"]).min())
    hi = float((st["mean"] + st["sem"]).max())
    span = hi - lo or 1.0
    ax.set_ylim(lo - 0.05 * span, hi + 0.22 * span)
    runs = [str(st["numeral"].values[0])] + [na.NUMERALS.get(str(v), str(v)) for v in st["after"].values]
    for k, num in enumerate(runs[: len(edges) - 1]):
        ax.text((edges[k] + edges[k + 1]) / 2, 0.97, num, transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=12, fontweight="bold")
    ax.set_xlabel("noise fraction p")
    ax.set_ylabel(r"$\min_t \|z(t) - \xi\|_2$")
    ax.set_title(title, fontsize=10)


def _zoom(ax: Any, top: Any, st: xr.Dataset, label: int) -> None:
    """Stage II magnified (where the three curves come close), its window boxed on the panel above."""
    from matplotlib.patches import Rectangle

    window = zoom_window(st)
    if window is None:
        ax.text(0.5, 0.5, "no stage boundary: nothing to magnify", ha="center", va="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    x0, x1, what = window
    noise = st["noise"].values.astype(float)
    x0, x1 = max(x0, float(noise.min()) - 0.01), min(x1, float(noise.max()) + 0.01)
    _curves(ax, st, label)
    inside = st.sel(noise=slice(x0 - 1e-9, x1 + 1e-9))
    lo = float((inside["mean"] - inside["sem"]).min())
    hi = float((inside["mean"] + inside["sem"]).max())
    pad = 0.08 * ((hi - lo) or 1.0)
    ax.set_xlim(x0, x1)
    ax.set_ylim(lo - pad, hi + pad)
    ax.set_xlabel("noise fraction p")
    ax.set_title(f"{what}, magnified (grey box above)", fontsize=10)
    top.add_patch(Rectangle((x0, lo - pad), x1 - x0, hi - lo + 2 * pad, fill=False, ec="0.4", lw=1, ls="-"))


def plot(ds: xr.Dataset) -> Any:
    """One column per seed: the noise sweep (top) and stage II magnified (bottom); one legend for all."""
    import matplotlib.pyplot as plt

    seeds = [int(s) for s in ds.seed.values]
    label = int(ds.attrs["label"])
    fig, axes = plt.subplots(2, len(seeds), figsize=(FIG_WIDTH, 7.4), squeeze=False, layout="constrained",
                             height_ratios=[1.25, 1])
    for k, seed in enumerate(seeds):
        st = stages_of(ds, seed)
        plot_stages(axes[0, k], st, label, f"seed {seed}: {str(st['sequence'].values)} "
                                           f"({int(st['n'].max())} trials per p)")
        _zoom(axes[1, k], axes[0, k], st, label)
    handles, names = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside upper center", ncol=3,
               title=rf"$\min_t \|z(t) - \xi\|_2$ to each level, mean ± SEM over trials "
                     f"(pixel swap: {ds.attrs['mode']}; dashed lines: stage boundaries)")
    return fig


def claims(ds: xr.Dataset) -> list[Claim]:
    """Stages I → II → III, all present and in order, per seed."""
    def check(d: xr.Dataset) -> tuple[bool, str]:
        text, ok = stage_text(na.stages({lev: d[f"min_{lev}"] for lev in na.LEVELS}))
        return ok, text

    v, subjects, measured = over_seeds(ds, check)
    return [Claim(NAME, "Stage order memory → concept → abstract as p grows", "I → II → III",
                  measured, v, "all three stages present, never going back to a more detailed "
                  "level as p grows", f"Nz = 100, {subjects}", ds.attrs["mode"])]
