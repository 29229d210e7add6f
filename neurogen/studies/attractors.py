"""Attractors of repeated inference: fixed and slow points near the concepts, speed, saddles, basins.

Protocol (not in the paper; the dynamical-systems reading of its Figs. 2, 4 and 6). Repeated
inference is the map F(z) = E_q[z | E_p[x | z]] (:func:`neurogen.fixed_points.inference_map`).
For a subject and its concept hierarchy (memories ξ(i), concepts ξ̄_num, abstract concept ξ̄_all),
its fixed and slow points are searched (:func:`~neurogen.fixed_points.find_fixed_points`:
Levenberg–Marquardt on q = ½‖F(z) − z‖², at most ``max_iter`` steps; *fixed* when q < ``tol``,
*slow* when no step lowers q any more, a local minimum of q above ``tol``; *unconverged* points
are not used) from starts at the ten concepts and the abstract concept. Distances are in units of
the subject's *spread* s, the median distance of a memory to its own concept. For each concept:
the found (fixed or slow) point nearest to it, its distance / s, its kind, q and the spectrum of
the Jacobian ∂F/∂z there
(:func:`~neurogen.fixed_points.jacobian_spectrum`: the unstable directions, |λ| > 1), and the
|cosine| between its leading eigenvector and (a) the directions to the ``k_nearest`` memories
nearest the point, (b) ``n_random`` random isotropic directions, (c) the directions to
``k_nearest`` memories drawn at random (any label); and the state reached by ``settle`` steps of
repeated inference from the concept (its distance / s, speed and unstable directions; on the
paper's VAE only). This is measured on

* the paper's VAE (the profile's subject, Nz = 100, seed 0), with two more measurements:
  (Q2) Fig. 2's protocol (``trials`` noisy images per label at p = 0.2, T = ``steps``) with the
  speed ‖F(z(t)) − z(t)‖ of every recorded state (:func:`~neurogen.fixed_points.speed`) beside
  the distance to the own concept; (Q4) Fig. 4's protocol run towards T → ∞: ``basin_trials``
  noisy '6's at each of ``levels`` values of p in [0, 1], ``basin_steps`` steps, each trial's end
  state classified by the nearest of its own memory, its concept and the abstract concept;
* every subject of the zoo in ``n_latent`` (``ctx.subject(n_latent=Nz, seed=0)``);
* the kept checkpoints in ``epochs`` of the paper's training run
  (:func:`~neurogen.studies._common.development_checkpoints`; the last one is the profile's
  subject and is not measured twice; the hierarchies of the others are encoded from
  ``n_memories`` training images);
* two Hopfield-type subjects built as the ``associative`` study builds them (hierarchical ±1
  patterns; Hebbian couplings with synchronous mean-field updates at T = 0.2, and a modern
  Hopfield network at β = 16/N), with ``hopfield_units`` units (fewer than the associative
  study's 2,000: each Jacobian is N × N) and starts at ``memory_starts`` stored memories per
  concept besides the concepts and the abstract concept.

Not part of this study: how the picture depends on the training-set size K or on the model family
(no subjects trained on 100…60,000 images or of other families exist yet).

Hypotheses and the rules of their verdicts, fixed before the study was first run at the quick
size. The label counts (8 of 10, i.e. 80 % of the labels measured) are part of each statement; the
free parameters r = 0.5 (spread), w = 2 (steps) and c = 2 (ratio) are read through
:func:`~neurogen.studies.claims.param`, so the report's robustness check halves and doubles them.
A point is *saddle-like* when it lies within r · s of the concept and has at least one unstable
direction (a saddle if fixed, the ghost of one if slow).

1. *A slow or fixed point sits at each concept* (the paper's VAE). For every label the fixed or
   slow point nearest the concept lies within r = 0.5 spread of it.
2. *Inference is slowest where it passes the concept.* For a label, t_speed is the argmin over t
   of the mean speed of its trials and t_min that of its mean distance-to-concept curve (as in
   Fig. 2); holds if |t_speed − t_min| ≤ w = 2 steps in ≥ 8 of 10 labels.
3. *The concept is a saddle whose way out points at the memories.* (a) The point nearest each
   concept has ≥ 1 unstable direction (|λ| > 1) in ≥ 8 of 10 labels. (b) Where it has one, the
   mean |cos| between its leading eigenvector and the directions to the 10 memories nearest the
   point is ≥ c = 2 times the mean |cos| with random directions, in ≥ 8 of 10 of those labels
   (not measured if no label has an unstable direction).
4. *Fig. 4's stages are basins.* At each p the majority of the trials' end states (ties go to the
   finer level) lies nearest the own memory, the concept or the abstract concept; over increasing
   p this majority basin runs memory → concept → abstract, all three present, never going back.
5. *Per Nz, as Fig. 6:* the concept is saddle-like in ≥ 8 of 10 labels for every Nz ≥ 10, and in
   fewer than 8 of 10 for every Nz ≤ 5 (not measured unless both groups are in the zoo). The
   measured text says, per Nz, in how many labels the concept's nearest point is a saddle (fixed,
   ≥ 1 unstable direction), a stable fixed point, a slow point, or none lies within r · s.
6. *The saddle forms during training.* Onset = the first kept checkpoint from which every later
   one has a saddle-like concept in ≥ 8 of 10 labels; holds if there is an onset and it is not the
   first checkpoint.
7. *Hopfield subjects: the stored patterns are stable fixed points* (the theory's prediction:
   Hopfield 1982, Amari 1977; Ramsauer et al. 2020 for separated patterns). Per subject, holds if
   every memory start ends on a fixed point (q < tol) within r · s of its own memory with spectral
   radius < 1. The measured text says what the concepts are there.

Sizes, not rules, changed once after the first quick run: the Hopfield subjects there had
N = 250 units (load P/N = 0.1 for the Hebbian one), where 2 of its 10 memory starts ended on a
stable fixed point at their memory (the modern one: 10 of 10); N = 500 is the largest N whose two
searches fit 15 s of one CPU core (rule fixed before it was timed), closer to the associative
study's N = 2,000.

The dataset holds the per-label results under ``zoo_*`` (n_latent, label) and ``dev_*`` (epoch,
label), the trajectories' ``distance`` and ``speed`` (trial, time), the end states' ``end_*``
(basin_trial, with ``noise``), and the Hopfield subjects' ``hop_*``; every verdict is recomputed
from it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np
import torch
import xarray as xr

from neurogen import analysis as na
from neurogen import fixed_points as fp
from neurogen.associative import HierarchicalPatterns, HopfieldNetwork, ModernHopfield
from neurogen.concepts import ConceptHierarchy
from neurogen.engine import run
from neurogen.probe import Probe
from neurogen.stimulus import PixelSwap, Stimulus
from neurogen.studies._common import FIG_WIDTH, BySize, Context, development_checkpoints
from neurogen.studies._measure import PROGRESS, noise_grid, trials_for
from neurogen.studies.claims import Claim, param, verdict

NAME = "attractors"
CAPTION = ("(Not in the paper.) Attractors of repeated inference. (a) Distance from each concept to the nearest "
           "fixed or slow point (spread units) and its unstable directions. (b) Mean speed ||F(z(t)) - z(t)|| and "
           "distance to the concept along Fig. 2's trajectories, per label. (c) Alignment of the leading unstable "
           "direction with the nearest memories and with random directions. (d) Basin of the end state after many "
           "steps against noise fraction p. (e, f) What the concept is across latent sizes Nz and training epochs. "
           "(g) Hopfield subjects: stored patterns and concepts.")

#: Hypotheses' fixed parameters: the saddle radius r (spread units), the window w (steps), the ratio c.
RADIUS, WINDOW, RATIO = 0.5, 2.0, 2.0
#: Share of the labels a per-label rule must hold in (8 of 10).
SHARE = 0.8
#: Subjects' kinds of concept point (category per label).
CATEGORIES = ("saddle", "stable", "slow", "none")
#: The Hopfield subjects, built as the associative study builds them.
HOPFIELD = {"hopfield": (HopfieldNetwork, {"update": "synchronous", "temperature": 0.2, "dynamics": "mean_field"}),
            "modern": (ModernHopfield, {"beta_scale": 16.0})}
_LEVELS = na.LEVELS

_PER_LABEL = {
    "distance": "distance from the concept to the nearest fixed or slow point, in spreads",
    "kind": "kind of the nearest point (fixed: q < tol; slow: a local minimum of q above tol)",
    "q": "q = 1/2 ||F(z) - z||^2 at the nearest point",
    "n_unstable": "unstable directions (|eigenvalue| > 1 of dF/dz) at the nearest point",
    "spectral_radius": "largest |eigenvalue| of dF/dz at the nearest point",
    "cos_nearest": "mean |cos| of the leading eigenvector with the directions to the nearest memories",
    "cos_random": "mean |cos| of the leading eigenvector with random isotropic directions",
    "cos_memories": "mean |cos| of the leading eigenvector with the directions to random memories",
    "settled_distance": "distance from the concept to the state after `settle` steps of inference from it, "
                        "in spreads (NaN: not measured)",
    "settled_speed": "speed ||F(z) - z|| of the state after `settle` steps of inference from the concept",
    "settled_n_unstable": "unstable directions of dF/dz at the state after `settle` steps from the concept",
    "spread": "median distance of a memory to its own concept",
    "n_points": "fixed and slow points found (after merging)",
    "n_unconverged": "starts that did not converge within max_iter",
    "network_sha256": "sha256 of the subject's checkpoint",
}
LONG_NAMES = {
    **{f"zoo_{k}": v for k, v in _PER_LABEL.items()},
    **{f"dev_{k}": v for k, v in _PER_LABEL.items()},
    "n_latent": "latent size Nz of the zoo subject", "epoch": "training epoch of the checkpoint",
    "label": "digit label of the concept",
    "distance": "||z(t) - concept of the trial's label||_2 of each trial",
    "speed": "speed of repeated inference ||F(z(t)) - z(t)|| of each trial",
    "trial_label": "label of the trial's source image",
    "end_memory": "||z(T) - own memory||_2 after basin_steps steps",
    "end_concept": "||z(T) - own concept||_2 after basin_steps steps",
    "end_abstract": "||z(T) - abstract concept||_2 after basin_steps steps",
    "end_speed": "speed ||F(z(T)) - z(T)|| of the end state",
    "noise": "pixel-swap fraction p of the trial",
    "hopfield": "Hopfield subject",
    "hop_label": "concept of the Hopfield subject",
    "hop_memory_label": "concept of the memory start",
    "hop_memory_kind": "kind of the point the memory start ended at",
    "hop_memory_q": "q at the point the memory start ended at",
    "hop_memory_distance": "distance of that point to the start's own memory, in spreads",
    "hop_memory_radius": "spectral radius of dF/dz at that point",
    **{f"hop_{k}": v for k, v in _PER_LABEL.items() if k in ("distance", "kind", "q", "n_unstable",
                                                             "spectral_radius", "spread", "n_points")},
    "hop_subject": "the Hopfield subject (repr)",
    "hop_patterns": "the stored patterns (HierarchicalPatterns.describe)",
}


@attrs.frozen
class Sizes:
    """Subjects (zoo Nz, checkpoints), the fixed-point search, Fig. 2's and Fig. 4's protocols, Hopfield.

    ``epochs``: kept checkpoints measured (``()``: all); ``n_memories``: training images encoded
    for each checkpoint's hierarchy (0: all); ``hopfield_patterns``: (concepts K, memories M, b₁, b₂)
    per Hopfield subject, as in the associative study.
    """

    n_latent: tuple[int, ...]
    epochs: tuple[int, ...]
    trials: int
    steps: int
    basin_trials: int
    levels: int
    basin_steps: int
    settle: int
    max_iter: int
    hopfield_units: int
    memory_starts: int
    hopfield_patterns: tuple[tuple[int, int, float, float], tuple[int, int, float, float]]
    n_memories: int = 0
    k_nearest: int = 10
    n_random: int = 256
    tol: float = 1e-8
    p: float = 0.2
    mode: str = "invert"
    label: int = 6


SIZES = BySize(
    tiny=Sizes(n_latent=(2, 8), epochs=(), trials=6, steps=6, basin_trials=4, levels=5, basin_steps=30,
               settle=30, max_iter=15, hopfield_units=60, memory_starts=2,
               hopfield_patterns=((3, 5, 0.2, 0.35), (3, 5, 0.2, 0.6)), k_nearest=5, n_random=64),
    quick=Sizes(n_latent=(2, 5, 6, 10, 20, 100), epochs=(1, 10, 100), trials=20, steps=80, basin_trials=10,
                levels=11, basin_steps=500, settle=200, max_iter=100, hopfield_units=500, memory_starts=2,
                hopfield_patterns=((5, 5, 0.2, 0.35), (5, 30, 0.2, 0.6)), n_memories=5000),
    paper=Sizes(n_latent=(2, 5, 6, 10, 20, 100), epochs=(), trials=100, steps=80, basin_trials=50,
                levels=21, basin_steps=1000, settle=1000, max_iter=400, hopfield_units=1000, memory_starts=5,
                hopfield_patterns=((5, 5, 0.2, 0.35), (5, 30, 0.2, 0.6))),
)


# ------------------------------------------------------------------------------- measure


def _settle(subject: Any, z: np.ndarray, steps: int) -> np.ndarray:
    """``steps`` steps of repeated inference from each row of ``z``."""
    F = fp.inference_map(subject)
    with torch.inference_mode():
        s = torch.as_tensor(np.asarray(z, dtype=np.float32), device=subject.device)
        for _ in range(steps):
            s = F(s)
    return s.cpu().numpy()


def _abs_cos(v: np.ndarray, directions: np.ndarray) -> float:
    """Mean over the rows of ``directions`` of |⟨d, v⟩| / ‖d‖ (v a unit, possibly complex, vector)."""
    d = directions.astype(np.float64)
    norm = np.linalg.norm(d, axis=1)
    keep = norm > 0
    return float(np.mean(np.abs(d[keep] @ np.conj(v)) / norm[keep])) if keep.any() else float("nan")


def _points(subject: Any, hier: ConceptHierarchy, sizes: Sizes) -> xr.Dataset:
    """Fixed/slow points from the concepts and the abstract concept, classified by ``hier``."""
    starts = fp.starts_from(hier, memories=0)
    return fp.find_fixed_points(subject, starts, tol=sizes.tol, max_iter=sizes.max_iter, hierarchy=hier,
                                radius=RADIUS, progress=PROGRESS.get())


def _nearest_to_concepts(pts: xr.Dataset, hier: ConceptHierarchy) -> tuple[np.ndarray, np.ndarray]:
    """For each concept, the index of the nearest fixed or slow point and its distance (−1, inf if none)."""
    usable = np.flatnonzero(pts["kind"].values != "unconverged")
    con = hier.concept.values.astype(np.float64)
    if not len(usable):
        return np.full(len(con), -1), np.full(len(con), np.inf)
    z = pts["z"].values[usable].astype(np.float64)
    d = np.linalg.norm(z[None] - con[:, None], axis=-1)  # (label, point)
    j = d.argmin(1)
    return usable[j], d[np.arange(len(con)), j]


def _concept_points(subject: Any, hier: ConceptHierarchy, sizes: Sizes, seed: int, settle: int = 0) -> xr.Dataset:
    """Per label: the fixed or slow point nearest the concept, its spectrum and alignment; with
    ``settle`` > 0 the state after that many steps of inference from the concept (else NaN)."""
    con = hier.concept
    labels = con["label"].values
    settled = _settle(subject, con.values, settle) if settle else np.empty((0, con.sizes["unit"]), np.float32)
    pts = _points(subject, hier, sizes)
    spread = float(pts.attrs["spread"])
    idx, dist = _nearest_to_concepts(pts, hier)
    found = idx >= 0
    at = pts["z"].values[np.where(found, idx, 0)]
    spec = fp.jacobian_spectrum(subject, np.concatenate([at, settled]), eigenvectors=1, progress=False)
    n = len(labels)
    lead = spec["eigvec_real"].values[:n, 0] + 1j * spec["eigvec_imag"].values[:n, 0]
    mem = hier.memory.values.astype(np.float64)
    rng = np.random.default_rng(seed)
    random_dirs = rng.standard_normal((sizes.n_random, mem.shape[1]))
    k = min(sizes.k_nearest, len(mem))
    cos = np.full((n, 3), np.nan)
    for i in range(n):
        if not found[i]:
            continue
        zi = at[i].astype(np.float64)
        nearest = np.argsort(((mem - zi) ** 2).sum(1))[:k]
        others = rng.choice(len(mem), size=k, replace=False)
        cos[i] = (_abs_cos(lead[i], mem[nearest] - zi), _abs_cos(lead[i], random_dirs),
                  _abs_cos(lead[i], mem[others] - zi))
    nan = np.full(n, np.nan)
    settled_speed, settled_distance, settled_unstable = nan, nan, np.full(n, -1)
    if settle:
        F = fp.inference_map(subject)
        with torch.inference_mode():
            s = torch.as_tensor(settled, device=subject.device)
            settled_speed = (F(s) - s).norm(dim=1).double().cpu().numpy()
        settled_distance = np.linalg.norm(settled - con.values, axis=1) / spread
        settled_unstable = spec["n_unstable"].values[n:]

    def pick(name: str, fill: Any) -> np.ndarray:
        values = pts[name].values[np.where(found, idx, 0)]
        return np.where(found, values, fill)

    net_sha = getattr(subject, "sha256", None) or subject.describe().get("network_sha256", "")
    return xr.Dataset(
        {"distance": ("label", dist / spread), "kind": ("label", pick("kind", "none").astype(str)),
         "q": ("label", pick("q", np.nan)),
         "n_unstable": ("label", np.where(found, spec["n_unstable"].values[:n], -1)),
         "spectral_radius": ("label", np.where(found, spec["spectral_radius"].values[:n], np.nan)),
         "cos_nearest": ("label", cos[:, 0]), "cos_random": ("label", cos[:, 1]),
         "cos_memories": ("label", cos[:, 2]),
         "settled_distance": ("label", settled_distance), "settled_speed": ("label", settled_speed),
         "settled_n_unstable": ("label", settled_unstable),
         "spread": spread, "n_points": int(pts.sizes["point"]), "n_unconverged": int(pts.attrs["n_unconverged"]),
         "network_sha256": str(net_sha)},
        coords={"label": labels.astype(np.int64)})


def _trajectories(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """Fig. 2's protocol with the speed of every recorded state beside the distance to the own concept."""
    labels = [int(v) for v in ctx.hierarchy.concept["label"].values]
    stim = Stimulus.from_dataset(ctx.data, label=labels, n=trials_for(ctx, labels, sizes.trials),
                                 noise=PixelSwap(sizes.p, mode=sizes.mode), seed=ctx.profile.seed)
    rec = run(ctx.network, stim, steps=sizes.steps, progress=PROGRESS.get())
    d = na.distance(rec.latent, ctx.hierarchy.concept).transpose("trial", "time")
    sp = fp.speed(rec, ctx.network, progress=False).transpose("trial", "time")
    coords = {"trial_label": ("trial", np.asarray(d["label"].values)), "time": d["time"].values}
    return xr.Dataset({"distance": (("trial", "time"), d.values.astype(np.float32)),
                       "speed": (("trial", "time"), sp.values.astype(np.float32))}, coords=coords)


def _basins(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """Fig. 4's protocol run for ``basin_steps`` steps: each end state's distance to the three levels."""
    stim = Stimulus.from_dataset(ctx.data, label=sizes.label, n=trials_for(ctx, sizes.label, sizes.basin_trials),
                                 noise=PixelSwap(noise_grid(sizes.levels), mode=sizes.mode), seed=ctx.profile.seed)
    rec = run(ctx.network, stim, steps=sizes.basin_steps, probe=Probe(["latent"], every=sizes.basin_steps),
              progress=PROGRESS.get())
    end = rec.latent.isel(time=[-1])
    mins = na.min_distances(end, ctx.hierarchy)
    sp = fp.speed(end.isel(time=0), ctx.network, progress=False)
    out = xr.Dataset({f"end_{k}": ("basin_trial", mins[k].values.astype(np.float64)) for k in _LEVELS})
    return out.assign(end_speed=("basin_trial", sp.values.astype(np.float64))).assign_coords(
        noise=("basin_trial", np.asarray(mins["noise"].values, dtype=np.float64)))


def _hopfield(kind: str, sizes: Sizes, device: Any, seed: int) -> xr.Dataset:
    """One Hopfield subject: the points from its memories, concepts and abstract concept."""
    k, m, b1, b2 = sizes.hopfield_patterns[list(HOPFIELD).index(kind)]
    pats = HierarchicalPatterns(sizes.hopfield_units, k, m, b1, b2, seed=seed)
    cls, options = HOPFIELD[kind]
    subject = cls.from_patterns(pats, device=device, **options)
    hier = pats.hierarchy("centroid")
    starts = fp.starts_from(hier, memories=min(sizes.memory_starts, m), seed=seed)
    pts = fp.find_fixed_points(subject, starts, tol=sizes.tol, max_iter=sizes.max_iter, hierarchy=hier,
                               radius=RADIUS, progress=PROGRESS.get())
    spread = float(pts.attrs["spread"])
    spec = fp.jacobian_spectrum(subject, pts, progress=False)
    is_mem = starts["origin"].values == "memory"
    ended = pts["point_of_start"].values[is_mem]
    own = hier.memory.sel(sample=starts["origin_index"].values[is_mem]).values.astype(np.float64)
    d_own = np.linalg.norm(pts["z"].values[ended].astype(np.float64) - own, axis=1) / spread
    idx, dist = _nearest_to_concepts(pts, hier)
    found = idx >= 0
    j = np.where(found, idx, 0)
    mem_labels = hier.memory.sel(sample=starts["origin_index"].values[is_mem])["label"].values
    return xr.Dataset(
        {"memory_label": ("memory", mem_labels.astype(np.int64)),
         "memory_kind": ("memory", pts["kind"].values[ended].astype(str)),
         "memory_q": ("memory", pts["q"].values[ended]), "memory_distance": ("memory", d_own),
         "memory_radius": ("memory", spec["spectral_radius"].values[ended]),
         "distance": ("label", dist / spread), "kind": ("label", np.where(found, pts["kind"].values[j], "none")),
         "q": ("label", np.where(found, pts["q"].values[j], np.nan)),
         "n_unstable": ("label", np.where(found, spec["n_unstable"].values[j], -1)),
         "spectral_radius": ("label", np.where(found, spec["spectral_radius"].values[j], np.nan)),
         "spread": spread, "n_points": int(pts.sizes["point"]), "subject": repr(subject),
         "patterns": str(pats.describe())},
        coords={"label": hier.concept["label"].values.astype(np.int64)})


def _prefixed(ds: xr.Dataset, prefix: str, dims: dict[str, str] | None = None) -> xr.Dataset:
    """``ds`` with its data variables renamed ``<prefix><name>`` and the ``dims`` (and their coordinates) renamed."""
    out = ds.rename({v: f"{prefix}{v}" for v in ds.data_vars})
    dims = dims or {}
    out = out.rename({k: v for k, v in dims.items() if k in out.variables})
    return out.rename_dims({k: v for k, v in dims.items() if k in out.dims})


def measure(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """Concept points across the zoo and training; speed along Fig. 2's trajectories; basins; Hopfield."""
    reference = ctx.profile.n_latent
    if reference not in sizes.n_latent:
        msg = f"sizes.n_latent {sizes.n_latent} must contain the profile's Nz = {reference} (the paper's VAE)."
        raise ValueError(msg)
    seed = ctx.profile.seed
    done: dict[str, xr.Dataset] = {}
    zoo = []
    for nz in sizes.n_latent:
        sub = ctx.subject(n_latent=nz, seed=0)
        res = _concept_points(sub.network, sub.hierarchy, sizes, seed, sizes.settle if nz == reference else 0)
        done.setdefault(str(sub.network.sha256), res)
        zoo.append(res.expand_dims(n_latent=[int(nz)]))
    dev = []
    for epoch, net in development_checkpoints(ctx.profile, ctx.device, (ctx.train, ctx.test)):
        if sizes.epochs and epoch not in sizes.epochs:
            continue
        res = done.get(str(net.sha256))
        if res is None:
            data = ctx.data if not sizes.n_memories else ctx.data.select(
                n=min(sizes.n_memories, len(ctx.data)), seed=0)
            res = _concept_points(net, ConceptHierarchy.from_network(net, data), sizes, seed)
        dev.append(res.expand_dims(epoch=[int(epoch)]))
    hop = [_hopfield(kind, sizes, ctx.network.device, seed).expand_dims(hopfield=[kind]) for kind in HOPFIELD]
    hop_ds = xr.concat(hop, "hopfield", coords="minimal", compat="override")
    out = xr.merge([
        _prefixed(xr.concat(zoo, "n_latent", coords="minimal", compat="override"), "zoo_"),
        _prefixed(xr.concat(dev, "epoch", coords="minimal", compat="override"), "dev_"),
        _trajectories(ctx, sizes), _basins(ctx, sizes),
        _prefixed(hop_ds, "hop_", {"label": "hop_label", "memory": "hop_memory"}),
    ], compat="override", join="outer")
    out.attrs.update({"reference_n_latent": int(reference), "p": sizes.p, "mode": sizes.mode, "steps": sizes.steps,
                      "label": sizes.label, "basin_steps": sizes.basin_steps, "settle": sizes.settle,
                      "max_iter": sizes.max_iter, "tol": sizes.tol, "k_nearest": sizes.k_nearest,
                      "n_random": sizes.n_random, "hopfield_units": sizes.hopfield_units,
                      "n_memories": sizes.n_memories or "all", "training": ctx.profile.training()})
    return out


# ------------------------------------------------------------------------------- reading the dataset


def categories(sub: Mapping[str, Any], radius: float) -> np.ndarray:
    """Per label what the concept is: ``saddle`` (a fixed point within ``radius`` spreads with ≥ 1
    unstable direction), ``stable`` (a fixed point there without one), ``slow`` (a slow point there),
    ``none`` (no fixed or slow point within ``radius``). ``sub``: one subject's per-label
    ``distance``, ``kind`` and ``n_unstable`` (:func:`subject_part`)."""
    near = np.asarray(sub["distance"], dtype=np.float64) <= radius
    kind = np.asarray(sub["kind"]).astype(str)
    unstable = np.asarray(sub["n_unstable"]) >= 1
    out = np.where(kind == "slow", "slow", np.where(unstable, "saddle", "stable"))
    return np.where(near & (kind != "none"), out, "none")


def saddle_like(sub: Mapping[str, Any], radius: float) -> np.ndarray:
    """Per label: the nearest point lies within ``radius`` spreads and has ≥ 1 unstable direction."""
    return ((np.asarray(sub["distance"], dtype=np.float64) <= radius) & (np.asarray(sub["n_unstable"]) >= 1)
            & (np.asarray(sub["kind"]).astype(str) != "none"))


def subject_part(ds: xr.Dataset, prefix: str, **sel: Any) -> dict[str, np.ndarray]:
    """One subject's variables (``prefix`` ``zoo_``, ``dev_`` or ``hop_``; ``sel``: one value of its
    dim) as numpy arrays, without the prefix, with ``label`` (numpy, not xarray: the bootstrap calls the
    claims hundreds of times)."""
    (dim, value), = sel.items()
    i = int(np.flatnonzero(ds[dim].values == value)[0])
    out = {}
    for name in ds.data_vars:
        if str(name).startswith(prefix):
            da = ds[name]
            arr = da.values
            out[str(name)[len(prefix):]] = np.take(arr, i, axis=da.dims.index(dim)) if dim in da.dims else arr
    out["label"] = ds["hop_label" if prefix == "hop_" else "label"].values
    return out


def _enough(k: int, n: int) -> bool:
    """``k`` of ``n`` is at least :data:`SHARE` (8 of 10)."""
    return n > 0 and k >= math.ceil(SHARE * n - 1e-9)


def basin_table(ds: xr.Dataset) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(p values, majority basin per p, fraction of trials in each basin (p, level)); ties → finer level."""
    d = np.stack([ds[f"end_{lvl}"].values for lvl in _LEVELS], axis=1)
    basin = d.argmin(1)
    noise = ds["noise"].values
    ps = np.unique(noise)
    frac = np.array([[np.mean(basin[noise == p] == i) for i in range(len(_LEVELS))] for p in ps])
    majority = [_LEVELS[int(np.argmax(row))] for row in frac]
    return ps, majority, frac


def speed_times(ds: xr.Dataset) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(labels, t_speed, t_min) per label: the first argmin over t of the mean speed and of the mean
    distance-to-concept curve (Fig. 2's t_min, as :func:`neurogen.analysis.returns_to_concept` reads it)."""
    labels = ds["trial_label"].values
    keys = np.unique(labels)
    t = ds["time"].values
    speed, dist = ds["speed"].values, ds["distance"].values
    t_speed = np.array([t[int(np.argmin(speed[labels == k].mean(0)))] for k in keys])
    t_min = np.array([t[int(np.argmin(dist[labels == k].mean(0)))] for k in keys])
    return keys, t_speed, t_min


# ------------------------------------------------------------------------------- figure


def _log_ticks(axis: Any) -> None:
    """Ticks at 1, 2, 5 × 10^k labelled as plain numbers (no minor labels crowding a short log axis)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0), numticks=12))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def _legend_below(ax: Any, ncol: int = 3, offset: float = -0.2) -> None:
    """The panel's legend under its x label, off the data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, offset), ncol=ncol, frameon=False)


def plot(ds: xr.Dataset) -> Any:
    """(a) concept to nearest point; (b) speed and distance over t; (c) alignment; (d) basins; (e–g) categories.

    Drawn for the report's page (:data:`~neurogen.studies._common.FIG_WIDTH` wide, texts of at least
    10 pt): four rows of two panels, titles wrapped, legends under their axes.
    """
    import matplotlib.pyplot as plt

    ref = int(ds.attrs["reference_n_latent"])
    main = subject_part(ds, "zoo_", n_latent=ref)
    labels = main["label"]
    fig, axes = plt.subplots(4, 2, figsize=(FIG_WIDTH, 19.0), layout="constrained")
    ax = axes[0, 0]
    colors = {"fixed": "C0", "slow": "C1", "none": "gray"}
    kinds = main["kind"].astype(str)
    ax.bar(labels, main["distance"], color=[colors.get(k, "gray") for k in kinds])
    for x, y, u in zip(labels, main["distance"], main["n_unstable"]):
        ax.text(x, y, f"{int(u)}", ha="center", va="bottom", fontsize=10)
    ax.bar(labels, main["settled_distance"], fill=False, edgecolor="k", ls="--", lw=0.8)
    ax.axhline(RADIUS, color="C3", ls=":", lw=1)
    ax.set_xticks(labels)
    ax.set_xlabel("label")
    ax.set_ylabel("distance from the concept\n(spreads)")
    ax.set_title(f"(a) Nz = {ref}: nearest point (blue fixed, orange slow;\nnumber: unstable directions); "
                 f"dashed: state\nafter {ds.attrs['settle']} steps from the concept", fontsize=10)
    ax = axes[0, 1]
    keys, t_speed, t_min = speed_times(ds)
    lab = ds["trial_label"].values
    twin = ax.twinx()
    for i, k in enumerate(keys):
        ax.plot(ds["time"], ds["speed"].values[lab == k].mean(0), color=f"C{i % 10}", lw=1)
        twin.plot(ds["time"], ds["distance"].values[lab == k].mean(0), color=f"C{i % 10}", lw=0.7, ls=":")
        ax.plot(t_speed[i], ds["speed"].values[lab == k].mean(0)[list(ds["time"].values).index(t_speed[i])], "v",
                color=f"C{i % 10}", ms=5)
        twin.axvline(t_min[i], color=f"C{i % 10}", lw=0.5, alpha=0.5)
    ax.set_yscale("log")
    ax.set_xlabel("inference step t")
    ax.set_ylabel("mean speed ||F(z) − z||\n(solid, ▼ argmin)")
    twin.set_ylabel("mean distance to the concept\n(dotted; lines: t_min)")
    ax.set_title(f"(b) speed along Fig. 2's trajectories\n(p = {ds.attrs['p']}, {ds.attrs['mode']})", fontsize=10)
    ax = axes[1, 0]
    width = 0.27
    for j, (name, text) in enumerate((("cos_nearest", "nearest memories"), ("cos_memories", "random memories"),
                                      ("cos_random", "random directions"))):
        ax.bar(labels + (j - 1) * width, main[name], width, label=text)
    ax.set_xticks(labels)
    ax.set_xlabel("label")
    ax.set_ylabel("mean |cos| with the\nleading eigenvector")
    _legend_below(ax)
    ax.set_title(f"(c) Nz = {ref}: where the leading direction\nat the concept's point points", fontsize=10)
    ax = axes[1, 1]
    ps, majority, frac = basin_table(ds)
    for i, lvl in enumerate(_LEVELS):
        ax.plot(ps, frac[:, i], "o-", color={"memory": "C2", "concept": "C1", "abstract": "C0"}[lvl], label=lvl)
    ax.set_xlabel("noise fraction p")
    ax.set_ylabel("fraction of end states\nnearest the level")
    ax.set_ylim(-0.03, 1.03)
    _legend_below(ax)
    ax.set_title(f"(d) basins after T = {ds.attrs['basin_steps']} steps,\nnoisy '{ds.attrs['label']}'s", fontsize=10)
    for ax, prefix, dim, tag in ((axes[2, 0], "zoo_", "n_latent", "(e) across Nz"),
                                 (axes[2, 1], "dev_", "epoch", "(f) across training (Nz = 100)")):
        values = [int(v) for v in ds[dim].values]
        counts = np.array([[np.sum(categories(subject_part(ds, prefix, **{dim: v}), RADIUS) == c)
                            for c in CATEGORIES] for v in values])
        bottom = np.zeros(len(values))
        for i, c in enumerate(CATEGORIES):
            ax.bar(range(len(values)), counts[:, i], bottom=bottom, label=c, color=f"C{i}")
            bottom += counts[:, i]
        ax.set_xticks(range(len(values)), values)
        ax.set_xlabel(dim.replace("n_latent", "Nz"))
        ax.set_ylabel("labels")
        _legend_below(ax, ncol=len(CATEGORIES))
        ax.set_title(f"{tag}: what the concept is\n(within {RADIUS:g} spread)", fontsize=10)
    ax = axes[3, 0]
    for i, kind in enumerate(ds["hopfield"].values):
        h = subject_part(ds, "hop_", hopfield=kind)
        ax.plot(np.arange(len(h["memory_distance"])) + 0.1 * i, h["memory_distance"], "o", color=f"C{i}",
                label=f"{kind}: memory starts")
        ax.plot(len(h["memory_distance"]) + 1 + np.arange(len(h["distance"])) + 0.1 * i, h["distance"], "s",
                color=f"C{i}", mfc="none", label=f"{kind}: concepts")
    ax.axhline(RADIUS, color="C3", ls=":", lw=1)
    ax.set_xlabel("memory starts | concepts")
    ax.set_ylabel("distance (spreads)")
    _legend_below(ax, ncol=2)
    ax.set_title(f"(g) Hopfield subjects (N = {ds.attrs['hopfield_units']}): end point of\neach memory start "
                 "to its memory; concept to\nits nearest point", fontsize=10)
    ax = axes[3, 1]
    for prefix, dim, marker in (("zoo_", "n_latent", "o-"), ("dev_", "epoch", "s--")):
        values = [int(v) for v in ds[dim].values]
        med = [float(np.median(subject_part(ds, prefix, **{dim: v})["distance"])) for v in values]
        ax.plot(values, med, marker, label=f"by {dim.replace('n_latent', 'Nz')}")
    ax.axhline(RADIUS, color="C3", ls=":", lw=1)
    ax.set_xscale("log")
    _log_ticks(ax.xaxis)
    ax.set_xlabel("Nz (zoo) or epoch (training)")
    ax.set_ylabel("median over labels (spreads)")
    _legend_below(ax, ncol=2)
    ax.set_title("(h) distance from the concept\nto its nearest point", fontsize=10)
    fig.suptitle(f"attractors of repeated inference; {ds.attrs['training']}", fontsize=11)
    return fig


# ------------------------------------------------------------------------------- claims


def claims(ds: xr.Dataset) -> list[Claim]:
    """The seven hypotheses of the module docstring, each by its rule."""
    r, w, c = param(RADIUS), param(WINDOW), param(RATIO)
    ref = int(ds.attrs["reference_n_latent"])
    mode = str(ds.attrs["mode"])
    subject = f"Nz = {ref}, seed 0; {ds.attrs['training']}"
    main = subject_part(ds, "zoo_", n_latent=ref)
    labels = [int(v) for v in main["label"]]
    n = len(labels)
    out = []

    dist = main["distance"]
    kinds = main["kind"].astype(str)
    ok1 = bool(np.all((dist <= r) & (kinds != "none")))
    text = ", ".join(f"{lab}: {d:.2f} {k} (q = {q:.1e}, {int(u)} unstable)" for lab, d, k, q, u in
                     zip(labels, dist, kinds, main["q"], main["n_unstable"]))
    settled = ", ".join(f"{v:.2f}" for v in main["settled_distance"])
    out.append(Claim(NAME, "H1: a fixed or slow point lies within 0.5 spread of every concept (Nz = 100)",
                     "not in the paper (its concept-first transient read as a slow point)",
                     f"nearest point per label, distance in spreads (s = {float(main['spread']):.3f}): {text}; states "
                     f"after {ds.attrs['settle']} steps from each concept at {settled} spreads",
                     verdict(ok1), f"for every label the nearest fixed or slow point is within r = {r:g} spread "
                                   "(s = median memory-to-concept distance) of the concept", subject))

    keys, t_speed, t_min = speed_times(ds)
    hits = np.abs(t_speed - t_min) <= w
    out.append(Claim(NAME, "H2: repeated inference is slowest where it passes the concept (speed minimal at t_min)",
                     "not in the paper (Fig. 2's minimum read as a slow passage)",
                     f"within the window in {int(hits.sum())} of {len(keys)} labels; (t_speed, t_min): "
                     + ", ".join(f"{int(k)}: ({int(a)}, {int(b)})" for k, a, b in zip(keys, t_speed, t_min)),
                     verdict(_enough(int(hits.sum()), len(keys))),
                     f"|argmin_t mean speed − t_min of the mean distance-to-concept curve| ≤ w = {w:g} steps in "
                     f"≥ {SHARE:.0%} of the labels", subject, mode))

    unstable = (main["n_unstable"] >= 1) & (kinds != "none")
    out.append(Claim(NAME, "H3a: the point nearest each concept has an unstable direction (a saddle)",
                     "not in the paper (approach, then leave: a saddle)",
                     f"≥ 1 unstable direction in {int(unstable.sum())} of {n} labels; per label: "
                     + ", ".join(f"{lab}: {int(u)} (|λ|max {rho:.3f})" for lab, u, rho in
                                 zip(labels, main["n_unstable"], main["spectral_radius"])),
                     verdict(_enough(int(unstable.sum()), n)),
                     f"the point nearest the concept has ≥ 1 eigenvalue |λ| > 1 of dF/dz in ≥ {SHARE:.0%} of the "
                     "labels", subject))
    cn, cr, cm = (main[k] for k in ("cos_nearest", "cos_random", "cos_memories"))
    aligned = (cn >= c * cr) & unstable
    m = int(unstable.sum())
    text = ", ".join(f"{lab}: {a:.2f} vs {b:.2f} (random memories {x:.2f})" for lab, a, b, x, u in
                     zip(labels, cn, cr, cm, unstable) if u)
    out.append(Claim(NAME, "H3b: the leading unstable direction at the concept points at the nearest memories",
                     "not in the paper (the way out of the concept leads to memories)",
                     (f"aligned in {int(aligned.sum())} of {m} labels with an unstable direction; mean |cos| nearest "
                      f"memories vs random directions: {text}") if m else "no label has an unstable direction",
                     verdict(_enough(int(aligned.sum()), m) if m else None),
                     f"mean |cos| with the directions to the {ds.attrs['k_nearest']} nearest memories ≥ c = {c:g} × "
                     f"that with {ds.attrs['n_random']} random directions, in ≥ {SHARE:.0%} of the labels with an "
                     "unstable direction; not measured if none", subject))

    ps, majority, frac = basin_table(ds)
    runs = [b for i, b in enumerate(majority) if i == 0 or b != majority[i - 1]]
    order = [_LEVELS.index(b) for b in runs]
    ok4 = order == [0, 1, 2]
    near = float(np.median(np.min([ds[f"end_{lvl}"].values for lvl in _LEVELS], axis=0)) / float(main["spread"]))
    table = ", ".join(f"{p:g}: {b} ({f.max():.0%})" for p, b, f in zip(ps, majority, frac))
    out.append(Claim(NAME, "H4: Fig. 4's stages are basins: the end state's basin runs memory → concept → abstract "
                           "as p grows",
                     "stages I → II → III (Fig. 4, minimum over t ≤ 80)",
                     f"majority basin by p after T = {ds.attrs['basin_steps']}: {table}; runs {' → '.join(runs)}; "
                     f"median distance of an end state to its nearest level {near:.2f} spreads; median end speed "
                     f"{float(np.median(ds['end_speed'].values)):.1e}",
                     verdict(ok4), "each trial's basin = the nearest of its memory, concept and the abstract concept "
                                   "at T; the majority basin per p (ties: finer) over increasing p runs memory → "
                                   "concept → abstract, all present, never going back", subject, mode))

    nzs = [int(v) for v in ds["n_latent"].values]
    per = {nz: subject_part(ds, "zoo_", n_latent=nz) for nz in nzs}
    sl = {nz: saddle_like(per[nz], r) for nz in nzs}
    is_saddle = {nz: _enough(int(sl[nz].sum()), int(sl[nz].size)) for nz in nzs}
    large, small = [is_saddle[z] for z in nzs if z >= 10], [is_saddle[z] for z in nzs if z <= 5]
    ok5 = (all(large) and not any(small)) if large and small else None

    def counts(sub: xr.Dataset) -> str:
        cat = categories(sub, r)
        return ", ".join(f"{int((cat == k).sum())} {k}" for k in CATEGORIES if (cat == k).any())

    zoo_text = "; ".join(f"Nz = {nz}: saddle-like in {int(sl[nz].sum())} of {sl[nz].size} ({counts(per[nz])})"
                         for nz in nzs)
    out.append(Claim(NAME, "H5: the concept is a saddle for Nz ≥ 10 and not for Nz ≤ 5 (as Fig. 6's approach)",
                     "approach to the concept for Nz = 10, 20, 100, none for Nz = 2, 5 (Fig. 6)", zoo_text,
                     verdict(ok5),
                     f"saddle-like (nearest point within r = {r:g} spread, ≥ 1 unstable direction) in "
                     f"≥ {SHARE:.0%} of the labels for every Nz ≥ 10 and in fewer for every Nz ≤ 5; not measured "
                     "unless both groups are in the zoo",
                     f"Nz = {', '.join(map(str, nzs))} at seed 0; {ds.attrs['training']}"))

    epochs = [int(v) for v in ds["epoch"].values]
    dev = {e: saddle_like(subject_part(ds, "dev_", epoch=e), r) for e in epochs}
    oks = [_enough(int(dev[e].sum()), int(dev[e].size)) for e in epochs]
    onset = next((e for i, e in enumerate(epochs) if all(oks[i:])), None)
    dev_text = "; ".join(f"epoch {e}: saddle-like in {int(dev[e].sum())} of {dev[e].size} "
                         f"({counts(subject_part(ds, 'dev_', epoch=e))})" for e in epochs)
    out.append(Claim(NAME, "H6: the saddle at the concept forms during training",
                     "not in the paper", f"onset epoch {onset}; {dev_text}",
                     verdict(onset is not None and onset != epochs[0]),
                     f"onset = first kept checkpoint from which every later one is saddle-like (r = {r:g}) in ≥ "
                     f"{SHARE:.0%} of the labels; holds if there is one and it is not the first checkpoint",
                     f"one training run, checkpoints at epochs {', '.join(map(str, epochs))}; "
                     f"{ds.attrs['training']}"))

    for kind in [str(v) for v in ds["hopfield"].values]:
        h = subject_part(ds, "hop_", hopfield=kind)
        good = ((h["memory_kind"].astype(str) == "fixed") & (h["memory_distance"] <= r)
                & (h["memory_radius"] < 1))
        cat = categories(h, r)
        concept_text = ", ".join(f"{int(lab)}: {k} ({d:.2f} spread, {int(u)} unstable)" for lab, k, d, u in
                                 zip(h["label"], cat, h["distance"], h["n_unstable"]))
        out.append(Claim(
            NAME, f"H7: {kind}: the stored patterns are stable fixed points",
            "theory: stored patterns are fixed points (Hopfield 1982; Ramsauer et al. 2020 for separated patterns)",
            f"{int(good.sum())} of {good.size} memory starts end on a stable fixed point at their memory (max "
            f"distance {float(np.max(h['memory_distance'])):.3f} spread, max q "
            f"{float(np.max(h['memory_q'])):.1e}, "
            f"max spectral radius {float(np.max(h['memory_radius'])):.3f}); concepts: {concept_text}",
            verdict(bool(good.all())),
            f"every memory start ends on a fixed point (q < {float(ds.attrs['tol']):g}) within r = {r:g} spread of "
            "its own memory with spectral radius < 1", f"{h['subject']} storing {h['patterns']}"))
    return out
