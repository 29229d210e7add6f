"""Representational geometry of repeated inference: RDM movie, CKA across subjects, dimensionality, generalisation.

Protocol (not in the paper; the population-level view of its dynamics). ``per_label`` training
images of every label, each presented ``repeats`` times under independent pixel swaps, at each
noise fraction p in ``noise`` (one recording per p; T = ``steps``), on the profile's VAE:

* **RDM movie**: at every step the representational dissimilarity matrix of all trials
  (:func:`neurogen.analysis.rdm`, rsatoolbox's squared Euclidean distance / Nz), compared
  (Spearman's ρ, :func:`neurogen.analysis.compare_rdms`) with the hierarchy's categorical model
  RDMs (:func:`neurogen.analysis.model_rdms`): ``identity`` (the same source image: the memory
  level), ``class`` (the same label: the concept level) and ``abstract`` (every trial alike:
  constant, so its ρ is undefined and reported as NaN). The frames at ``frames`` are kept.
* **CKA**: the same stimulus at p = ``cka_noise`` presented to the three Nz = 100 subjects of
  ``seeds`` (the same architecture and training, other initialisations: the noise ceiling of
  how alike two subjects can be) and to the zoo's subjects of the other Nz in ``n_latent`` at
  seed 0; linear CKA over the trials at each step (:func:`neurogen.analysis.cka`) between every
  pair of seeds, and between each other Nz and the profile's Nz at seed 0.
* **Dimensionality**: the participation ratio of the memories ξ(i) of every subject in
  ``n_latent`` (seed 0), on ``n_memories`` randomly chosen training images (0: all), bias-corrected
  for the finite sample, with a ``n_boot``-resample bootstrap interval
  (:func:`neurogen.analysis.participation_ratio`).
* **Temporal generalisation**: nearest-centroid decoders of the label and of the identity
  (source image) trained at step t and tested at every t′, stratified ``cv``-fold
  (:func:`neurogen.analysis.temporal_generalization`).

Hypotheses and the rules of their verdicts, fixed before the study was first run:

1. *Class structure peaks before identity structure.* At each p, the step at which ρ(class)
   peaks (the first step within ``tol`` = 0.02 of its maximum, :func:`neurogen.analysis.peak_time`)
   is strictly earlier than the step at which ρ(identity) peaks. Holds if so at every p.
2. *Inference builds class structure.* At each p, max_t ρ(class)(t) − ρ(class)(0) ≥ 0.05 (the
   RDM counterpart of Fig. 2's approach to the concept). Holds if so at every p.
3. *Subjects of different seeds are more alike than subjects of different Nz.* For each other
   Nz, the CKA between it and the profile's Nz (seed 0), averaged over steps, is below the
   noise ceiling: the smallest over the seed pairs of their CKA averaged over steps. One
   verdict per Nz, combined over the Nz (holds, fails, or holds for some).
4. *The memories use far fewer dimensions than the largest latent space offers.* For the
   largest Nz, the upper end of the bootstrap interval of the corrected participation ratio is
   below Nz / 2.
5. *The memories' dimensionality grows with Nz.* Spearman's ρ between Nz and the corrected
   participation ratio over the subjects is ≥ 0.8.
6. *The category code is more stable over inference time than the identity code.* At each p,
   the generalisation index G = mean over t ≠ t′ of (accuracy − chance) / mean over t of
   (accuracy(t, t) − chance) is larger for the label decoder than for the identity decoder.
   A p at which either decoder's mean diagonal accuracy is less than 0.05 above chance does not
   count; holds if so at every p that counts (not measured if none does).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import attrs
import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen._netcdf import describe_variables
from neurogen.engine import run
from neurogen.stimulus import PixelSwap, Stimulus
from neurogen.studies._common import FIG_WIDTH, BySize, Context, subject_coords
from neurogen.studies._measure import PROGRESS, trials_for
from neurogen.studies.claims import Claim, across, verdict

NAME = "geometry"
CAPTION = ("(Not in the paper.) Representational geometry of repeated inference. (a) RDMs of all trials at "
           "selected steps (noisy digits, one row per noise fraction p) and their rank correlation with the "
           "identity and class model RDMs over time. (b) Linear CKA over time between subjects of different "
           "seeds (the noise ceiling) and between subjects of different Nz. (c) Participation ratio of the "
           "memories for each Nz. (d) Temporal generalisation of the label and identity decoders.")

MODELS = ("identity", "class", "abstract")
DECODERS = {"label": "label", "identity": "source"}
_LONG_NAMES = {  # applied in measure: the RDM variables are missing without rsatoolbox
    "rdm_similarity": "Spearman rho between the data RDM and the model RDM",
    "rdm_frame": "RDM of all trials at one step: squared Euclidean distance / Nz (rsatoolbox)",
    "frame": "inference step of the RDM frame",
    "pattern": "trial (sorted by label, source image, repeat)",
    "pattern_other": "trial (sorted by label, source image, repeat)",
    "label_other": "digit label",
    "source_other": "index of the source image in the training split",
    "model": "model RDM (identity: same image; class: same label; abstract: all alike)",
    "constant": "the model RDM is constant (its correlation is undefined)",
    "generalization": "cross-validated accuracy of the decoder trained at train_time, tested at test_time",
    "train_time": "inference step the decoder is trained at",
    "test_time": "inference step the decoder is tested at",
    "decoder": "decoded variable (label, or identity: the source image)",
    "chance": "chance accuracy of the decoder",
    "cka_seeds": "linear CKA between two subjects of the same Nz and different seeds",
    "pair": "pair of seeds",
    "cka_n_latent": "linear CKA between the subject of this Nz and the reference Nz (seed 0)",
    "other_n_latent": "latent size Nz of the compared subject",
    "participation_ratio": "participation ratio of the memories (plug-in)",
    "corrected": "bias-corrected participation ratio of the memories",
    "ci_low": "lower end of the bootstrap interval of the corrected participation ratio",
    "ci_high": "upper end of the bootstrap interval of the corrected participation ratio",
    "n_latent": "latent size Nz",
}


@attrs.frozen
class Sizes:
    """Stimuli (images per label, repeats, p), steps, frames kept, subjects, memories and decoding.

    ``n_latent`` must contain the profile's Nz (the reference of the CKA); ``seeds`` are subjects
    of the profile's Nz.
    """

    per_label: int
    repeats: int
    steps: int
    frames: tuple[int, ...]
    seeds: tuple[int, ...]
    n_latent: tuple[int, ...]
    n_memories: int
    n_boot: int
    noise: tuple[float, ...] = (0.1, 0.2, 0.3)
    cka_noise: float = 0.2
    cv: int = 4
    mode: str = "invert"
    tol: float = 0.02
    min_gain: float = 0.05


SIZES = BySize(
    tiny=Sizes(per_label=3, repeats=4, steps=4, frames=(0, 1, 4), seeds=(0, 1), n_latent=(2, 8),
               n_memories=0, n_boot=20),
    quick=Sizes(per_label=5, repeats=4, steps=30, frames=(0, 1, 2, 5, 10, 30), seeds=(0, 1, 2),
                n_latent=(2, 5, 6, 10, 20, 100), n_memories=10000, n_boot=100),
    paper=Sizes(per_label=10, repeats=4, steps=80, frames=(0, 1, 2, 5, 10, 20, 80), seeds=(0, 1, 2),
                n_latent=(2, 5, 6, 10, 20, 100), n_memories=0, n_boot=200),
)


def _record(sub: Context, sizes: Sizes, p: float) -> xr.DataArray:
    """``sub``'s latent for the study's stimulus at p, trials sorted by (label, source, repeat)."""
    labels = sorted(int(v) for v in np.unique(sub.data.labels))
    stim = Stimulus.from_dataset(sub.data, label=labels, n=trials_for(sub, labels, sizes.per_label),
                                 noise=PixelSwap(p, mode=sizes.mode), repeats=sizes.repeats, seed=sub.profile.seed)
    lat = run(sub.network, stim, steps=sizes.steps, progress=PROGRESS.get()).latent
    order = np.lexsort((lat["repeat"].values, lat["source"].values, lat["label"].values))
    return lat.isel(trial=order).load()


def _geometry_at(lat: xr.DataArray, sizes: Sizes, seed: int) -> tuple[xr.Dataset, str | None]:
    """Temporal generalisation, RDM similarities and RDM frames of one recording, and why the RDMs are
    missing (rsatoolbox, the extra ``geometry``, not installed) or None."""
    tgs = [na.temporal_generalization(lat, target, cv=sizes.cv, seed=seed) for target in DECODERS.values()]
    decoder = xr.DataArray(list(DECODERS), dims="decoder", name="decoder")
    out = xr.Dataset({"generalization": xr.concat([t.drop_attrs() for t in tgs], decoder),
                      "chance": ("decoder", [t.attrs["chance"] for t in tgs])})
    try:
        d = na.rdm(lat)
    except ImportError as err:  # a plain install: everything else is still measured
        return out, str(err)
    sim = na.compare_rdms(d, na.model_rdms(d, list(MODELS)))
    frames = [t for t in sizes.frames if t in d["time"].values]
    keep = [c for c in ("label", "source", "label_other", "source_other") if c in d.coords]
    frame = d.sel(time=frames).rename(time="frame").reset_coords(drop=True).assign_coords(
        {c: d[c].variable for c in keep}).astype(np.float32)
    return out.assign(rdm_similarity=sim, rdm_frame=frame), None


def _memories(sub: Context, sizes: Sizes) -> xr.DataArray:
    mem = sub.hierarchy.memory
    n = mem.sizes["sample"]
    if sizes.n_memories and sizes.n_memories < n:
        pick = np.sort(np.random.default_rng(sub.profile.seed).choice(n, sizes.n_memories, replace=False))
        mem = mem.isel(sample=pick)
    return mem


def measure(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """RDM movie and generalisation per p; CKA across seeds and Nz; participation ratio per Nz."""
    reference = ctx.profile.n_latent
    if reference not in sizes.n_latent:
        msg = f"sizes.n_latent {sizes.n_latent} must contain the profile's Nz = {reference} (the CKA reference)."
        raise ValueError(msg)
    seed = ctx.profile.seed
    recordings = {p: _record(ctx, sizes, p) for p in sizes.noise}
    parts = [_geometry_at(recordings[p], sizes, seed) for p in sizes.noise]
    per_p = xr.concat([part for part, _ in parts], xr.DataArray(list(sizes.noise), dims="noise", name="noise"),
                      coords="minimal", compat="override")
    per_p["chance"] = per_p["chance"].isel(noise=0, drop=True)  # the same classes at every p

    # every subject sees the same trials (a stimulus of one noise level: the noise is seeded per trial)
    ref = recordings[sizes.cka_noise] if sizes.cka_noise in recordings else _record(ctx, sizes, sizes.cka_noise)
    by_seed = {s: ref if s == seed else _record(ctx.subject(seed=s), sizes, sizes.cka_noise) for s in sizes.seeds}
    pairs = list(combinations(sizes.seeds, 2))
    cka_seeds = xr.concat([na.cka(by_seed[a], by_seed[b]).drop_attrs() for a, b in pairs],
                          xr.DataArray([f"{a}-{b}" for a, b in pairs], dims="pair", name="pair"))
    others = [nz for nz in sizes.n_latent if nz != reference]
    cka_nz = xr.concat([na.cka(_record(ctx.subject(n_latent=nz, seed=0), sizes, sizes.cka_noise), ref).drop_attrs()
                        for nz in others], xr.DataArray(others, dims="other_n_latent", name="other_n_latent"))

    prs = []
    for nz in sizes.n_latent:
        sub = ctx.subject(n_latent=nz, seed=0)
        pr = na.participation_ratio(_memories(sub, sizes), n_boot=sizes.n_boot, seed=seed)
        prs.append(pr.drop_attrs().expand_dims(n_latent=[int(nz)]).assign_coords(subject_coords(sub, "n_latent")))
    out = xr.merge([per_p, xr.Dataset({"cka_seeds": cka_seeds, "cka_n_latent": cka_nz}), xr.concat(prs, "n_latent")],
                   compat="override", join="outer")
    out.attrs.update({"mode": sizes.mode, "steps": sizes.steps, "cka_noise": sizes.cka_noise, "tol": sizes.tol,
                      "min_gain": sizes.min_gain, "reference_n_latent": int(reference), "cv": sizes.cv,
                      "n_memories": sizes.n_memories or "all", "n_boot": sizes.n_boot,
                      "per_label": sizes.per_label, "repeats": sizes.repeats, "training": ctx.profile.training()})
    if parts[0][1]:
        out.attrs["rdm_not_measured"] = parts[0][1]
    return describe_variables(out, {k: v for k, v in _LONG_NAMES.items() if k in out.variables})


def _peak(curve: xr.DataArray, tol: float) -> float:
    return na.peak_time(curve, tol=tol)


def _generalization_index(tg: xr.DataArray, chance: float) -> tuple[float, float]:
    """(G, mean diagonal accuracy above chance) of one temporal-generalisation matrix."""
    above = tg.values - chance
    n = above.shape[0]
    diag = float(np.mean(np.diagonal(above)))
    off = float(above[~np.eye(n, dtype=bool)].mean()) if n > 1 else float("nan")
    return (off / diag if diag > 0 else float("nan")), diag


def _log_ticks(axis: Any) -> None:
    """Ticks at 1, 2, 5 × 10^k labelled as plain numbers (no minor labels crowding a short log axis)."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    axis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0), numticks=12))
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    axis.set_minor_formatter(NullFormatter())


def _legend_below(ax: Any, ncol: int = 2) -> None:
    """The panel's legend under its x label, off the data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=ncol, frameon=False)


def plot(ds: xr.Dataset) -> Any:
    """Rows: per p, RDM frames and ρ(t); last row: CKA, participation ratio, two generalisation matrices.

    Drawn for the report's page (:data:`~neurogen.studies._common.FIG_WIDTH` wide, texts of at least
    10 pt): the RDM rows share one grid (the ρ(t) panel two frames wide, its legend above the first),
    the last row another of four equal panels, legends under their axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    noises = [float(v) for v in ds.noise.values]
    frames = [int(v) for v in ds.frame.values] if "frame" in ds.dims else []
    has_rdm = "rdm_frame" in ds
    cell = min(1.9, FIG_WIDTH / (len(frames) + 2.6))  # one frame's width in inches, about
    top_h = len(noises) * (cell + 0.5) + 0.6 if has_rdm else 1.0
    bottom_h = 4.2
    fig = plt.figure(figsize=(FIG_WIDTH, top_h + bottom_h), layout="constrained")
    outer = fig.add_gridspec(2, 1, height_ratios=[top_h, bottom_h])
    top = outer[0].subgridspec(len(noises) if has_rdm else 1, len(frames) + 1,
                               width_ratios=[1] * len(frames) + [2.2])
    bottom = outer[1].subgridspec(1, 4)
    tol = float(ds.attrs["tol"])
    if not has_rdm:
        ax = fig.add_subplot(top[0, :])
        ax.axis("off")
        ax.text(0.5, 0.5, f"RDMs not measured: {ds.attrs.get('rdm_not_measured', '')}", ha="center", va="center")
    colors = {"class": "C0", "identity": "C3"}
    for r, p in enumerate(noises if has_rdm else []):
        d = ds.sel(noise=p)
        vmax = float(d["rdm_frame"].max()) or 1.0
        for c, t in enumerate(frames):
            ax = fig.add_subplot(top[r, c])
            ax.imshow(d["rdm_frame"].sel(frame=t).values, cmap="viridis", vmin=0, vmax=vmax, interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(f"t = {t}", fontsize=10)
            if c == 0:
                ax.set_ylabel(f"RDM, p = {p:g}")
        ax = fig.add_subplot(top[r, len(frames)])
        for name, color in colors.items():
            curve = d["rdm_similarity"].sel(model=name)
            ax.plot(curve.time, curve, color=color)
            ax.axvline(_peak(curve, tol), color=color, ls=":")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(f"Spearman ρ, p = {p:g}")
        if r == len(noises) - 1:
            ax.set_xlabel("inference step t")
        if r == 0:
            handles = [Line2D([], [], color=c) for c in colors.values()] + [Line2D([], [], color="k", ls=":")]
            ax.legend(handles, [*colors, "peak"], loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3,
                      frameon=False, title="RDM vs each model's RDM", handlelength=1.5, columnspacing=1.0)
    ax = fig.add_subplot(bottom[0, 0])
    ceiling = ds["cka_seeds"]
    ax.fill_between(ceiling.time, ceiling.min("pair"), ceiling.max("pair"), color="gray", alpha=0.4,
                    label="seed pairs")
    for k, nz in enumerate(ds.other_n_latent.values):
        ax.plot(ds.time, ds["cka_n_latent"].sel(other_n_latent=nz), color=f"C{k}", label=f"Nz = {int(nz)}")
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("inference step t")
    ax.set_ylabel("linear CKA")
    ax.set_title(f"CKA with Nz = {ds.attrs['reference_n_latent']}\np = {ds.attrs['cka_noise']}", fontsize=10)
    _legend_below(ax)
    ax = fig.add_subplot(bottom[0, 1])
    nzs = ds.n_latent.values
    corr = ds["corrected"].values
    ax.errorbar(nzs, corr, yerr=[corr - ds["ci_low"].values, ds["ci_high"].values - corr], fmt="o-", capsize=3,
                label="corrected")
    ax.plot(nzs, ds["participation_ratio"].values, "x", color="C1", label="plug-in")
    ax.plot(nzs, nzs, ":", color="gray", label="Nz")
    ax.set_xscale("log")
    ax.set_yscale("log")
    _log_ticks(ax.xaxis)
    _log_ticks(ax.yaxis)
    ax.set_xlabel("Nz")
    ax.set_title("participation ratio\nof the memories", fontsize=10)
    _legend_below(ax)
    mid = noises[len(noises) // 2]
    for c, decoder in enumerate(DECODERS, start=2):
        ax = fig.add_subplot(bottom[0, c])
        tg = ds["generalization"].sel(noise=mid, decoder=decoder)
        im = ax.imshow(tg.values, origin="lower", cmap="magma", vmin=float(ds["chance"].sel(decoder=decoder)),
                       vmax=1, aspect="auto")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_xlabel("test step t′")
        ax.set_ylabel("train step t")
        ax.set_title(f"{decoder} decoder, p = {mid:g}\n(accuracy; floor: chance)", fontsize=10)
        fig.colorbar(im, ax=ax, shrink=0.8)
    fig.suptitle(f"representational geometry ({ds.attrs['mode']}); {ds.attrs['training']}", fontsize=11)
    return fig


def claims(ds: xr.Dataset) -> list[Claim]:
    """The six hypotheses of the module docstring, each by its rule."""
    tol, min_gain = float(ds.attrs["tol"]), float(ds.attrs["min_gain"])
    noises = [float(v) for v in ds.noise.values]
    ref = int(ds.attrs["reference_n_latent"])
    subject = f"Nz = {ref}, seed 0; {ds.attrs['training']}"
    mode = str(ds.attrs["mode"])
    out = []

    peaks, gains = [], []
    for p in noises if "rdm_similarity" in ds else []:
        sim = ds["rdm_similarity"].sel(noise=p)
        tc, ti = _peak(sim.sel(model="class"), tol), _peak(sim.sel(model="identity"), tol)
        peaks.append((tc < ti, f"p={p:g}: class peaks at t = {tc:g} (ρ = {float(sim.sel(model='class').max()):.2f}), "
                               f"identity at t = {ti:g} (ρ = {float(sim.sel(model='identity').max()):.2f})"))
        c = sim.sel(model="class")
        gain = float(c.max()) - float(c.isel(time=0))
        gains.append((gain >= min_gain, f"p={p:g}: ρ(class) {float(c.isel(time=0)):.2f} at t = 0, "
                                        f"max {float(c.max()):.2f} (gain {gain:+.2f})"))
    for claim, results, rule in (
        ("Class structure (RDM vs the class model) peaks before identity structure (vs the identity model)", peaks,
         f"at every p, the first step within {tol:g} of the maximum Spearman ρ with the class model is strictly "
         "earlier than that with the identity model"),
        ("Inference builds class structure: the RDM's correlation with the class model rises above t = 0", gains,
         f"at every p, max_t ρ(class) − ρ(class)(0) ≥ {min_gain:g}"),
    ):
        oks = [ok for ok, _ in results]
        measured = "; ".join(text for _, text in results) + f" (holds at {sum(oks)} of {len(oks)} p)"
        if not results:
            measured = f"RDMs not measured: {ds.attrs.get('rdm_not_measured', 'no RDM data')}"
        out.append(Claim(NAME, claim, "not in the paper (its concept-then-memory dynamics, seen in the RDMs)",
                         measured, verdict(all(oks) if oks else None), rule, subject, mode))

    ceiling = float(ds["cka_seeds"].mean("time").min("pair"))
    seeds_text = ", ".join(f"{str(pair)}: {float(v):.3f}" for pair, v in
                           zip(ds.pair.values, ds["cka_seeds"].mean("time").values))
    others = [int(v) for v in ds.other_n_latent.values]
    nz_means = [float(ds["cka_n_latent"].sel(other_n_latent=nz).mean("time")) for nz in others]
    v, subjects = across([m < ceiling for m in nz_means], [f"Nz = {nz}" for nz in others])
    out.append(Claim(NAME, "Subjects of different seeds are more alike (CKA) than subjects of different Nz",
                     "not in the paper", f"mean over t of CKA between seeds: {seeds_text} (ceiling: the smallest, "
                     f"{ceiling:.3f}); with Nz = {ref}: " + ", ".join(f"Nz = {nz}: {m:.3f}"
                                                                       for nz, m in zip(others, nz_means)),
                     v, f"for each other Nz, its CKA with Nz = {ref} (seed 0) averaged over steps is below the "
                        "smallest across-seed CKA averaged over steps", subjects + f"; vs Nz = {ref}, seed 0",
                     mode))

    nzs = [int(v) for v in ds.n_latent.values]
    corrected = [float(ds["corrected"].sel(n_latent=nz)) for nz in nzs]
    text = ", ".join(f"Nz = {nz}: {float(ds['corrected'].sel(n_latent=nz)):.1f} "
                     f"[{float(ds['ci_low'].sel(n_latent=nz)):.1f}, {float(ds['ci_high'].sel(n_latent=nz)):.1f}] "
                     f"(plug-in {float(ds['participation_ratio'].sel(n_latent=nz)):.1f})" for nz in nzs)
    top = max(nzs)
    high = float(ds["ci_high"].sel(n_latent=top))
    zoo = f"Nz = {', '.join(map(str, nzs))} at seed 0; {ds.attrs['training']}"
    out.append(Claim(NAME, f"The memories use far fewer dimensions than the latent space offers (Nz = {top})",
                     "not in the paper (cf. Fig. 3: 14 active units of 100)", text,
                     verdict(high < top / 2 if np.isfinite(high) else None),
                     f"the upper end of the bootstrap interval of the corrected participation ratio at Nz = {top} "
                     f"is below Nz / 2 = {top / 2:g}", zoo))
    nz_da = xr.DataArray(nzs, dims="n_latent")
    rho = float(na.rank_correlation(nz_da, nz_da.copy(data=corrected), "n_latent")["rho"])
    out.append(Claim(NAME, "The memories' dimensionality (participation ratio) grows with Nz", "not in the paper",
                     f"{text}; Spearman ρ = {rho:.2f}", verdict(rho >= 0.8 if np.isfinite(rho) else None),
                     "Spearman's ρ between Nz and the corrected participation ratio ≥ 0.8", zoo))

    oks, texts = [], []
    for p in noises:
        g = {dec: _generalization_index(ds["generalization"].sel(noise=p, decoder=dec),
                                        float(ds["chance"].sel(decoder=dec))) for dec in DECODERS}
        text = (f"p={p:g}: G(label) = {g['label'][0]:.2f}, G(identity) = {g['identity'][0]:.2f} (diagonal above "
                f"chance {g['label'][1]:.2f}, {g['identity'][1]:.2f})")
        if min(g["label"][1], g["identity"][1]) < min_gain:
            texts.append(text + " (a decoder near chance: not counted)")
            continue
        oks.append(g["label"][0] > g["identity"][0])
        texts.append(text)
    out.append(Claim(NAME, "The category code is more stable over inference time than the identity code",
                     "not in the paper", "; ".join(texts), verdict(all(oks) if oks else None),
                     "at every p where both decoders' mean diagonal accuracy is ≥ "
                     f"{min_gain:g} above chance, G = mean_(t≠t′)(acc − chance) / mean_t(acc(t, t) − chance) is "
                     "larger for the label than for the identity (nearest centroid, "
                     f"{int(ds.attrs['cv'])}-fold); not measured if no p counts", subject, mode))
    return out
