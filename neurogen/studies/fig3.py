"""Fig. 3: the concepts' activity (a), the PCA spectrum of the memories (b), cosine similarity (c), per seed.

Protocol: for every subject in ``seeds``, the memories ξ(i) (eq. 9: the encoder means of the
training images), their concepts ξ̄_num (eq. 8) and the encoder's posterior log-variances on the
same images. The paper's "14 active units out of 100" is counted under every criterion of
:func:`neurogen.analysis.active_unit_counts` (variance above 1 % of the largest, variance above
0.01, KL per unit above 0.01 nats, concept amplitude above 0.1), and the number of principal
components under every criterion of :func:`neurogen.analysis.component_counts` (70 % and 99 % of
the variance, eigenvalues above 1 % of the largest or above 0.01), next to the participation ratio
of the memories ((Σλ)²/Σλ², bias-corrected: :func:`neurogen.analysis.participation_ratio`). The
dataset keeps each unit's score under each criterion, so the figure and claims are recomputed from
the saved file alone.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import torch
import xarray as xr

from neurogen import analysis as na
from neurogen._netcdf import describe_variables
from neurogen.studies._common import FIG_WIDTH, BySize, Context, subject_coords
from neurogen.studies.claims import Claim, across, param

NAME = "fig3"
CAPTION = ("(a) Activity pattern in the latent variable space of each concept. (b) Cumulative "
           "contribution ratio of principal components. (c) Cosine similarity between activity "
           "patterns of each label.")

#: The paper's numbers: active units, components for (nearly) all and for 70 % of the variance.
PAPER_ACTIVE, PAPER_ALL, PAPER_70 = 14, 14, 9

_CRITERION_TEXT = {
    "relative_variance": "variance > {p:g} % of the largest",
    "variance": "variance > {t:g}",
    "kl": "KL per unit > {t:g} nats",
    "concept_amplitude": "max over labels |ξ̄_num,u| > {t:g}",
    "cumulative_0.7": "components for 70 % of the variance",
    "cumulative_0.99": "99 %",
    "relative_eigenvalue": "eigenvalues > {p:g} % of the largest",
    "eigenvalue": "eigenvalues > {t:g}",
}


#: long_name of each variable of the dataset (all dimensionless).
LONG_NAMES = {
    "concept": "concept: mean memory of one label (eq. 8)",
    "criterion": "active-unit criterion (neurogen.analysis.CRITERIA)",
    "threshold": "threshold of the active-unit criterion",
    "rule": "rule of the active-unit criterion",
    "active_units": "number of active latent units",
    "unit_score": "the statistic each active-unit criterion compares with its threshold",
    "component": "principal component (1: the largest)",
    "explained_variance_ratio": "fraction of the memories' variance along the component",
    "cumulative": "cumulative contribution ratio",
    "component_criterion": "component-count criterion (neurogen.analysis.component_counts)",
    "component_threshold": "threshold of the component-count criterion",
    "n_components": "number of principal components",
    "label_other": "digit label",
    "cosine_similarity": "cosine similarity of the concepts (eq. 11)",
    "off_diagonal_abs_mean": "mean |off-diagonal cosine similarity|",
    "participation_ratio": "participation ratio of the memories, bias-corrected (neurogen.analysis.participation_ratio)",
}


@attrs.frozen
class Sizes:
    """The subjects' seeds and the batch size of the posterior pass."""

    seeds: tuple[int, ...]
    batch_size: int = 2000


SIZES = BySize(tiny=Sizes(seeds=(0, 1)), quick=Sizes(seeds=(0, 1, 2)), paper=Sizes(seeds=(0, 1, 2)))


def _posterior_logvar(sub: Context, batch_size: int) -> xr.DataArray:
    """log σ² of q(z|x) for every memory of ``sub``'s hierarchy, shaped like ``hierarchy.memory``."""
    mem = sub.hierarchy.memory
    where = {int(i): k for k, i in enumerate(sub.train.index)}
    images = sub.train.images[[where[int(i)] for i in mem["sample"].values]]
    net = sub.network
    outs = []
    with torch.inference_mode():
        for i in range(0, len(images), batch_size):
            x = torch.as_tensor(images[i: i + batch_size], device=net.device, dtype=torch.float32)
            outs.append(net.posterior(x)[1].float().cpu().numpy())
    return xr.DataArray(np.concatenate(outs), dims=mem.dims, coords=mem.coords)


def _one_subject(sub: Context, sizes: Sizes) -> xr.Dataset:
    """One subject's concepts, active units by criterion, PCA spectrum and counts, and cosines."""
    hier = sub.hierarchy
    mem, concept = hier.memory, hier.concept
    logvar = _posterior_logvar(sub, sizes.batch_size)
    counts = na.active_unit_counts(mem, logvar=logvar, concept=concept)
    scores = xr.concat([na.active_units(mem, dim="sample", criterion=str(c), logvar=logvar,
                                        concept=concept).coords["score"].reset_coords(drop=True)
                        for c in counts.criterion.values], "criterion")
    spectrum = na.pca_spectrum(mem)
    components = na.component_counts(mem).rename(criterion="component_criterion",
                                                 threshold="component_threshold")
    cos = na.cosine_similarity(concept)
    return xr.Dataset({
        "concept": concept.reset_coords(drop=True),
        "active_units": counts,
        "unit_score": scores.assign_coords(criterion=counts.criterion.values),
        "explained_variance_ratio": spectrum["explained_variance_ratio"],
        "cumulative": spectrum["cumulative"],
        "n_components": components,
        "cosine_similarity": cos,
        "off_diagonal_abs_mean": float(na.off_diagonal_mean(cos)),
        "participation_ratio": float(na.participation_ratio(mem, n_boot=0)["corrected"]),
    })


def measure(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """Concepts, active-unit counts and scores by criterion, PCA spectrum and counts, cosine matrix, per seed."""
    parts = []
    for seed in sizes.seeds:
        sub = ctx.subject(seed=seed)
        parts.append(_one_subject(sub, sizes).expand_dims(seed=[seed]).assign_coords(subject_coords(sub, "seed")))
    out = xr.concat(parts, "seed", coords="different", compat="equals")
    out = describe_variables(out, LONG_NAMES)
    out.attrs.update({"n_units": int(out.sizes["unit"])})
    return out


def _describe(criterion: str, threshold: float) -> str:
    return _CRITERION_TEXT.get(criterion, criterion).format(t=threshold, p=100 * threshold)


#: Short names of the active-unit criteria for panel (d)'s axis.
_CRITERION_SHORT = {"relative_variance": "variance\n> 1 % of max", "variance": "variance\n> 0.01",
                    "kl": "KL > 0.01\nnats", "concept_amplitude": "concept\namplitude"}


def plot(ds: xr.Dataset) -> Any:
    """One row per seed: (a) concepts, (b) cumulative contribution ratio, (c) cosines, (d) active units.

    The rows share their colour scales, so (a) and (c) have one colour bar each for every seed.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    seeds = [int(s) for s in ds.seed.values]
    fig, axes = plt.subplots(len(seeds), 4, figsize=(FIG_WIDTH, 2.9 * len(seeds) + 0.9), squeeze=False,
                             gridspec_kw={"width_ratios": [1.7, 1, 1, 1.05]}, layout="constrained")
    criteria = [str(c) for c in ds.criterion.values]
    lim = float(np.abs(ds["concept"]).max()) or 1.0
    n_units = int(ds.attrs["n_units"])
    im_a = im_c = None
    for r, (row, seed) in enumerate(zip(axes, seeds)):
        d = ds.sel(seed=seed)
        c = d["concept"].transpose("label", "unit")
        labels = [int(v) for v in c.label.values]
        im_a = row[0].imshow(c.values, aspect="auto", cmap="RdBu_r", vmin=-lim, vmax=lim, interpolation="nearest")
        row[0].set_yticks(range(len(labels)), [str(v) for v in labels])
        row[0].xaxis.set_major_locator(MaxNLocator(integer=True))
        row[0].set_ylabel(f"seed {seed}\nlabel")
        n_show = min(30, d.sizes["component"])
        cum = d["cumulative"].isel(component=slice(0, n_show))
        k = {str(n): int(v) for n, v in zip(d.component_criterion.values, d["n_components"].values)}
        row[1].plot(cum.component, cum, "o-", ms=3)
        row[1].axhline(0.7, ls=":", color="gray")
        row[1].axvline(k["cumulative_0.7"], ls=":", color="C3")
        row[1].xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        row[1].set_ylim(0, 1.02)
        row[1].set_ylabel("cumulative ratio")
        row[1].text(0.97, 0.05, f"70 %: {k['cumulative_0.7']} PCs\n99 %: {k['cumulative_0.99']} PCs",
                    transform=row[1].transAxes, ha="right", va="bottom", fontsize=10,
                    bbox={"boxstyle": "round", "fc": "white", "ec": "0.8"})
        cos = d["cosine_similarity"]
        im_c = row[2].imshow(cos.values, cmap="RdBu_r", vmin=-1, vmax=1)
        row[2].set_xticks(range(len(labels)), [str(v) for v in labels])
        row[2].set_yticks(range(len(labels)), [str(v) for v in labels])
        row[2].set_ylabel("label")
        mean_off = rf"mean $|C_{{ij}}|$ = {float(d['off_diagonal_abs_mean']):.2f}"
        counts = d["active_units"].values
        bars = row[3].barh(range(len(criteria)), counts, color="C0")
        row[3].bar_label(bars, fontsize=10, padding=2)
        row[3].axvline(PAPER_ACTIVE, ls="--", color="C3", label=f"paper: {PAPER_ACTIVE}")
        row[3].set_yticks(range(len(criteria)), [_CRITERION_SHORT.get(c, c.replace("_", " ")) for c in criteria])
        row[3].xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
        row[3].set_xlim(0, max(n_units, PAPER_ACTIVE + 2))
        row[3].legend(loc="center right")
        if r == 0:
            titles = (r"(a) concepts $\bar{\xi}_{\mathrm{num}}$ over latent units", "(b) PCA of the memories",
                      f"(c) cosine similarity\n{mean_off}", "(d) active units by criterion")
            for ax, title in zip(row, titles):
                ax.set_title(title, fontsize=11)
        else:
            row[2].set_title(mean_off, fontsize=10)
        if r == len(seeds) - 1:
            row[0].set_xlabel("latent unit u")
            row[1].set_xlabel("principal component")
            row[2].set_xlabel("label")
            row[3].set_xlabel(f"active units of {n_units}")
    fig.colorbar(im_a, ax=axes[:, 0].tolist(), location="bottom", shrink=0.8, aspect=40,
                 label=r"concept activity $\bar{\xi}_{\mathrm{num},u}$ (every seed)")
    fig.colorbar(im_c, ax=axes[:, 2].tolist(), location="bottom", shrink=0.95, aspect=20,
                 label="cosine similarity (every seed)")
    return fig


def _count_claim(ds: xr.Dataset, var: str, dim: str, criterion: str, claim: str, paper: int,
                 lo: int, hi: int, seeds: list[int]) -> Claim:
    if var == "active_units":  # recomputed from the scores, at the (robustness-scaled) threshold
        thr = param(float(ds["threshold"].sel(criterion=criterion)))
        score = ds["unit_score"].sel(criterion=criterion)
        values = [int((score.sel(seed=s) > thr).sum()) for s in seeds]
    else:
        values = [int(ds[var].sel({dim: criterion}).sel(seed=s)) for s in seeds]
    exact = [f"seed {s}" for s, v in zip(seeds, values) if v == paper]
    n_units = int(ds.attrs["n_units"])
    measured = "; ".join(f"seed {s}: {v} of {n_units}" for s, v in zip(seeds, values))
    measured += f" (exactly {paper}: {', '.join(exact) or 'none'})"
    if var == "active_units":
        plat = na.widest_plateau(ds["unit_score"].sel(criterion=criterion))
        measured += "; widest plateau: " + ", ".join(
            f"seed {s}: {int(plat['count'].sel(seed=s))} over {float(plat['decades'].sel(seed=s)):.1f} decades"
            for s in seeds)
    if var == "active_units" and "participation_ratio" in ds:
        measured += "; participation ratio of the memories: " + ", ".join(
            f"seed {s}: {float(ds['participation_ratio'].sel(seed=s)):.1f}" for s in seeds)
    v, subjects = across([lo <= x <= hi for x in values], [f"seed {s}" for s in seeds])
    nz = int(ds["subject_n_latent"].values[0])
    return Claim(NAME, claim, f"{paper} of 100" if var == "active_units" else str(paper), measured, v,
                 f"within {lo}–{hi} (half to 1.5× the paper's {paper})"
                 + (" at the criterion's threshold (halved and doubled by the robustness check); the widest "
                    "plateau of the count over thresholds is reported beside it" if var == "active_units" else
                    " (the paper's variance levels, not free parameters)"), f"Nz = {nz}, {subjects}")


def claims(ds: xr.Dataset) -> list[Claim]:
    """Active units (one row per criterion), component counts (one row per criterion), near-orthogonal concepts."""
    seeds = [int(s) for s in ds.seed.values]
    out = []
    for crit, thr in zip(ds.criterion.values, ds["threshold"].values):
        out.append(_count_claim(ds, "active_units", "criterion", str(crit),
                                f"Active latent units ({_describe(str(crit), float(thr))})",
                                PAPER_ACTIVE, 7, 21, seeds))
    for crit, thr in zip(ds.component_criterion.values, ds["component_threshold"].values):
        crit = str(crit)
        if crit == "cumulative_0.7":
            out.append(_count_claim(ds, "n_components", "component_criterion", crit,
                                    "Principal components explaining 70 % of the variance", PAPER_70, 5, 13, seeds))
        else:
            out.append(_count_claim(ds, "n_components", "component_criterion", crit,
                                    f"Principal components explaining all the variance "
                                    f"({_describe(crit, float(thr))})", PAPER_ALL, 7, 21, seeds))
    offs = [float(ds["off_diagonal_abs_mean"].sel(seed=s)) for s in seeds]
    v, subjects = across([o < 0.2 for o in offs], [f"seed {s}" for s in seeds])
    nz = int(ds["subject_n_latent"].values[0])
    out.append(Claim(NAME, "Concepts of different labels are nearly orthogonal", "off-diagonal cosine ≈ 0",
                     "; ".join(f"seed {s}: mean |C_ij| = {o:.3f}" for s, o in zip(seeds, offs)), v,
                     "mean |off-diagonal cosine| < 0.2", f"Nz = {nz}, {subjects}"))
    return out
