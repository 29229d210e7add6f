"""The associative-memory comparison: the paper's Fig. 2 and Fig. 4 measurements on Hopfield subjects.

The paper explains its VAE findings by associative-memory models (Amari 1977; Matsumoto et al.
2005; Toya et al. 2000). This study records two Hopfield-type subjects storing hierarchically
correlated ±1 patterns (:mod:`neurogen.associative`) with the same instruments as the VAE studies:
noisy memories (pixel swap, fraction p) presented through :func:`neurogen.run`, distances to the
own memory, the own concept (class mean, eq. 8) and the abstract concept (eq. 12) over time
(:func:`~neurogen.analysis.distance`, :func:`~neurogen.analysis.returns_to_concept`), and the
noise sweep of min-over-time distances (:func:`~neurogen.analysis.stages`).

Subjects (sizes of the ``quick`` and ``paper`` profiles; ``tiny`` shrinks them for tests):

* ``hopfield``: :class:`~neurogen.associative.HopfieldNetwork`, Hebbian couplings, synchronous
  mean-field updates m ← tanh(h/T) at T = 0.2, N = 2000, K = 5 concepts × M = 5 memories,
  b₁ = 0.2, b₂ = 0.35. Hebbian storage keeps memories stable only while the siblings' summed
  pull, of order (M − 1) b₂³, stays well below 1; with M = 30 and b₂ = 0.6 every memory
  falls into its concept (Amari's concept formation), so smaller M and b₂ are used here.
* ``modern``: :class:`~neurogen.associative.ModernHopfield`, β = 16/N, N = 2000, K = 5 × M = 30,
  b₁ = 0.2, b₂ = 0.6.
"""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen.associative import HierarchicalPatterns, HopfieldNetwork, ModernHopfield
from neurogen.device import resolve_device
from neurogen.engine import run
from neurogen.studies._common import get_profile, save_data, save_figure

__all__ = ["CAPTION", "SIZES", "SUBJECTS", "study", "claims"]

CAPTION = ("(Not in the paper: the comparison its discussion draws.) Hopfield-type associative memories "
           "storing hierarchically correlated patterns, measured like the VAE. (a) Distance from the own "
           "memory, concept and abstract concept over time from a noisy memory (mean ± SEM). (b) Minimum "
           "distances against noise fraction p, with stages I, II and III.")

SUBJECTS = ("hopfield", "modern")

_QUICK = {
    "n_units": 2000, "trials": 100, "steps": 20, "p_trajectory": 0.35,
    "noise": (0.0, 0.1, 0.2, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.8, 1.0),
    "hopfield": {"n_concepts": 5, "n_memories": 5, "b_concept": 0.2, "b_memory": 0.35,
                 "subject": {"update": "synchronous", "temperature": 0.2, "dynamics": "mean_field"}},
    "modern": {"n_concepts": 5, "n_memories": 30, "b_concept": 0.2, "b_memory": 0.6,
               "subject": {"beta_scale": 16.0}},
}
#: Sizes by profile name (``paper`` uses the ``quick`` sizes: the subjects need no training).
SIZES: dict[str, dict[str, Any]] = {
    "quick": _QUICK,
    "paper": _QUICK,
    "tiny": {**_QUICK, "n_units": 200, "trials": 6, "steps": 6, "noise": (0.0, 0.2, 0.35, 0.5, 0.8),
             "hopfield": {**_QUICK["hopfield"], "n_concepts": 3, "n_memories": 5},
             "modern": {**_QUICK["modern"], "n_concepts": 3, "n_memories": 5}},
}
_COLORS = {"memory": "C2", "concept": "C1", "abstract": "C0"}
_TITLES = {"hopfield": "Hopfield (Hebbian, mean field)", "modern": "modern Hopfield"}


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


def measure(kind: str, sizes: dict[str, Any], device: Any = "cpu",
            seed: int = 0) -> tuple[dict[str, Any], xr.Dataset]:
    """Record one subject over the noise sweep; return its numbers and the data behind the figure."""
    cfg = sizes[kind]
    pats = HierarchicalPatterns(sizes["n_units"], cfg["n_concepts"], cfg["n_memories"], cfg["b_concept"],
                                cfg["b_memory"], seed=seed)
    subject = _subject(kind, pats, cfg["subject"], device)
    rec = run(subject, _stimulus(pats, tuple(sizes["noise"]), sizes["trials"], seed), steps=sizes["steps"],
              progress=False)
    hier = pats.hierarchy("centroid")
    dist = {"memory": na.distance(rec.latent, hier.memory), "concept": na.distance(rec.latent, hier.concept),
            "abstract": na.distance(rec.latent, hier.abstract)}
    mins = xr.Dataset({lvl: na.min_distance(d)["min"] for lvl, d in dist.items()})
    st = na.stages(mins)
    p0 = float(sizes["p_trajectory"])
    at_p = rec.latent["noise"].values == p0
    if not at_p.any():
        msg = f"p_trajectory={p0} must be one of the swept noise fractions {list(sizes['noise'])}."
        raise ValueError(msg)
    bands = {lvl: na.mean_sem(d.isel(trial=at_p)) for lvl, d in dist.items()}
    dip = na.returns_to_concept(bands["concept"]["mean"])
    mem_curve = bands["memory"]["mean"].values
    con_curve = bands["concept"]["mean"].values
    t_min = int(dip["t_min"])
    overlap = na.overlap(rec.latent.isel(trial=at_p, time=-1), hier.memory)
    numerals = [str(v) for v in st["numeral"].values]
    result = {
        "subject": repr(subject), "patterns": pats.describe(), "options": dict(cfg["subject"]),
        "n_units": int(pats.n_units), "trials_per_p": int(st["n"].max()), "steps": int(sizes["steps"]),
        "p_trajectory": p0, "trials_trajectory": int(at_p.sum()),
        "concept_distance_t0": float(con_curve[0]), "concept_distance_min": float(con_curve.min()),
        "concept_distance_t_min": t_min, "concept_distance_final": float(con_curve[-1]),
        "concept_rise": float(dip["rise"]), "dip": bool(dip["dip"]), "outcome": str(dip["outcome"].values),
        "memory_distance_t0": float(mem_curve[0]), "memory_distance_at_concept_min": float(mem_curve[t_min]),
        "memory_distance_final": float(mem_curve[-1]), "memory_overlap_final": float(overlap.mean()),
        "abstract_distance_t0": float(bands["abstract"]["mean"].values[0]),
        "abstract_distance_min": float(bands["abstract"]["mean"].values.min()),
        "abstract_distance_final": float(bands["abstract"]["mean"].values[-1]),
        "noise": [float(v) for v in st["noise"].values], "stages": numerals,
        "boundaries": [float(b) for b in st["boundary"].values], "in_order": bool(st["in_order"]),
        "present": sorted(set(numerals), key=["I", "II", "III"].index),
        "mean_min_distance": {lvl: [float(v) for v in st["mean"].sel(level=lvl).values] for lvl in na.LEVELS},
    }
    traj = xr.Dataset({f"{stat}_{lvl}": bands[lvl][stat] for lvl in na.LEVELS for stat in ("mean", "sem")})
    per_trial = mins.rename({**{k: f"min_{k}" for k in mins.data_vars}, "noise": "trial_noise"})
    data = xr.merge([traj, per_trial,
                     st.rename({"mean": "stage_mean", "sem": "stage_sem", "n": "stage_n"})],
                    compat="override", combine_attrs="drop")
    return result, data


def _plot(axes: Any, kind: str, r: dict[str, Any], data: xr.Dataset) -> None:
    ax_t, ax_p = axes
    for lvl in na.LEVELS:
        m, s = data[f"mean_{lvl}"], data[f"sem_{lvl}"]
        ax_t.plot(m.time, m, color=_COLORS[lvl], label=lvl)
        ax_t.fill_between(m.time, m - s, m + s, color=_COLORS[lvl], alpha=0.3)
    ax_t.axvline(r["concept_distance_t_min"], color="C3", ls=":", lw=0.8)
    ax_t.set_title(f"(a) {_TITLES[kind]}: p = {r['p_trajectory']:g}, {r['trials_trajectory']} trials; "
                   f"{r['outcome']}", fontsize=9)
    ax_t.set_xlabel("t")
    ax_t.set_ylabel("‖s(t) − ξ‖₂")
    ax_t.legend(fontsize=8)
    for lvl in na.LEVELS:
        m, s = data["stage_mean"].sel(level=lvl), data["stage_sem"].sel(level=lvl)
        ax_p.errorbar(m.noise, m, yerr=s, fmt="o-", ms=3, color=_COLORS[lvl], label=lvl)
    for b in r["boundaries"]:
        ax_p.axvline(b, color="gray", ls="--", lw=0.8)
    b = ", ".join(f"{v:.3g}" for v in r["boundaries"]) or "none"
    ax_p.set_title(f"(b) {_TITLES[kind]}: stages {' → '.join(r['present'])} (boundaries p = {b}), "
                   f"{r['trials_per_p']} trials per p", fontsize=9)
    ax_p.set_xlabel("noise fraction p")
    ax_p.set_ylabel("min_t ‖s(t) − ξ‖₂")
    ax_p.legend(fontsize=8, loc="lower right")


def study(profile: Any = "quick", out: str | os.PathLike = ".", device: str = "auto", *,
          data: Any = None, subjects: tuple[str, ...] = SUBJECTS) -> dict[str, Any]:
    """Record the Hopfield subjects like the VAE and measure the Fig. 2 dip and the Fig. 4 stages.

    Parameters
    ----------
    profile : str or Profile
        Its ``name`` picks the sizes in :data:`SIZES` (``tiny``, ``quick``, ``paper``).
    out : path-like
        Where ``associative.png/.pdf`` and ``associative_<subject>.nc`` are written.
    device : str
    data : ignored
        Accepted for the common study signature (the subjects need no digits).
    subjects : tuple of {"hopfield", "modern"}

    Returns
    -------
    dict
        ``figure``, ``files``, and per subject the numbers of :func:`measure`.
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
    fig, axes = plt.subplots(len(subjects), 2, figsize=(12, 4.2 * len(subjects)), squeeze=False)
    nc_files = []
    for row, kind in zip(axes, subjects):
        r, ds = measure(kind, sizes, dev, p.seed)
        _plot(row, kind, r, ds)
        nc_files.append(str(save_data(ds, out, f"associative_{kind}",
                                      {"profile": p.name, "subject_kind": kind, **r["patterns"],
                                       "options": r["options"], "p_trajectory": r["p_trajectory"]})))
        result[kind] = r
    result["files"] = [str(f) for f in save_figure(fig, out, "associative")] + nc_files
    return result


def claims(r: dict[str, Any]) -> list[Any]:
    """Claims for the replication report, with verdicts computed from the measured numbers."""
    from neurogen.studies.report import FAILS, HOLDS, Claim

    out = []
    for kind in r.get("subjects", []):
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
    return out
