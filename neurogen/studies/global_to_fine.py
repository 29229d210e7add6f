"""Global before fine? Information about category and identity gained over inference time.

What Sugase et al. (1999) measured: single neurons in the inferior temporal cortex of macaques,
recorded while the monkeys saw faces (monkey and human faces of several identities and
expressions) and simple shapes. For each neuron they computed, in sliding windows after stimulus
onset, the Shannon information its spike counts carried about the *global* category (face or
shape; monkey or human) and about *fine* categories (identity, expression within the faces). The
global information rose from the baseline first; the fine information arrived later (about 50 ms
on average). Matsumoto et al. (2005) reproduced this with an associative memory of hierarchically
correlated patterns, where the state approaches the mean of similar memories (the concept) before
one memory.

The analogue here (one row per subject and noise level):

* stimulus onset ↔ t = 0, the corrupted input; time after onset ↔ inference step t;
* recorded neurons ↔ latent units (the VAE's z, all Nz) or a random sample of ``recorded`` units
  of the Hopfield network (as an electrode samples a few neurons of a large population, so that
  decoding is not perfect at every t);
* global category ↔ the digit label (VAE) or the concept (Hopfield); fine category ↔ the identity
  of the source image within its label, or the memory within its concept. The class counts are
  matched (10 labels and 10 images per label; K = M = 5 concepts and memories), and every curve
  is divided by its variable's entropy, so both lie on the same 0–1 scale;
* information: decoded from the population at each step (nearest class mean, 5-fold
  cross-validation), shuffle-corrected (:func:`neurogen.analysis.decoding.information_over_time`);
  identity is decoded within each label and averaged over labels.

One difference decides the measure: IT's baseline carries no stimulus information, but z(0)
already encodes the corrupted input. So the quantity compared is the information *gained* since
t = 0, ΔI(t) = I(t) − I(0) (in units of the entropy), and its time of peak
(:func:`neurogen.analysis.decoding.peak_time`, with a tolerance ``tol``). The claim ("global before
fine") holds for a subject if, at every noise level where neither variable starts at its ceiling
(I(0)/H ≥ 1 − ``tol``), both variables gain at least ``tol`` and the category's gain peaks
strictly earlier than the identity's.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import xarray as xr

from neurogen import analysis as na

from neurogen.associative import HierarchicalPatterns, HopfieldNetwork
from neurogen.engine import run
from neurogen.stimulus import PixelSwap, Stimulus
from neurogen.studies._common import FIG_WIDTH, BySize, Context
from neurogen.studies._measure import PROGRESS, trials_for
from neurogen.studies.claims import Claim, verdict

NAME = "global_to_fine"
CAPTION = ("(Not in the paper: the physiology its conclusion cites.) Information about the category "
           "(label, concept) and the identity (source image within its label, memory within its concept), "
           "decoded from the recorded population at each inference step, as a fraction of each variable's "
           "entropy; gained since t = 0 (dotted: time of peak gain), for the VAE and a Hopfield network.")

SUBJECTS = ("vae", "hopfield")
VARIABLES = ("category", "identity")
LONG_NAMES = {"entropy": "entropy of the decoded variable", "n_classes": "classes of the decoded variable",
              "subject": "the subject", "variable": "category (label, concept) or identity (image, memory)"}


@attrs.frozen
class Sizes:
    """Stimuli, steps and decoding for both subjects; the Hopfield network and how many of its units are recorded.

    ``per_label``: source images per label (VAE; the identity classes within a label);
    ``repeats``: presentations of each source under independent noise; ``tol``: the peak tolerance
    and the least gain that counts (fraction of the entropy).
    """

    per_label: int
    repeats: int
    steps: int
    noise: tuple[float, ...]
    shuffles: int
    n_units: int
    recorded: int
    n_concepts: int = 5
    n_memories: int = 5
    b_concept: float = 0.2
    b_memory: float = 0.35
    temperature: float = 0.8
    mode: str = "invert"
    tol: float = 0.05


SIZES = BySize(
    tiny=Sizes(per_label=5, repeats=5, steps=6, noise=(0.3,), shuffles=2, n_units=200, recorded=50),
    quick=Sizes(per_label=10, repeats=10, steps=20, noise=(0.1, 0.2, 0.3), shuffles=3, n_units=2000, recorded=50),
    paper=Sizes(per_label=10, repeats=10, steps=40, noise=(0.1, 0.2, 0.3), shuffles=10, n_units=2000, recorded=50),
)


def _information(latent: xr.DataArray, sizes: Sizes, seed: int) -> xr.Dataset:
    """Normalised information and gain about the category (all trials) and identity (within each label)."""
    kw = {"shuffles": sizes.shuffles, "seed": seed, "normalize": True}
    cat = na.information_over_time(latent, "label", **kw)
    per_label = [na.information_over_time(latent.isel(trial=latent["label"].values == lab), "source", **kw)
                 for lab in np.unique(latent["label"].values)]
    ident = xr.concat(per_label, "label").mean("label")
    out = xr.concat([d[["information", "gain", "entropy"]].drop_attrs() for d in (cat, ident)],
                    xr.DataArray(list(VARIABLES), dims="variable", name="variable"))
    return out.assign(n_classes=("variable", [cat.attrs["n_classes"], per_label[0].attrs["n_classes"]]))


def _record(ctx: Context, sizes: Sizes, subject: str, noise: float) -> xr.DataArray:
    seed = ctx.profile.seed
    if subject == "vae":
        labels = sorted(int(v) for v in np.unique(ctx.data.labels))
        stim = Stimulus.from_dataset(ctx.data, label=labels, n=trials_for(ctx, labels, sizes.per_label),
                                     noise=PixelSwap(noise, mode=sizes.mode), repeats=sizes.repeats, seed=seed)
        return run(ctx.network, stim, steps=sizes.steps, progress=PROGRESS.get()).latent
    pats = HierarchicalPatterns(sizes.n_units, sizes.n_concepts, sizes.n_memories, sizes.b_concept, sizes.b_memory,
                                seed=seed)
    net = HopfieldNetwork(pats.memories, update="synchronous", temperature=sizes.temperature, dynamics="mean_field")
    lat = run(net, pats.stimulus(noise, repeats=sizes.repeats, seed=seed), steps=sizes.steps, progress=PROGRESS.get()).latent
    units = np.sort(np.random.default_rng(seed).choice(sizes.n_units, size=sizes.recorded, replace=False))
    return lat.isel(unit=units)


def measure(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """Normalised information and gain over time, by subject, noise level and variable."""
    rows = []
    for subject in SUBJECTS:
        per_p = [_information(_record(ctx, sizes, subject, p), sizes, ctx.profile.seed) for p in sizes.noise]
        rows.append(xr.concat(per_p, xr.DataArray(list(sizes.noise), dims="noise", name="noise")))
    out = xr.concat(rows, xr.DataArray(list(SUBJECTS), dims="subject", name="subject"))
    out["information"].attrs.update(long_name="information / entropy", units="1")
    out["gain"].attrs.update(long_name="information gained since t = 0 / entropy", units="1")
    out.attrs.update({"tol": sizes.tol, "mode": sizes.mode, "recorded_hopfield_units": sizes.recorded,
                      "hopfield": f"N = {sizes.n_units}, K = {sizes.n_concepts}, M = {sizes.n_memories}, "
                                  f"b1 = {sizes.b_concept}, b2 = {sizes.b_memory}, T = {sizes.temperature} "
                                  f"(mean field, synchronous); {sizes.recorded} units recorded",
                      "vae_sources_per_label": sizes.per_label, "repeats": sizes.repeats})
    return out


def peaks(ds: xr.Dataset, subject: str, noise: float) -> dict[str, tuple[float, float]]:
    """(largest gain, time of peak gain) of each variable for one subject and noise level."""
    tol = float(ds.attrs["tol"])
    out = {}
    for var in VARIABLES:
        g = ds["gain"].sel(subject=subject, noise=noise, variable=var)
        out[var] = (float(g.max()), na.peak_time(g, tol=tol))
    return out


_SUBJECT_NAMES = {"vae": "VAE", "hopfield": "Hopfield"}


def plot(ds: xr.Dataset) -> Any:
    """Rows: noise levels; columns: each subject's information and gain. One legend, under the panels.

    Drawn for the report's page (:data:`~neurogen.studies._common.FIG_WIDTH` wide, texts of at least 10 pt).
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    noises = [float(v) for v in ds.noise.values]
    fig, axes = plt.subplots(len(noises), 2 * len(SUBJECTS), figsize=(FIG_WIDTH, 2.9 * len(noises) + 1.3),
                             squeeze=False, sharex=True, layout="constrained")
    colors = {"category": "C0", "identity": "C3"}
    for r, noise in enumerate(noises):
        for c, subject in enumerate(SUBJECTS):
            ax_i, ax_g = axes[r, 2 * c], axes[r, 2 * c + 1]
            pk = peaks(ds, subject, noise)
            for var in VARIABLES:
                d = ds.sel(subject=subject, noise=noise, variable=var)
                ax_i.plot(d.time, d["information"], color=colors[var])
                ax_g.plot(d.time, d["gain"], color=colors[var])
                ax_g.axvline(pk[var][1], color=colors[var], ls=":")
            ax_g.axhline(0, color="gray", lw=0.6)
            name = _SUBJECT_NAMES.get(subject, subject)
            ax_i.set_title(f"{name}, p = {noise:g}: information", fontsize=10)
            ax_g.set_title(f"{name}, p = {noise:g}: gain", fontsize=10)
            ax_i.set_ylabel(r"$I(t) / H$")
            ax_g.set_ylabel(r"$(I(t) - I(0)) / H$")
    for ax in axes[-1]:
        ax.set_xlabel("inference step t")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    handles = [Line2D([], [], color=colors[v]) for v in VARIABLES]
    handles.append(Line2D([], [], color="k", ls=":"))
    fig.legend(handles, [*VARIABLES, "time of the peak gain"], loc="outside lower center", ncol=len(handles),
               frameon=False)
    fig.suptitle(f"category vs identity, decoded from each step's state\nHopfield: {ds.attrs['hopfield']}",
                 fontsize=11)
    return fig


def claims(ds: xr.Dataset) -> list[Claim]:
    """Per subject: the category's gain peaks before the identity's, at every noise level with room to gain.

    A noise level where either variable starts within ``tol`` of its entropy (I(0) ≥ 1 − tol: at
    its ceiling, nothing left to gain) is reported but does not count; with no level left the
    claim is not measured.
    """
    tol = float(ds.attrs["tol"])
    out = []
    for subject in SUBJECTS:
        oks, texts = [], []
        for noise in (float(v) for v in ds.noise.values):
            pk = peaks(ds, subject, noise)
            (gc, tc), (gi, ti) = pk["category"], pk["identity"]
            start = ds["information"].sel(subject=subject, noise=noise).isel(time=0)
            text = (f"p={noise:g}: I(0)/H = {float(start.sel(variable='category')):.2f} / "
                    f"{float(start.sel(variable='identity')):.2f}; category gains {gc:.2f} (peak t = {tc:g}), "
                    f"identity {gi:.2f} (peak t = {ti:g})")
            if float(start.max()) >= 1 - tol:
                texts.append(text + " (at the ceiling at t = 0: not counted)")
                continue
            oks.append(gc >= tol and gi >= tol and tc < ti)
            texts.append(text)
        who = "the profile's VAE, all latent units" if subject == "vae" else f"Hopfield: {ds.attrs['hopfield']}"
        out.append(Claim(
            NAME, f"{subject}: information gained about the category peaks before that about the identity",
            "global before fine (Sugase et al. 1999: fine information about 50 ms later)", "; ".join(texts),
            verdict(all(oks) if oks else None),
            f"at every noise level where both start below {1 - tol:g} of their entropy, both gain at least "
            f"{tol:g} over t = 0 and the category's gain peaks strictly earlier (peak: first t within {tol:g} "
            "of the maximum gain); not measured if no level qualifies", who,
            str(ds.attrs["mode"]) if subject == "vae" else "sign flip"))
    return out
