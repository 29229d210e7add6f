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
import xarray as xr

from neurogen import analysis as na
from neurogen.studies._common import BySize, Context, subject_coords
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


def plot_stages(ax: Any, st: xr.Dataset, label: int, title: str) -> None:
    """Fig. 4's dots and bars for one stages result, stage regions labelled with their numerals."""
    colors = {"memory": "C2", "concept": "C1", "abstract": "C0"}
    names = {"memory": rf"memory $\xi^{{(i)}}_{{{label}}}$", "concept": rf"concept $\bar{{\xi}}_{{{label}}}$",
             "abstract": r"abstract $\bar{\xi}_{\mathrm{all}}$"}
    for level in na.LEVELS:
        m, s = st["mean"].sel(level=level), st["sem"].sel(level=level)
        ax.errorbar(m.noise, m, yerr=s, fmt="o-", ms=3, color=colors[level], label=names[level])
    bounds = [float(b) for b in st["boundary"].values]
    edges = [0.0, *bounds, 1.0]
    for b in bounds:
        ax.axvline(b, color="gray", ls="--", lw=0.8)
    runs = [str(st["numeral"].values[0])] + [na.NUMERALS.get(str(v), str(v)) for v in st["after"].values]
    for k, num in enumerate(runs):
        ax.text((edges[k] + edges[k + 1]) / 2, 0.97, num, transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=11)
    ax.set_xlabel("noise fraction p")
    ax.set_ylabel(r"$\min_t \|z(t) - \xi\|_2$")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="lower right")


def plot(ds: xr.Dataset) -> Any:
    """One panel per seed."""
    import matplotlib.pyplot as plt

    seeds = [int(s) for s in ds.seed.values]
    fig, axes = plt.subplots(1, len(seeds), figsize=(5.5 * len(seeds), 4.2), squeeze=False, sharey=True,
                             layout="constrained")
    for ax, seed in zip(axes[0], seeds):
        st = stages_of(ds, seed)
        plot_stages(ax, st, int(ds.attrs["label"]),
                    f"seed {seed}, pixel swap: {ds.attrs['mode']} ({int(st['n'].max())} trials per p)")
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
