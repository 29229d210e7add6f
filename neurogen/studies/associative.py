"""The associative-memory comparison: the paper's Fig. 2 and Fig. 4 measurements on Hopfield subjects and the VAE.

The paper explains its VAE findings by associative-memory models (Amari 1977; Matsumoto et al.
2005; Toya et al. 2000). This study records two Hopfield-type subjects storing hierarchically
correlated ±1 patterns (:mod:`neurogen.associative`) with the same instruments as the VAE studies:
noisy memories (pixel swap, fraction p) presented through :func:`neurogen.run`, distances to the
own memory, the own concept (class mean, eq. 8) and the abstract concept (eq. 12) over time
(:func:`~neurogen.analysis.distance`, :func:`~neurogen.analysis.returns_to_concept` with the SEM),
and the noise sweep of min-over-time distances (:func:`~neurogen.analysis.stages`). The VAE is
measured the same way beside them, and a modern Hopfield network storing the VAE's own memories
is swept over its inverse temperature β (:mod:`neurogen.studies._beta_sweep`).

Subjects (rows of the figure; ``quick`` and ``paper`` sizes, ``tiny`` shrinks them for tests):

* ``hopfield``: :class:`~neurogen.associative.HopfieldNetwork`, Hebbian couplings, synchronous
  mean-field updates m ← tanh(h/T) at T = 0.2, N = 2000, K = 5 concepts × M = 5 memories,
  b₁ = 0.2, b₂ = 0.35. Hebbian storage keeps memories stable only while the siblings' summed
  pull, of order (M − 1) b₂³, stays well below 1; with M = 30 and b₂ = 0.6 every memory falls
  into its concept (Amari's concept formation), so smaller M and b₂ are used here.
* ``modern``: :class:`~neurogen.associative.ModernHopfield`, β = 16/N, N = 2000, K = 5 × M = 30,
  b₁ = 0.2, b₂ = 0.6.
* ``vae``: the profile's VAE: (a) 100 noisy '6's at p = 0.2 (pixel swap, invert), T = 40; (b) the
  Fig. 4 sweep over the paper's 21 values of p in [0, 1] (the VAE's stage II is about one step
  wide; a coarser grid can miss it), 100 trials each.
* ``modern_vae``: :class:`~neurogen.associative.ModernHopfield` storing the VAE's memories (200
  per label), swept over β = β̃ / ⟨‖ξ‖²⟩ for 8 log-spaced β̃ in [1, 100], T = 40, from the VAE's
  encodings of noisy '6's and from stored memories plus Gaussian noise
  (:func:`~neurogen.studies._beta_sweep.modern_vae`).

The dataset holds each subject's variables under the prefix ``<subject>__`` (dims too), so the
four subjects' different grids live in one file.
"""

from __future__ import annotations

import math
from typing import Any

import attrs
import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen._netcdf import describe_variables
from neurogen.associative import HierarchicalPatterns, HopfieldNetwork, ModernHopfield
from neurogen.engine import run
from neurogen.stimulus import PixelSwap, Stimulus
from neurogen.studies._beta_sweep import modern_vae
from neurogen.studies._common import FIG_WIDTH, BySize, Context
from neurogen.studies._measure import PROGRESS, noise_sweep, trials_for
from neurogen.studies._dips import dips
from neurogen.studies.claims import Claim, verdict

NAME = "associative"
CAPTION = ("(Not in the paper: the comparison its discussion draws.) Hopfield-type associative memories "
           "storing hierarchically correlated patterns, measured like the VAE, and the VAE itself. (a) Distance "
           "from the own memory, concept and abstract concept over time from a noisy memory (mean ± SEM). "
           "(b) Minimum distances against noise fraction p, with stages I, II and III. Last row: a modern "
           "Hopfield network storing the VAE's memories, final distance to each level against β "
           "(mean ± SEM), from the VAE's encoding of noisy '6's and from memories plus Gaussian noise.")

#: All subjects, one row of the figure each.
SUBJECTS = ("hopfield", "modern", "vae", "modern_vae")
#: The Hopfield subjects' options (the same in every profile).
OPTIONS = {"hopfield": {"update": "synchronous", "temperature": 0.2, "dynamics": "mean_field"},
           "modern": {"beta_scale": 16.0}}
#: Long names of each subject's variables (before the prefix), for the netCDF file.
PART_NAMES = {
    **{f"{stat}_{lvl}": f"{what} distance to the {lvl} over trials at p_trajectory"
       for lvl in na.LEVELS for stat, what in (("mean", "mean"), ("sem", "SEM of the"))},
    **{f"min_{lvl}": f"each trial's minimum over time of the distance to the {lvl} (eq. 13)" for lvl in na.LEVELS},
    "distance_concept": "each trajectory trial's distance to its concept at p_trajectory",
    "memory_overlap_final": "mean overlap with the own memory at T", "p_trajectory": "noise fraction of panel (a)",
    "trials_trajectory": "trials of panel (a)", "subject": "the subject", "patterns": "the stored patterns",
    "digit": "the label presented", "network_sha256": "sha256 of the VAE", "beta": "inverse temperature",
    "beta_scaled": "beta times the mean squared norm of the stored memories", "level": "level of the hierarchy",
    "fraction": "fraction of trials whose final state is nearest the level", "mean": "mean final distance",
    "sem": "SEM of the final distance", "n": "trials", "nearest": "level of smallest mean final distance",
    "numeral": "stage numeral of the nearest level", "own_memory": "fraction retrieving the own memory",
    "same_label": "fraction retrieving a same-label memory", "start": "kind of start state",
    "start_description": "the start states", "start_distance": "mean distance of the start states to the level",
    "steps": "updates T", "trials": "trials", "p_start": "noise fraction of the VAE's input",
    "per_label": "stored memories per label", "n_patterns": "stored memories", "noise_ratio": "Gaussian noise "
    "norm / mean memory-concept distance", "gaussian_sigma": "Gaussian noise SD per unit",
    "mean_squared_norm": "mean squared norm of the stored memories",
    "memory_concept_distance": "mean distance of a stored memory to its concept",
}
_COLORS = {"memory": "C2", "concept": "C1", "abstract": "C0"}
_TITLES = {"hopfield": "Hopfield (Hebbian, mean field)", "modern": "modern Hopfield", "vae": "VAE",
           "modern_vae": "modern Hopfield over the VAE's memories"}
_STATE = {"hopfield": "s", "modern": "s", "vae": "z"}


@attrs.frozen
class Patterns:
    """The tree of stored ±1 patterns: K concepts × M memories, correlations b₁ (concepts) and b₂ (memories)."""

    n_concepts: int
    n_memories: int
    b_concept: float
    b_memory: float


@attrs.frozen
class VaeSizes:
    """The VAE row: trials (trajectory and per p), steps T, points of p, label, reading, trajectory p."""

    trials: int
    steps: int
    levels: int
    label: int = 6
    mode: str = "invert"
    p_trajectory: float = 0.2


@attrs.frozen
class ModernVaeSizes:
    """The β sweep over the VAE's memories (see :func:`~neurogen.studies._beta_sweep.modern_vae`)."""

    per_label: int
    trials: int
    steps: int
    beta_scaled: tuple[float, ...]
    label: int = 6
    p_start: float = 0.2
    noise_ratio: float = 0.5


@attrs.frozen
class Sizes:
    """Units N, trials per p, steps T and the p grid of the Hopfield rows; each subject's own sizes."""

    n_units: int
    trials: int
    steps: int
    noise: tuple[float, ...]
    hopfield: Patterns
    modern: Patterns
    vae: VaeSizes
    modern_vae: ModernVaeSizes
    p_trajectory: float = 0.35
    subjects: tuple[str, ...] = attrs.field(
        default=SUBJECTS, validator=attrs.validators.deep_iterable(attrs.validators.in_(SUBJECTS)))


_QUICK = Sizes(n_units=2000, trials=100, steps=20, noise=(0.0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.8, 1.0),
               hopfield=Patterns(5, 5, 0.2, 0.35), modern=Patterns(5, 30, 0.2, 0.6),
               vae=VaeSizes(trials=100, steps=40, levels=21),
               modern_vae=ModernVaeSizes(per_label=200, trials=100, steps=40,
                                         beta_scaled=tuple(float(v) for v in np.round(np.geomspace(1, 100, 8), 4))))
SIZES = BySize(tiny=Sizes(n_units=200, trials=6, steps=6, noise=(0.0, 0.2, 0.35, 0.5, 0.8),
                          hopfield=Patterns(3, 5, 0.2, 0.35), modern=Patterns(3, 5, 0.2, 0.6),
                          vae=VaeSizes(trials=6, steps=6, levels=5),
                          modern_vae=ModernVaeSizes(per_label=20, trials=6, steps=6, beta_scaled=(1.0, 10.0, 100.0))),
               quick=_QUICK, paper=_QUICK)


# ------------------------------------------------------------------------------- measure


def _record(latent: xr.DataArray, hier: Any, at_p: np.ndarray) -> xr.Dataset:
    """Distances to the three levels: the trajectory band at the chosen p and every trial's minimum."""
    out = {}
    for lvl in na.LEVELS:
        d = na.distance(latent, getattr(hier, lvl))
        band = na.mean_sem(d.isel(trial=at_p))
        out.update({f"mean_{lvl}": band["mean"], f"sem_{lvl}": band["sem"], f"min_{lvl}": na.min_distance(d)["min"]})
    # every trajectory trial's distance to its concept: the claims recompute the dip from it (bootstrap)
    concept = na.distance(latent.isel(trial=at_p), hier.concept).reset_coords(drop=True)
    out["distance_concept"] = concept.rename(trial="dip_trial").astype(np.float32)
    return xr.Dataset(out).assign(trials_trajectory=xr.DataArray(int(at_p.sum())))


def _hopfield(kind: str, sizes: Sizes, device: Any, seed: int) -> xr.Dataset:
    """One Hopfield subject over the noise sweep: the trajectory at ``p_trajectory`` and the per-trial minima."""
    cfg = getattr(sizes, kind)
    pats = HierarchicalPatterns(sizes.n_units, cfg.n_concepts, cfg.n_memories, cfg.b_concept, cfg.b_memory, seed=seed)
    cls = HopfieldNetwork if kind == "hopfield" else ModernHopfield
    subject = cls.from_patterns(pats, device=device, **OPTIONS[kind])
    k, m = pats.n_concepts, pats.n_memories  # at least `trials` noisy memories per p, even over the concepts
    stim = (pats.stimulus(sizes.noise, n=math.ceil(sizes.trials / k), seed=seed) if k * m >= sizes.trials
            else pats.stimulus(sizes.noise, repeats=math.ceil(sizes.trials / (k * m)), seed=seed))
    rec = run(subject, stim, steps=sizes.steps, progress=PROGRESS.get())
    hier = pats.hierarchy("centroid")
    at_p = rec.latent["noise"].values == sizes.p_trajectory
    if not at_p.any():
        msg = f"p_trajectory={sizes.p_trajectory} must be one of the swept noise fractions {list(sizes.noise)}."
        raise ValueError(msg)
    overlap = na.overlap(rec.latent.isel(trial=at_p, time=-1), hier.memory)
    return _record(rec.latent, hier, at_p).assign(
        memory_overlap_final=xr.DataArray(float(overlap.mean())), p_trajectory=xr.DataArray(sizes.p_trajectory),
        subject=xr.DataArray(repr(subject)), patterns=xr.DataArray(str(pats.describe())))


def _vae(ctx: Context, cfg: VaeSizes) -> xr.Dataset:
    """The VAE with the same instruments: (a) noisy digits of one label over time, (b) the Fig. 4 sweep."""
    n = trials_for(ctx, cfg.label, cfg.trials)
    stim = Stimulus.from_dataset(ctx.data, label=cfg.label, n=n, noise=PixelSwap(cfg.p_trajectory, mode=cfg.mode),
                                 seed=ctx.profile.seed)
    rec = run(ctx.network, stim, steps=cfg.steps, progress=PROGRESS.get())
    traj = _record(rec.latent, ctx.hierarchy, np.ones(rec.latent.sizes["trial"], dtype=bool))
    mins = noise_sweep(ctx, cfg.label, cfg.trials, cfg.levels, cfg.mode, cfg.steps)
    return xr.merge([traj.drop_dims("trial"),
                     mins.rename({lvl: f"min_{lvl}" for lvl in na.LEVELS})]).assign(
        p_trajectory=xr.DataArray(cfg.p_trajectory), digit=xr.DataArray(cfg.label), mode=xr.DataArray(cfg.mode),
        subject=xr.DataArray(repr(ctx.network)), network_sha256=xr.DataArray(str(ctx.network.sha256)))


def _prefixed(ds: xr.Dataset, kind: str) -> xr.Dataset:
    """Every variable, coordinate and dim of ``ds`` renamed ``<kind>__<name>`` (described first)."""
    ds = describe_variables(ds, {k: v for k, v in PART_NAMES.items() if k in ds.variables and
                                 "long_name" not in ds[k].attrs})
    ds = ds.rename({n: f"{kind}__{n}" for n in ds.variables})
    return ds.rename_dims({d: f"{kind}__{d}" for d in ds.dims if not str(d).startswith(f"{kind}__")})


def part(ds: xr.Dataset, kind: str) -> xr.Dataset:
    """One subject's variables of the study's dataset, with their plain names (undoes the prefix)."""
    pre = f"{kind}__"
    sub = ds[[v for v in ds.data_vars if str(v).startswith(pre)]]
    sub = sub.drop_vars([c for c in sub.coords if not str(c).startswith(pre)])
    sub = sub.rename({n: str(n)[len(pre):] for n in sub.variables})
    return sub.rename_dims({d: str(d)[len(pre):] for d in sub.dims if str(d).startswith(pre)})


def measure(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """Record every subject of ``sizes.subjects``; each one's variables under its prefix."""
    parts = []
    for kind in sizes.subjects:
        if kind in OPTIONS:
            ds = _hopfield(kind, sizes, ctx.network.device, ctx.profile.seed)
        elif kind == "vae":
            ds = _vae(ctx, sizes.vae)
        else:
            ds = modern_vae(ctx, sizes.modern_vae)
        parts.append(_prefixed(ds, kind))
    return xr.merge(parts, combine_attrs="drop_conflicts")


def kinds_of(ds: xr.Dataset) -> list[str]:
    """The subjects recorded in the study's dataset, in :data:`SUBJECTS` order."""
    return [k for k in SUBJECTS if any(str(v).startswith(f"{k}__") for v in ds.data_vars)]


# ------------------------------------------------------------------------------- summary, figure


def summary(sub: xr.Dataset) -> dict[str, Any]:
    """The numbers of one Hopfield or VAE subject (:func:`part`): the dip and the stages."""
    st = na.stages({lvl: sub[f"min_{lvl}"] for lvl in na.LEVELS})
    res = dips(sub["distance_concept"], by=None, dim="dip_trial")  # from the trials: the bootstrap re-decides it
    mem, con = sub["mean_memory"].values, res["mean"].values
    t_min = int(res["dip_t_min"])
    return {"stages": st, "dip": bool(res["dip_dip"]), "outcome": str(res["dip_outcome"].values), "t_min": t_min,
            "concept": (float(con[0]), float(con.min()), float(con[-1])),
            "memory_at_concept_min": float(mem[t_min]), "memory_final": float(mem[-1]),
            "present": str(st["sequence"].values), "in_order": bool(st["in_order"]),
            "ok_stages": bool(st["in_order"]) and bool(st["complete"]),
            "boundaries": ", ".join(f"{float(b):.3g}" for b in st["boundary"].values) or "none"}




def _headroom(ax: Any, top: float = 0.2) -> None:
    """Extend the y range by ``top`` of its span, so the stage numerals at the top clear every marker."""
    lo, hi = ax.get_ylim()
    ax.set_ylim(lo, hi + top * (hi - lo))


def _numerals(ax: Any, xs: Any, numerals: Any) -> None:
    for x, num in zip(xs, numerals):
        ax.text(x, 0.975, str(num), transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize=11,
                fontweight="bold")


def _plot_subject(axes: Any, kind: str, sub: xr.Dataset) -> None:
    from matplotlib.ticker import MaxNLocator

    ax_t, ax_p = axes
    s, res = _STATE[kind], summary(sub)
    for lvl in na.LEVELS:
        m, e = sub[f"mean_{lvl}"], sub[f"sem_{lvl}"]
        ax_t.plot(m.time, m, color=_COLORS[lvl], label=lvl)
        ax_t.fill_between(m.time, m - e, m + e, color=_COLORS[lvl], alpha=0.3)
    ax_t.axvline(res["t_min"], color="C3", ls=":", lw=0.8)
    what = f"noisy '{int(sub['digit'])}'s" if "digit" in sub.data_vars else "noisy memories"
    ax_t.set_title(f"(a) {_TITLES[kind]}\n{what}, p = {float(sub['p_trajectory']):g}, "
                   f"{int(sub['trials_trajectory'])} trials; {res['outcome'].replace('_', ' ')}", fontsize=10)
    ax_t.set_xlabel("inference step t")
    ax_t.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax_t.set_ylabel(rf"$\|{s}(t) - \xi\|_2$")
    st = res["stages"]
    for lvl in na.LEVELS:
        ax_p.errorbar(st["noise"], st["mean"].sel(level=lvl), yerr=st["sem"].sel(level=lvl), fmt="o-", ms=3,
                      color=_COLORS[lvl], label=lvl)
    _headroom(ax_p)
    bounds = [float(b) for b in st["boundary"].values]
    runs = [str(st["numeral"].values[0])] + [na.NUMERALS.get(str(v), str(v)) for v in st["after"].values]
    edges = [0.0, *bounds, 1.0]
    _numerals(ax_p, [(edges[k] + edges[k + 1]) / 2 for k in range(len(edges) - 1)], runs[: len(edges) - 1])
    for b in bounds:
        ax_p.axvline(b, color="gray", ls="--", lw=0.8)
    ax_p.set_title(f"(b) {_TITLES[kind]}\nstages {res['present']} (boundaries p = {res['boundaries']}), "
                   f"{int(st['n'].max())} trials per p", fontsize=10)
    ax_p.set_xlabel("noise fraction p")
    ax_p.set_ylabel(rf"$\min_t \|{s}(t) - \xi\|_2$")
    ax_p.set_xlim(-0.05, 1.05)


def _plot_beta(axes: Any, data: xr.Dataset) -> None:
    from matplotlib.ticker import NullFormatter, ScalarFormatter

    for ax, start, tag in zip(axes, ("vae", "gaussian"), ("(a)", "(b)")):
        ds = data.sel(start=start)
        x = ds["beta_scaled"].values
        for lvl in na.LEVELS:
            ax.errorbar(x, ds["mean"].sel(level=lvl), yerr=ds["sem"].sel(level=lvl), fmt="o-", ms=3,
                        color=_COLORS[lvl], label=lvl)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        _headroom(ax)
        _numerals(ax, x, ds["numeral"].values)
        twin = ax.twinx()
        twin.plot(x, ds["own_memory"], color="k", ls="--", lw=1.1, label="own memory retrieved")
        twin.plot(x, ds["same_label"], color="gray", ls=":", lw=1.3, label="same-label pattern")
        twin.set_ylim(-0.02, 1.25)
        twin.set_ylabel("fraction of trials (black, grey)")
        twin.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
        ax.set_title(f"{tag} {_TITLES['modern_vae']} ({int(data['n_patterns'])} memories, T = {int(data['steps'])})\n"
                     f"start: {ds['start_description'].values}; {int(data['trials'])} trials", fontsize=10)
        ax.set_xlabel(r"$\beta \cdot \langle\|\xi\|^2\rangle$")
        ax.set_ylabel(r"$\|\xi(T) - \xi_{\mathrm{level}}\|_2$")


def plot(ds: xr.Dataset) -> Any:
    """One row per subject: (a) distances over time and (b) the noise sweep; the β sweep for ``modern_vae``.

    One legend above the figure names the three levels; the stage numerals sit in headroom above the data.
    """
    import matplotlib.pyplot as plt

    kinds = kinds_of(ds)
    fig, axes = plt.subplots(len(kinds), 2, figsize=(FIG_WIDTH, 4.0 * len(kinds) + 0.8), squeeze=False,
                             layout="constrained")
    for row, kind in zip(axes, kinds):
        if kind == "modern_vae":
            _plot_beta(row, part(ds, kind))
        else:
            _plot_subject(row, kind, part(ds, kind))
    handles, names = axes[0, 0].get_legend_handles_labels()
    what = {"memory": r"the memory $\xi^{(i)}$", "concept": r"the concept $\bar{\xi}$",
            "abstract": r"the abstract concept $\bar{\xi}_{\mathrm{all}}$"}
    fig.legend(handles, [f"distance to {what.get(n, n)}" for n in names], loc="outside upper center", ncol=3,
               title="associative memories beside the VAE: same stimuli, same instruments", title_fontsize=12)
    return fig


# ------------------------------------------------------------------------------- claims


def claims(ds: xr.Dataset) -> list[Claim]:
    """Concept before memory and the stage order for each Hopfield subject; Hopfield against VAE; the β sweep."""
    kinds = kinds_of(ds)
    res = {k: summary(part(ds, k)) for k in kinds if k != "modern_vae"}
    out = []
    for kind in [k for k in kinds if k in OPTIONS]:
        r, sub = res[kind], part(ds, kind)
        name = "Hopfield" if kind == "hopfield" else "Modern Hopfield"
        c0, cmin, cend = r["concept"]
        out.append(Claim(
            NAME, f"{name}: trajectory approaches the concept before the memory",
            "associative-memory models (Matsumoto et al. 2005): concept first, then memory",
            f"p = {float(sub['p_trajectory']):g}: ‖s − ξ̄‖ {c0:.1f} → min {cmin:.1f} at t = {r['t_min']} → {cend:.1f} "
            f"({r['outcome']}); ‖s − ξ(i)‖ {r['memory_at_concept_min']:.1f} → {r['memory_final']:.1f}, final "
            f"overlap m = {float(sub['memory_overlap_final']):.2f}",
            verdict(r["dip"] and r["memory_final"] < r["memory_at_concept_min"]),
            "an approach in the mean distance-to-concept curve (returns_to_concept with SEM) and the distance "
            "to the memory falls after the concept minimum", _TITLES[kind]))
        out.append(Claim(
            NAME, f"{name}: stages memory → concept → abstract as p grows", "I → II → III (VAE, Fig. 4)",
            f"stages {r['present']}; boundaries at p = {r['boundaries']}", verdict(r["ok_stages"]),
            "all three stages present, never going back", _TITLES[kind]))
    if "hopfield" in res and "vae" in res:
        h, v = res["hopfield"], res["vae"]
        mode = str(part(ds, "vae")["mode"].values)
        out.append(Claim(
            NAME, "Hopfield stage order against p matches the VAE's",
            "the paper compares the VAE's stages I → II → III (Fig. 4) with associative-memory models",
            f"Hopfield: {h['present']} (boundaries p = {h['boundaries']}); VAE ({mode}): {v['present']} "
            f"(boundaries p = {v['boundaries']})",
            verdict(h["present"] == v["present"] and h["in_order"] and v["in_order"]),
            "the same stages present, in the same order, with no return to a more detailed stage, for the "
            "Hebbian Hopfield subject and the VAE", f"{_TITLES['hopfield']}; VAE {_sha(ds)}", mode))
    if "modern_vae" in kinds:
        m = part(ds, "modern_vae")
        d = m.sel(start="vae")
        seq = [str(n) for n in d["numeral"].values]  # ascending beta
        runs = [n for i, n in enumerate(seq) if i == 0 or n != seq[i - 1]]
        table = ", ".join(f"{float(b):.3g}: {n}" for b, n in zip(d["beta_scaled"].values, seq))
        out.append(Claim(
            NAME, "Modern Hopfield over the VAE's memories: as β grows the final state passes abstract → "
            "concept → memory", "(not in the paper) the β counterpart of the VAE's stages III ← II ← I (Fig. 4)",
            f"from the VAE's encoding of noisy '{int(m['digit'])}'s at p = {float(m['p_start']):g}: nearest level "
            f"by β·⟨‖ξ‖²⟩ {table}; stages {' → '.join(runs)}; own memory retrieved in at most "
            f"{float(d['own_memory'].max()):.0%} of trials", verdict(runs == ["III", "II", "I"]),
            "nearest level (smallest mean final distance) over increasing β runs III → II → I, each stage "
            "present", f"{int(m['n_patterns'])} memories of the VAE {_sha(ds)}", "invert"))
    return out


def _sha(ds: xr.Dataset) -> str:
    sha = ds.get("vae__network_sha256")
    return f"(sha256 {str(sha.values)[:12]})" if sha is not None else ""
