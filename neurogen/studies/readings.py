"""The pixel-swap readings: which reading of the paper's noise reproduces which claim.

The paper says only that "the image intensities of the selected pixels were swapped". Four
readings are plausible (:class:`~neurogen.stimulus.PixelSwap` modes): ``invert`` (x → 1 − x),
``permute`` (the selected intensities shuffled among themselves), ``uniform`` (each selected pixel
takes an intensity from U(0, 1)) and ``salt_pepper`` (each selected pixel set to 0 or 1).

Protocol: on the main subject (Nz = 100, seed 0) every reading is measured against five claims,
each by the same rule as its figure study (the statistical dip rule of
:mod:`neurogen.studies._dips`, recomputed from every trial's curve):

* **fig1 dip** — the mean data-space distance ‖x(t) − E_p[x | ξ̄₆]‖ over trials approaches the concept
  image (:func:`~neurogen.analysis.returns_to_concept` outcome is not ``no_approach``);
* **fig2 dips** — all 10 labels' mean distance-to-concept curves approach the concept;
* **fig2 leaves** — ... and all 10 then move away from it (the second half of Fig. 2's claim);
* **fig4 stages** — stages I → II → III all present and in order as p grows;
* **B.2 count** — at least half of the final states x(T) of noisy '6's are classified '6' (paper:
  193 of 300);
* **B.2 approach** — the distance-to-concept curve approaches the concept both over all trials and
  over the trials that end as '6'.

The reading that reproduces the most claims on seed 0 (ties: the default ``invert`` first, then
the order above) is then measured on every seed in ``sizes.seeds``. Trial counts are smaller than
in the figure studies (see :data:`SIZES`) so that four readings fit the quick report's budget.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen.studies._common import FIG_WIDTH, BySize, Context
from neurogen.studies._measure import (classifier_for, concept_image_distance, distance_curves, final_states,
                                       noise_sweep)
from neurogen.studies._dips import dips
from neurogen.studies.claims import Claim, across, verdict

NAME = "readings"
CAPTION = ("Each paper claim under each reading of the pixel swap (rows: claims; columns: readings; seed 0), "
           "and the reading that reproduces the most claims on every seed.")
MODES = ("invert", "permute", "uniform", "salt_pepper")
CLAIMS = {
    "fig1_dip": ("Fig. 1: the data-space distance to the concept image dips", "qualitative (Fig. 1)",
                 "mean ‖x(t) − E_p[x|ξ̄6]‖ approaches the concept (returns_to_concept outcome ≠ no_approach)"),
    "fig2_dips": ("Fig. 2: every label approaches its concept first", "10 of 10 labels",
                  "all labels' mean distance-to-concept curves approach the concept"),
    "fig2_leaves": ("Fig. 2: ... and then moves away from it", "10 of 10 labels",
                    "all labels' mean distance-to-concept curves rise significantly after their minimum"),
    "fig4_stages": ("Fig. 4: stages memory → concept → abstract as p grows", "I → II → III",
                    "all three stages present, never going back to a more detailed level"),
    "b2_count": ("Fig. B.2: most final states of noisy '6's are still '6'", "193 of 300 (0.64)",
                 "fraction of x(T) classified as the source label ≥ 0.5"),
    "b2_approach": ("Fig. B.2: the approach is there for all trials and for those ending as '6'",
                    "both curves approach the concept",
                    "both mean distance-to-concept curves approach the concept"),
}

LONG_NAMES = {
    "fig1_distance": "||x(t) - E_p[x | concept of 6]||_2 (data space) of each trial",
    "fig2_distance": "||z(t) - concept of the label||_2 of each trial",
    "fig2_trial_label": "label of the trial's source image (fig2 protocol)",
    "min_memory": "min over t of ||z(t) - memory of the trial's image||_2 (eq. 13)",
    "min_concept": "min over t of ||z(t) - concept of the trial's label||_2 (eq. 13)",
    "min_abstract": "min over t of ||z(t) - abstract concept||_2 (eq. 13)",
    "b2_predicted": "class of x(T) by the appendix-B classifier",
    "b2_distance": "||z(t) - concept of 6||_2 of each trial (Fig. B.2 protocol)",
    "case_mode": "pixel-swap reading of the case",
    "case_seed": "training seed of the case's subject",
}


@attrs.frozen
class Sizes:
    """Trials per protocol, Fig. 4's grid, steps T and the seeds for the best reading."""

    fig1_trials: int
    fig2_trials: int
    fig4_trials: int
    levels: int
    b2_trials: int
    steps: int
    seeds: tuple[int, ...]
    label: int = 6
    p: float = 0.2


SIZES = BySize(
    tiny=Sizes(fig1_trials=6, fig2_trials=6, fig4_trials=4, levels=5, b2_trials=8, steps=6, seeds=(0, 1)),
    quick=Sizes(fig1_trials=50, fig2_trials=100, fig4_trials=200, levels=21, b2_trials=300, steps=80,
                seeds=(0, 1, 2)),
    paper=Sizes(fig1_trials=50, fig2_trials=300, fig4_trials=500, levels=21, b2_trials=300, steps=80,
                seeds=(0, 1, 2)),
)


def _case(ctx: Context, clf: Any, mode: str, sizes: Sizes) -> xr.Dataset:
    """All five protocols under one reading on one subject, with every trial's curve (for the bootstrap)."""
    lab = sizes.label
    f1 = concept_image_distance(ctx, lab, sizes.fig1_trials, sizes.p, mode, sizes.steps)["distance"]
    labels = [int(v) for v in ctx.hierarchy.concept.label.values]
    f2 = distance_curves(ctx, labels, sizes.fig2_trials, sizes.p, mode, sizes.steps, per_trial=True)["distance"]
    mins = noise_sweep(ctx, lab, sizes.fig4_trials, sizes.levels, mode, sizes.steps)
    latent, x_final = final_states(ctx, lab, sizes.b2_trials, sizes.p, mode, sizes.steps)
    predicted = np.asarray(clf.predict_proba(x_final)).argmax(1)
    d = na.distance(latent, ctx.hierarchy.concept).reset_coords(drop=True)
    return xr.Dataset({
        "fig1_distance": f1.reset_coords(drop=True).rename(trial="fig1_trial").astype(np.float32),
        "fig2_distance": f2.rename(trial="fig2_trial", trial_label="fig2_trial_label"),
        "min_memory": mins["memory"].reset_coords(drop=True), "min_concept": mins["concept"].reset_coords(drop=True),
        "min_abstract": mins["abstract"].reset_coords(drop=True),
        "b2_predicted": ("b2_trial", predicted.astype(np.int64)),
        "b2_distance": d.rename(trial="b2_trial").astype(np.float32),
    }).assign_coords(noise=("trial", mins["noise"].values))


def _approaches(distance: xr.DataArray, dim: str) -> bool | None:
    if distance.sizes[dim] < 2:
        return None
    return bool(dips(distance, by=None, dim=dim)["dip_dip"])


def evaluate(case: xr.Dataset, label: int = 6) -> dict[str, tuple[bool | None, str]]:
    """Each claim's (holds?, measured text) for one case (one reading on one subject), from its trials."""
    out: dict[str, tuple[bool | None, str]] = {}
    f1 = dips(case["fig1_distance"], by=None, dim="fig1_trial")
    out["fig1_dip"] = (bool(f1["dip_dip"]), f"{str(f1['dip_outcome'].values)} (min at t = {int(f1['dip_t_min'])})")
    f2 = dips(case["fig2_distance"], by="fig2_trial_label", dim="fig2_trial")
    n_dip, n = int(np.asarray(f2["dip_dip"]).astype(bool).sum()), int(f2.sizes["fig2_trial_label"])
    out["fig2_dips"] = (n_dip == n, f"{n_dip} of {n} labels")
    n_leave = int(np.asarray(f2["dip_leaves"]).astype(bool).sum())
    out["fig2_leaves"] = (n_leave == n, f"{n_leave} of {n} labels")
    st = na.stages({lev: case[f"min_{lev}"] for lev in na.LEVELS})
    bounds = ", ".join(f"{float(b):.3f}" for b in st["boundary"].values) or "none"
    out["fig4_stages"] = (bool(st["complete"] & st["in_order"]),
                          f"{str(st['sequence'].values)} (boundaries at p = {bounds})")
    pred = np.asarray(case["b2_predicted"])
    k = int((pred == label).sum())
    out["b2_count"] = (k >= 0.5 * len(pred), f"{k} of {len(pred)}")
    a_all = _approaches(case["b2_distance"], "b2_trial")
    a_src = _approaches(case["b2_distance"].isel(b2_trial=np.flatnonzero(pred == label)), "b2_trial")
    both = None if a_all is None or a_src is None else (a_all and a_src)
    out["b2_approach"] = (both, f"all trials: {a_all}; ended as '{label}': "
                                f"{a_src if a_src is not None else 'too few trials'}")
    return out


def _score(results: dict[str, tuple[bool | None, str]]) -> int:
    return sum(bool(ok) for ok, _ in results.values())


def measure(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """Every reading on the main subject, then the best reading on every seed (``case`` dim)."""
    clf = classifier_for(ctx)
    cases, modes, seeds = [], [], []
    for mode in MODES:
        cases.append(_case(ctx, clf, mode, sizes))
        modes.append(mode)
        seeds.append(ctx.profile.seed)
    scores = [_score(evaluate(c, sizes.label)) for c in cases]
    best = MODES[int(np.argmax(scores))]
    for seed in sizes.seeds:
        if seed == ctx.profile.seed:
            continue
        cases.append(_case(ctx.subject(seed=seed), clf, best, sizes))
        modes.append(best)
        seeds.append(seed)
    ds = xr.concat(cases, "case", coords="minimal", compat="override")
    ds = ds.assign_coords(case_mode=("case", modes), case_seed=("case", np.asarray(seeds, dtype=np.int64)))
    ds.attrs.update({"best_reading": best, "label": sizes.label, "p": sizes.p, "steps": sizes.steps,
                     "main_seed": ctx.profile.seed})
    return ds


def _cases(ds: xr.Dataset) -> list[tuple[str, int, xr.Dataset]]:
    return [(str(m), int(s), ds.isel(case=i)) for i, (m, s) in
            enumerate(zip(ds["case_mode"].values, ds["case_seed"].values))]


def matrix(ds: xr.Dataset) -> xr.DataArray:
    """Claims × readings on the main subject: 1 holds, 0 does not, NaN not measured."""
    main = int(ds.attrs["main_seed"])
    values = np.full((len(CLAIMS), len(MODES)), np.nan)
    for mode, seed, case in _cases(ds):
        if seed != main:
            continue
        for i, (ok, _) in enumerate(evaluate(case, int(ds.attrs["label"])).values()):
            values[i, MODES.index(mode)] = np.nan if ok is None else float(ok)
    return xr.DataArray(values, dims=("claim", "reading"), coords={"claim": list(CLAIMS), "reading": list(MODES)},
                        name="holds")


def plot(ds: xr.Dataset) -> Any:
    """(a) the claims × readings matrix; (b) Fig. 4's minimum distances under each reading.

    Drawn for the report's page (:data:`~neurogen.studies._common.FIG_WIDTH` wide, texts of at least
    10 pt); (b)'s legend (colour: reading, line style: level) sits under its axes, off the data.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    m = matrix(ds)
    fig, axes = plt.subplots(1, 2, figsize=(FIG_WIDTH, 5.6), layout="constrained",
                             gridspec_kw={"width_ratios": [1, 1.25]})
    ax = axes[0]
    ax.imshow(m.values, cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(MODES)), [r.replace("_", "\n") for r in MODES])
    ax.set_yticks(range(len(CLAIMS)), list(CLAIMS))
    for i in range(m.shape[0]):
        for j in range(m.shape[1]):
            v = m.values[i, j]
            ax.text(j, i, "—" if np.isnan(v) else ("holds" if v else "fails"), ha="center", va="center",
                    fontsize=10, color="white", fontweight="bold")
    ax.set_title(f"(a) claims × readings (seed {ds.attrs['main_seed']})\nbest reading: {ds.attrs['best_reading']}",
                 fontsize=11)
    ax = axes[1]
    main = int(ds.attrs["main_seed"])
    levels = (("memory", "-"), ("concept", "--"), ("abstract", ":"))
    handles, names = [], []
    for k, (mode, seed, case) in enumerate(_cases(ds)):
        if seed != main:
            continue
        st = na.stages({lev: case[f"min_{lev}"] for lev in na.LEVELS})
        for level, ls in levels:
            ax.plot(st.noise, st["mean"].sel(level=level), ls=ls, color=f"C{k}")
        handles.append(Line2D([], [], color=f"C{k}"))
        names.append(mode.replace("_", " "))
    handles += [Line2D([], [], color="k", ls=ls) for _, ls in levels]
    names += [f"{level} level" for level, _ in levels]
    ax.set_xlabel("noise fraction p")
    ax.set_ylabel(r"$\min_t \|z(t) - \xi\|_2$, mean over trials")
    ax.set_title(f"(b) Fig. 4's minimum distances under each reading (seed {main})", fontsize=11)
    ax.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=4, frameon=False,
              title="colour: reading; line style: distance to the memory, concept or abstract level")
    return fig


def claims(ds: xr.Dataset) -> list[Claim]:
    """One row per claim and reading (main subject), and one per claim for the best reading across seeds."""
    label = int(ds.attrs["label"])
    main = int(ds.attrs["main_seed"])
    best = str(ds.attrs["best_reading"])
    per_case = [(mode, seed, evaluate(case, label)) for mode, seed, case in _cases(ds)]
    rows: list[Claim] = []
    for key, (text, paper, rule) in CLAIMS.items():
        for mode, seed, res in per_case:
            if seed == main:
                ok, measured = res[key]
                rows.append(Claim(NAME, text, paper, measured, verdict(ok), rule, f"Nz = 100, seed {seed}", mode))
    for key, (text, paper, rule) in CLAIMS.items():
        sel = [(seed, res[key]) for mode, seed, res in per_case if mode == best]
        v, subjects = across([ok for _, (ok, _) in sel], [f"seed {s}" for s, _ in sel])
        measured = "; ".join(f"seed {s}: {m}" for s, (_, m) in sel)
        rows.append(Claim(NAME, f"{text} (best reading on every seed)", paper, measured, v,
                          f"{rule}; the reading that reproduces the most claims on seed {main}",
                          f"Nz = 100, {subjects}", best))
    return rows
