"""The associative-memory comparison: the paper's Fig. 2 and Fig. 4 measurements on Hopfield subjects and the VAE.

The paper explains its VAE findings by associative-memory models (Amari 1977; Matsumoto et al.
2005; Toya et al. 2000). This study records two Hopfield-type subjects storing hierarchically
correlated ±1 patterns (:mod:`neurogen.associative`) with the same instruments as the VAE studies:
noisy memories (pixel swap, fraction p) presented through :func:`neurogen.run`, distances to the
own memory, the own concept (class mean, eq. 8) and the abstract concept (eq. 12) over time
(:func:`~neurogen.analysis.distance`, :func:`~neurogen.analysis.returns_to_concept`), and the
noise sweep of min-over-time distances (:func:`~neurogen.analysis.stages`). The VAE is measured
the same way beside them, and a modern Hopfield network storing the VAE's own memories is swept
over its inverse temperature β.

Subjects (rows of the figure; sizes of the ``quick`` and ``paper`` profiles, ``tiny`` shrinks them
for tests):

* ``hopfield``: :class:`~neurogen.associative.HopfieldNetwork`, Hebbian couplings, synchronous
  mean-field updates m ← tanh(h/T) at T = 0.2, N = 2000, K = 5 concepts × M = 5 memories,
  b₁ = 0.2, b₂ = 0.35. Hebbian storage keeps memories stable only while the siblings' summed
  pull, of order (M − 1) b₂³, stays well below 1; with M = 30 and b₂ = 0.6 every memory
  falls into its concept (Amari's concept formation), so smaller M and b₂ are used here.
* ``modern``: :class:`~neurogen.associative.ModernHopfield`, β = 16/N, N = 2000, K = 5 × M = 30,
  b₁ = 0.2, b₂ = 0.6.
* ``vae``: the profile's VAE (:func:`~neurogen.studies._common.context`): (a) noisy '6's at
  p = 0.2 (pixel swap, invert), 100 trials, T = 40; (b) the Fig. 4 sweep
  (:func:`neurogen.studies.fig4.sweep`) over the paper's 21 values of p in [0, 1] (step 0.05: the
  VAE's stage II is narrow, about one step wide, and a coarser grid can miss it), 100 trials each.
* ``modern_vae``: :class:`~neurogen.associative.ModernHopfield` storing the VAE's memories in its
  latent space (200 per label, 2,000 in all, drawn from the VAE's concept hierarchy, labels kept),
  swept over β = β̃ / ⟨‖ξ‖²⟩ for 8 log-spaced β̃ in [1, 100] (⟨‖ξ‖²⟩: the mean squared norm of the
  stored memories, so β̃ is free of the latent scale), T = 40 updates. Start states (100 trials):
  (a) the VAE's encoding z(0) = E_q[z | x̃] of noisy '6's at p = 0.2 whose clean images are among
  the stored memories (the kind of state the VAE's own trajectories in its row start from);
  (b) a control: the same trials' stored memories plus isotropic Gaussian noise of total norm
  0.5 · ⟨‖ξ(i) − ξ̄_num‖⟩. For each β: the final state's distance to the own memory, concept and
  abstract concept of the VAE's hierarchy (concepts from all its memories), the nearest level (the
  smallest mean, as in :func:`~neurogen.analysis.stages`), and the fractions of trials whose most
  weighted stored pattern is their own memory or has their label.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen.associative import HierarchicalPatterns, HopfieldNetwork, ModernHopfield, beta_sweep
from neurogen.device import resolve_device
from neurogen.engine import run
from neurogen.stimulus import PixelSwap, Stimulus
from neurogen.studies._common import context, get_profile, save_data, save_figure

__all__ = ["CAPTION", "SIZES", "SUBJECTS", "study", "claims", "measure", "measure_vae", "measure_modern_vae"]

CAPTION = ("(Not in the paper: the comparison its discussion draws.) Hopfield-type associative memories "
           "storing hierarchically correlated patterns, measured like the VAE, and the VAE itself. (a) Distance "
           "from the own memory, concept and abstract concept over time from a noisy memory (mean ± SEM). "
           "(b) Minimum distances against noise fraction p, with stages I, II and III. Last row: a modern "
           "Hopfield network storing the VAE's memories, final distance to each level against β "
           "(mean ± SEM), from the VAE's encoding of noisy '6's and from memories plus Gaussian noise.")

#: All subjects, one row of the figure each.
SUBJECTS = ("hopfield", "modern", "vae", "modern_vae")
_HOPFIELD = ("hopfield", "modern")

_QUICK = {
    "n_units": 2000, "trials": 100, "steps": 20, "p_trajectory": 0.35,
    "noise": (0.0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.8, 1.0),
    "hopfield": {"n_concepts": 5, "n_memories": 5, "b_concept": 0.2, "b_memory": 0.35,
                 "subject": {"update": "synchronous", "temperature": 0.2, "dynamics": "mean_field"}},
    "modern": {"n_concepts": 5, "n_memories": 30, "b_concept": 0.2, "b_memory": 0.6,
               "subject": {"beta_scale": 16.0}},
    "vae": {"label": 6, "mode": "invert", "trials": 100, "steps": 40, "noise_levels": 21, "p_trajectory": 0.2},
    "modern_vae": {"label": 6, "per_label": 200, "trials": 100, "steps": 40, "p_start": 0.2,
                   "noise_ratio": 0.5, "beta_scaled": tuple(float(v) for v in np.round(np.geomspace(1, 100, 8), 4))},
}
#: Sizes by profile name (``paper`` uses the ``quick`` sizes: the Hopfield subjects need no training, the
#: VAE is the profile's own).
SIZES: dict[str, dict[str, Any]] = {
    "quick": _QUICK,
    "paper": _QUICK,
    "tiny": {**_QUICK, "n_units": 200, "trials": 6, "steps": 6, "noise": (0.0, 0.2, 0.35, 0.5, 0.8),
             "hopfield": {**_QUICK["hopfield"], "n_concepts": 3, "n_memories": 5},
             "modern": {**_QUICK["modern"], "n_concepts": 3, "n_memories": 5},
             "vae": {**_QUICK["vae"], "trials": 6, "steps": 6, "noise_levels": 5},
             "modern_vae": {**_QUICK["modern_vae"], "per_label": 20, "trials": 6, "steps": 6,
                            "beta_scaled": (1.0, 10.0, 100.0)}},
}
_COLORS = {"memory": "C2", "concept": "C1", "abstract": "C0"}
_TITLES = {"hopfield": "Hopfield (Hebbian, mean field)", "modern": "modern Hopfield", "vae": "VAE",
           "modern_vae": "modern Hopfield over the VAE's memories"}
_STATE = {"hopfield": "s", "modern": "s", "vae": "z", "modern_vae": "ξ"}


def _subject(kind: str, patterns: HierarchicalPatterns, options: dict[str, Any], device: Any) -> Any:
    if kind == "hopfield":
        return HopfieldNetwork.from_patterns(patterns, device=device, **options)
    return ModernHopfield.from_patterns(patterns, device=device, **options)


def _stimulus(patterns: HierarchicalPatterns, noise: tuple[float, ...], trials: int, seed: int) -> Any:
    """At least ``trials`` noisy memories per p, spread evenly over the concepts."""
    k, m = patterns.n_concepts, patterns.n_memories
    if k * m >= trials:
        return patterns.stimulus(noise, n=math.ceil(trials / k), seed=seed)
    return patterns.stimulus(noise, repeats=math.ceil(trials / (k * m)), seed=seed)


def _distances(latent: xr.DataArray, hier: Any) -> dict[str, xr.DataArray]:
    """Distance of every state to the trial's own memory, own concept and the abstract concept."""
    return {lvl: na.distance(latent, getattr(hier, lvl)) for lvl in na.LEVELS}


def _summarize(traj: dict[str, xr.DataArray], mins: xr.Dataset, p0: float,
               steps: int) -> tuple[dict[str, Any], xr.Dataset]:
    """Numbers and figure data from the trajectory trials (a) and the per-trial minima of the sweep (b)."""
    st = na.stages(mins)
    bands = {lvl: na.mean_sem(d) for lvl, d in traj.items()}
    dip = na.returns_to_concept(bands["concept"]["mean"])
    mem_curve = bands["memory"]["mean"].values
    con_curve = bands["concept"]["mean"].values
    abs_curve = bands["abstract"]["mean"].values
    t_min = int(dip["t_min"])
    numerals = [str(v) for v in st["numeral"].values]
    result = {
        "trials_per_p": int(st["n"].max()), "steps": int(steps),
        "p_trajectory": float(p0), "trials_trajectory": int(traj["concept"].sizes["trial"]),
        "concept_distance_t0": float(con_curve[0]), "concept_distance_min": float(con_curve.min()),
        "concept_distance_t_min": t_min, "concept_distance_final": float(con_curve[-1]),
        "concept_rise": float(dip["rise"]), "dip": bool(dip["dip"]), "outcome": str(dip["outcome"].values),
        "memory_distance_t0": float(mem_curve[0]), "memory_distance_at_concept_min": float(mem_curve[t_min]),
        "memory_distance_final": float(mem_curve[-1]),
        "abstract_distance_t0": float(abs_curve[0]), "abstract_distance_min": float(abs_curve.min()),
        "abstract_distance_final": float(abs_curve[-1]),
        "noise": [float(v) for v in st["noise"].values], "stages": numerals,
        "boundaries": [float(b) for b in st["boundary"].values], "in_order": bool(st["in_order"]),
        "present": sorted(set(numerals), key=["I", "II", "III"].index),
        "mean_min_distance": {lvl: [float(v) for v in st["mean"].sel(level=lvl).values] for lvl in na.LEVELS},
    }
    data_traj = xr.Dataset({f"{stat}_{lvl}": bands[lvl][stat] for lvl in na.LEVELS for stat in ("mean", "sem")})
    per_trial = mins.rename({**{k: f"min_{k}" for k in mins.data_vars}, "noise": "trial_noise"})
    data = xr.merge([data_traj, per_trial,
                     st.rename({"mean": "stage_mean", "sem": "stage_sem", "n": "stage_n"})],
                    compat="override", combine_attrs="drop")
    return result, data


def measure(kind: str, sizes: dict[str, Any], device: Any = "cpu",
            seed: int = 0) -> tuple[dict[str, Any], xr.Dataset]:
    """Record one Hopfield subject over the noise sweep; return its numbers and the data behind the figure."""
    cfg = sizes[kind]
    pats = HierarchicalPatterns(sizes["n_units"], cfg["n_concepts"], cfg["n_memories"], cfg["b_concept"],
                                cfg["b_memory"], seed=seed)
    subject = _subject(kind, pats, cfg["subject"], device)
    rec = run(subject, _stimulus(pats, tuple(sizes["noise"]), sizes["trials"], seed), steps=sizes["steps"],
              progress=False)
    hier = pats.hierarchy("centroid")
    dist = _distances(rec.latent, hier)
    mins = xr.Dataset({lvl: na.min_distance(d)["min"] for lvl, d in dist.items()})
    p0 = float(sizes["p_trajectory"])
    at_p = rec.latent["noise"].values == p0
    if not at_p.any():
        msg = f"p_trajectory={p0} must be one of the swept noise fractions {list(sizes['noise'])}."
        raise ValueError(msg)
    result, data = _summarize({lvl: d.isel(trial=at_p) for lvl, d in dist.items()}, mins, p0, sizes["steps"])
    overlap = na.overlap(rec.latent.isel(trial=at_p, time=-1), hier.memory)
    result = {"subject": repr(subject), "patterns": pats.describe(), "options": dict(cfg["subject"]),
              "n_units": int(pats.n_units), **result, "memory_overlap_final": float(overlap.mean())}
    return result, data


def measure_vae(ctx: Any, sizes: dict[str, Any]) -> tuple[dict[str, Any], xr.Dataset]:
    """The VAE with the same instruments: (a) noisy digits of one label over time, (b) the Fig. 4 sweep.

    Parameters
    ----------
    ctx : Context
        From :func:`~neurogen.studies._common.context`: ``network``, ``hierarchy``, ``data``.
    sizes : dict
        The profile's :data:`SIZES`; its ``"vae"`` entry gives ``label``, ``mode``, ``trials`` (per
        p), ``steps``, ``noise_levels`` (points of p in [0, 1]) and ``p_trajectory``.
    """
    from neurogen.studies.fig4 import sweep

    cfg = sizes["vae"]
    label, mode, steps, p0 = int(cfg["label"]), str(cfg["mode"]), int(cfg["steps"]), float(cfg["p_trajectory"])
    seed = ctx.profile.seed
    n = min(int(cfg["trials"]), int((ctx.data.labels == label).sum()))
    stim = Stimulus.from_dataset(ctx.data, label=label, n=n, noise=PixelSwap(p0, mode=mode), seed=seed)
    rec = run(ctx.network, stim, steps=steps, progress=False)
    mins = sweep(ctx, label, int(cfg["trials"]), int(cfg["noise_levels"]), mode, steps)
    result, data = _summarize(_distances(rec.latent, ctx.hierarchy), mins, p0, steps)
    return {"subject": repr(ctx.network), "network_sha256": ctx.network.sha256, "label": label, "mode": mode,
            "n_units": int(ctx.hierarchy.memory.sizes["unit"]), **result}, data


def _beta_rows(res: xr.Dataset, scale: float) -> list[dict[str, Any]]:
    rows = []
    for i, b in enumerate(res["beta"].values):
        rows.append({
            "beta": float(b), "beta_scaled": float(b * scale), "nearest": str(res["nearest"].values[i]),
            "numeral": str(res["numeral"].values[i]),
            "distances": {lvl: float(res["mean"].sel(level=lvl).values[i]) for lvl in na.LEVELS},
            "sem": {lvl: float(res["sem"].sel(level=lvl).values[i]) for lvl in na.LEVELS},
            "fraction_nearest": {lvl: float(res["fraction"].sel(level=lvl).values[i]) for lvl in na.LEVELS},
            "own_memory": float(res["own_memory"].values[i]), "same_label": float(res["same_label"].values[i]),
        })
    return rows


def measure_modern_vae(ctx: Any, sizes: dict[str, Any]) -> tuple[dict[str, Any], xr.Dataset]:
    """A modern Hopfield network storing the VAE's memories, swept over β from two kinds of start state.

    The stored patterns are ``per_label`` memories of each label of ``ctx.hierarchy`` (drawn with
    the profile's seed). β = β̃ / ⟨‖ξ‖²⟩ for each β̃ in ``beta_scaled``. Start states: ``"vae"``,
    the VAE's encoding of ``trials`` noisy images of ``label`` at ``p_start`` (pixel swap, invert)
    whose clean images are stored; ``"gaussian"``, the same trials' stored memories plus isotropic
    Gaussian noise of total norm ``noise_ratio`` · ⟨‖ξ(i) − ξ̄_num‖⟩ (mean over the stored memories).
    Distances are measured against the VAE's own hierarchy (concepts from all its memories).

    Returns
    -------
    result, data
        ``result``: settings and, per start (``"vae"``, ``"gaussian"``), the list of per-β rows of
        :func:`_beta_rows`; ``data``: the two :func:`~neurogen.associative.beta_sweep` datasets
        stacked along ``start``.
    """
    cfg = sizes["modern_vae"]
    seed = ctx.profile.seed
    hier = ctx.hierarchy
    net = ModernHopfield.from_hierarchy(hier, per_label=int(cfg["per_label"]), seed=seed, beta=1.0,
                                        device=ctx.network.device)
    x = net.patterns.cpu().numpy().astype(np.float64)
    scale = float((x ** 2).sum(1).mean())
    betas = np.asarray(cfg["beta_scaled"], dtype=np.float64) / scale
    label = int(cfg["label"])
    stored = np.flatnonzero(net.labels == label)
    if stored.size == 0:
        msg = f"the VAE's hierarchy holds no memory of label {label}."
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(stored, size=min(int(cfg["trials"]), stored.size), replace=False))
    sources = net.samples[rows]
    position = {int(s): i for i, s in enumerate(ctx.data.index)}
    missing = [int(s) for s in sources if int(s) not in position]
    if missing:
        msg = f"{len(missing)} stored memories have no image in the context's data (e.g. sample {missing[0]})."
        raise ValueError(msg)
    images = Stimulus.from_dataset(ctx.data, indices=[position[int(s)] for s in sources],
                                   noise=PixelSwap(float(cfg["p_start"])), seed=seed)
    z0 = run(ctx.network, images, steps=0, progress=False).latent.isel(time=0).values
    concept_of = hier.concept.sel(label=net.labels).values
    spread = float(np.linalg.norm(x - concept_of, axis=1).mean())
    sigma = float(cfg["noise_ratio"]) * spread / math.sqrt(net.n_units)
    noisy = x[rows] + sigma * rng.standard_normal(x[rows].shape)
    labels = net.labels[rows]
    starts = {"vae": z0, "gaussian": noisy.astype(np.float32)}
    result: dict[str, Any] = {
        "subject": repr(net), "n_patterns": int(net.n_patterns), "per_label": int(cfg["per_label"]),
        "label": label, "trials": len(rows), "steps": int(cfg["steps"]), "p_start": float(cfg["p_start"]),
        "noise_ratio": float(cfg["noise_ratio"]), "gaussian_sigma": sigma, "mean_squared_norm": scale,
        "memory_concept_distance": spread, "beta_scaled": [float(v) for v in cfg["beta_scaled"]],
        "starts": {"vae": f"VAE encoding of noisy '{label}'s, p = {float(cfg['p_start']):g} (invert)",
                   "gaussian": f"stored memory + Gaussian noise, sigma = {sigma:.3g} per unit"},
    }
    sweeps = []
    for name, z in starts.items():
        res = beta_sweep(net, z, betas, int(cfg["steps"]), hierarchy=hier, labels=labels, sources=sources)
        result[name] = _beta_rows(res, scale)
        result[f"{name}_start_distance"] = {
            lvl: float(na.distance(xr.DataArray(z, dims=("trial", "unit"),
                                                coords={"label": ("trial", labels), "source": ("trial", sources)}),
                                   getattr(hier, lvl)).mean()) for lvl in na.LEVELS}
        sweeps.append(res.drop_vars("final").assign_coords(beta_scaled=("beta", res["beta"].values * scale)))
    data = xr.concat(sweeps, dim=xr.DataArray(list(starts), dims="start", name="start"), combine_attrs="drop_conflicts")
    return result, data


# ------------------------------------------------------------------------------- figure


def _stage_regions(ax: Any, stages: list[str], boundaries: list[float]) -> None:
    """Write the stage numeral of each region between boundaries along the top of ``ax`` (as in Fig. 4)."""
    runs = [n for i, n in enumerate(stages) if i == 0 or n != stages[i - 1]]
    edges = [0.0, *boundaries, 1.0]
    for k, num in enumerate(runs[: len(edges) - 1]):
        ax.text((edges[k] + edges[k + 1]) / 2, 0.97, num, transform=ax.get_xaxis_transform(),
                ha="center", va="top", fontsize=10)


def _plot(axes: Any, kind: str, r: dict[str, Any], data: xr.Dataset) -> None:
    ax_t, ax_p = axes
    s = _STATE[kind]
    for lvl in na.LEVELS:
        m, e = data[f"mean_{lvl}"], data[f"sem_{lvl}"]
        ax_t.plot(m.time, m, color=_COLORS[lvl], label=lvl)
        ax_t.fill_between(m.time, m - e, m + e, color=_COLORS[lvl], alpha=0.3)
    ax_t.axvline(r["concept_distance_t_min"], color="C3", ls=":", lw=0.8)
    what = f"noisy '{r['label']}'s, " if "label" in r else "noisy memories, "
    ax_t.set_title(f"(a) {_TITLES[kind]}\n{what}p = {r['p_trajectory']:g}, {r['trials_trajectory']} trials; "
                   f"{r['outcome']}", fontsize=9)
    ax_t.set_xlabel("t")
    ax_t.set_ylabel(f"‖{s}(t) − ξ‖₂")
    ax_t.legend(fontsize=8)
    for lvl in na.LEVELS:
        m, e = data["stage_mean"].sel(level=lvl), data["stage_sem"].sel(level=lvl)
        ax_p.errorbar(m.noise, m, yerr=e, fmt="o-", ms=3, color=_COLORS[lvl], label=lvl)
    for b in r["boundaries"]:
        ax_p.axvline(b, color="gray", ls="--", lw=0.8)
    _stage_regions(ax_p, r["stages"], r["boundaries"])
    b = ", ".join(f"{v:.3g}" for v in r["boundaries"]) or "none"
    ax_p.set_title(f"(b) {_TITLES[kind]}\nstages {' → '.join(r['present'])} (boundaries p = {b}), "
                   f"{r['trials_per_p']} trials per p", fontsize=9)
    ax_p.set_xlabel("noise fraction p")
    ax_p.set_ylabel(f"min_t ‖{s}(t) − ξ‖₂")
    ax_p.set_xlim(-0.05, 1.05)
    ax_p.legend(fontsize=8, loc="lower right")


def _plot_beta(axes: Any, r: dict[str, Any], data: xr.Dataset) -> None:
    for ax, start, tag in zip(axes, ("vae", "gaussian"), ("(a)", "(b)")):
        ds = data.sel(start=start)
        x = ds["beta_scaled"].values
        for lvl in na.LEVELS:
            ax.errorbar(x, ds["mean"].sel(level=lvl), yerr=ds["sem"].sel(level=lvl), fmt="o-", ms=3,
                        color=_COLORS[lvl], label=lvl)
        ax.set_xscale("log")
        for v, row in zip(x, r[start]):
            ax.text(v, 0.97, row["numeral"], transform=ax.get_xaxis_transform(), ha="center", va="top",
                    fontsize=9)
        twin = ax.twinx()
        twin.plot(x, ds["own_memory"], color="k", ls="--", lw=0.9, label="own memory retrieved")
        twin.plot(x, ds["same_label"], color="gray", ls=":", lw=0.9, label="same-label pattern")
        twin.set_ylim(-0.02, 1.25)
        twin.set_ylabel("fraction of trials", fontsize=8)
        twin.legend(fontsize=7, loc="center right")
        ax.set_title(f"{tag} {_TITLES['modern_vae']} ({r['n_patterns']} memories, T = {r['steps']})\n"
                     f"start: {r['starts'][start]}; {r['trials']} trials", fontsize=9)
        ax.set_xlabel("β · ⟨‖ξ‖²⟩")
        ax.set_ylabel("‖ξ(T) − ξ_level‖₂")
        ax.legend(fontsize=8, loc="lower left")


def study(profile: Any = "quick", out: str | os.PathLike = ".", device: str = "auto", *,
          data: Any = None, subjects: tuple[str, ...] = SUBJECTS) -> dict[str, Any]:
    """Record the Hopfield subjects and the VAE alike; measure the Fig. 2 dip, the Fig. 4 stages, the β sweep.

    Parameters
    ----------
    profile : str or Profile
        Its ``name`` picks the sizes in :data:`SIZES` (``tiny``, ``quick``, ``paper``); its VAE is the
        one of :func:`~neurogen.studies._common.context`.
    out : path-like
        Where ``associative.png/.pdf`` and ``associative_<subject>.nc`` are written.
    device : str
    data : (Digits, Digits), optional
        (train, test) replacing MNIST for the VAE (``vae`` and ``modern_vae`` rows).
    subjects : tuple of {"hopfield", "modern", "vae", "modern_vae"}
        The rows of the figure, in this order.

    Returns
    -------
    dict
        ``figure``, ``files``, per subject the numbers of :func:`measure`, :func:`measure_vae` or
        :func:`measure_modern_vae`, and ``modern_vae_beta`` (the β sweep from the VAE's encodings:
        a list of ``{beta, beta_scaled, nearest, numeral, distances, sem, fraction_nearest,
        own_memory, same_label}``) with ``modern_vae_beta_gaussian`` (from noisy stored memories).
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = get_profile(profile)
    sizes = SIZES.get(p.name, _QUICK)
    bad = [s for s in subjects if s not in SUBJECTS]
    if bad or not subjects:
        msg = f"subjects must be a non-empty selection of {SUBJECTS}, got {subjects!r}."
        raise ValueError(msg)
    dev = resolve_device(device)
    result: dict[str, Any] = {"figure": "associative", "files": [], "profile": p.name, "subjects": list(subjects)}
    fig, axes = plt.subplots(len(subjects), 2, figsize=(13, 4.4 * len(subjects)), squeeze=False,
                             layout="constrained")
    sweep_axes = [row[1] for row, kind in zip(axes, subjects) if kind != "modern_vae"]
    for ax in sweep_axes[1:]:
        ax.sharex(sweep_axes[0])
    nc_files = []
    for row, kind in zip(axes, subjects):
        if kind in _HOPFIELD:
            r, ds = measure(kind, sizes, dev, p.seed)
            _plot(row, kind, r, ds)
            attrs = {**r["patterns"], "options": r["options"], "p_trajectory": r["p_trajectory"]}
        elif kind == "vae":
            ctx = context(p, device, data)
            r, ds = measure_vae(ctx, sizes)
            _plot(row, kind, r, ds)
            attrs = {**ctx.network.describe(), "label": r["label"], "mode": r["mode"],
                     "p_trajectory": r["p_trajectory"]}
        else:
            ctx = context(p, device, data)
            r, ds = measure_modern_vae(ctx, sizes)
            _plot_beta(row, r, ds)
            result["modern_vae_beta"] = r["vae"]
            result["modern_vae_beta_gaussian"] = r["gaussian"]
            attrs = {k: v for k, v in r.items() if k not in ("vae", "gaussian")}
        nc_files.append(str(save_data(ds, out, f"associative_{kind}",
                                      {"profile": p.name, "subject_kind": kind, **attrs})))
        result[kind] = r
    fig.suptitle("associative memories beside the VAE: same stimuli, same instruments", fontsize=11)
    result["files"] = [str(f) for f in save_figure(fig, out, "associative")] + nc_files
    return result


def _arrow(numerals: list[str]) -> str:
    return " → ".join(numerals) if numerals else "none"


def claims(r: dict[str, Any]) -> list[Any]:
    """Claims for the replication report, with verdicts computed from the measured numbers."""
    from neurogen.studies.report import FAILS, HOLDS, Claim

    out = []
    for kind in [k for k in r.get("subjects", []) if k in _HOPFIELD]:
        s = r[kind]
        name = "Hopfield" if kind == "hopfield" else "Modern Hopfield"
        moved_on = s["memory_distance_final"] < s["memory_distance_at_concept_min"]
        ok = s["dip"] and moved_on
        out.append(Claim(
            "associative", f"{name}: trajectory approaches the concept before the memory",
            "associative-memory models (Matsumoto et al. 2005): concept first, then memory",
            f"p = {s['p_trajectory']:g}: ‖s − ξ̄‖ {s['concept_distance_t0']:.1f} → "
            f"min {s['concept_distance_min']:.1f} at t = {s['concept_distance_t_min']} → "
            f"{s['concept_distance_final']:.1f} ({s['outcome']}); "
            f"‖s − ξ(i)‖ {s['memory_distance_at_concept_min']:.1f} → {s['memory_distance_final']:.1f}, "
            f"final overlap m = {s['memory_overlap_final']:.2f}",
            HOLDS if ok else FAILS,
            "dip in the mean distance-to-concept curve (returns_to_concept) and the distance to the "
            "memory falls after the concept minimum"))
        b = ", ".join(f"{v:.3f}" for v in s["boundaries"]) or "none"
        out.append(Claim(
            "associative", f"{name}: stages memory → concept → abstract as p grows",
            "I → II → III (VAE, Fig. 4)",
            f"stages {' → '.join(s['present'])}; in order: {s['in_order']}; boundaries at p = {b}",
            HOLDS if s["in_order"] and s["present"] == ["I", "II", "III"] else FAILS,
            "all three stages present, never going back"))
    if "hopfield" in r and "vae" in r:
        h, v = r["hopfield"], r["vae"]
        same = h["present"] == v["present"] and h["in_order"] and v["in_order"]
        hb = ", ".join(f"{x:.3g}" for x in h["boundaries"]) or "none"
        vb = ", ".join(f"{x:.3g}" for x in v["boundaries"]) or "none"
        out.append(Claim(
            "associative", "Hopfield stage order against p matches the VAE's",
            "the paper compares the VAE's stages I → II → III (Fig. 4) with associative-memory models",
            f"Hopfield: {_arrow(h['present'])} (in order: {h['in_order']}; boundaries p = {hb}); "
            f"VAE ({v['mode']}): {_arrow(v['present'])} (in order: {v['in_order']}; boundaries p = {vb})",
            HOLDS if same else FAILS,
            "the same stages present, in the same order I → II → III, with no return to a more "
            "detailed stage, for the Hebbian Hopfield subject and the VAE (pixel swap: invert)"))
    if "modern_vae_beta" in r:
        rows = r["modern_vae_beta"]
        seq = [row["numeral"] for row in rows]  # ascending β
        runs = [n for i, n in enumerate(seq) if i == 0 or n != seq[i - 1]]
        ok = runs == ["III", "II", "I"]
        table = ", ".join(f"{row['beta_scaled']:.3g}: {row['numeral']}" for row in rows)
        own = max(row["own_memory"] for row in rows)
        out.append(Claim(
            "associative", "Modern Hopfield over the VAE's memories: as β grows the final state "
            "passes abstract → concept → memory",
            "(not in the paper) the β counterpart of the VAE's stages III ← II ← I (Fig. 4)",
            f"from the VAE's encoding of noisy '{r['modern_vae']['label']}'s at p = "
            f"{r['modern_vae']['p_start']:g}: nearest level by β·⟨‖ξ‖²⟩ {table}; stages "
            f"{_arrow(runs)}; own memory retrieved in at most {own:.0%} of trials",
            HOLDS if ok else FAILS,
            "nearest level (smallest mean final distance) over increasing β runs III → II → I, each "
            "stage present"))
    return out
