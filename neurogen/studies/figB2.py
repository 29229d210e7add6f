"""Fig. B.2: are the final states still '6's, and do trials that stay '6' also approach the concept? Per seed.

Protocol: ``trials`` noisy '6's (pixel swap p = 0.2, the default reading ``mode``), T steps of
repeated inference on every subject in ``seeds`` (the same stimuli for each). (a) The CNN of
appendix B (:func:`neurogen.classifier.trained_classifier`, trained once on the context's training
split and cached) gives the class probabilities of each final state x(T) (paper: 193 of 300
classified '6'). (b) The distance to the concept of '6' over time, mean ± SEM over all trials and
over the trials whose x(T) was classified '6', each classified by
:func:`neurogen.analysis.returns_to_concept` with its SEM.

Only z(t) is recorded; x(T) = E_p[x | z(T − 1)] is recomputed from it with the subject's decoder
(exactly the engine's last step), so no (trials × time × 784) array is held. ``quick`` and
``paper`` use the classifier's default recipe on full MNIST; ``tiny`` a narrower CNN trained two
epochs, so that it runs in seconds. The '6' counts under the other pixel-swap readings are the
``readings`` study's.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen._netcdf import describe_variables
from neurogen.classifier import trained_classifier
from neurogen.stimulus import PixelSwap, Stimulus
from neurogen.studies._common import FIG_WIDTH, BySize, Context, subject_coords
from neurogen.studies._measure import final_states, trials_for
from neurogen.studies._dips import RULE, dips
from neurogen.studies.claims import Claim, across

NAME = "figB2"
CAPTION = ("(a) The result of classification of the final state T = 80 of the inference for the image "
           "of '6'. (b) The time evolution of the distance from the concept of '6'. The condition "
           "excluding trials that the activity pattern switched to different numbers is expressed in "
           "red, and condition containing all trials is expressed in gray.")

#: The two conditions of panel (b).
CONDITIONS = ("all", "source")


def _condition_names(cond: str, trials: str) -> dict[str, str]:
    return {f"mean_{cond}": f"mean distance to the concept over {trials}",
            f"sem_{cond}": f"standard error of the mean distance over {trials}",
            f"n_{cond}": f"number of {trials}",
            f"dip_{cond}": f"the mean distance over {trials} approaches the concept",
            f"outcome_{cond}": f"returns_to_concept outcome over {trials}",
            f"t_min_{cond}": f"inference step of the minimum over {trials} (-1: no trials)"}


#: long_name of each variable of the dataset (all dimensionless).
LONG_NAMES = {
    "probability": "classifier probability of each class for x(T)",
    "predicted": "most probable class of x(T)",
    "distance": "||z(t) - concept of the label||_2 of each trial",
    "class": "class of the classifier",
    **_condition_names("all", "all trials"),
    **_condition_names("source", "the trials whose x(T) is classified as the label"),
}


@attrs.frozen
class Sizes:
    """Trials, steps T, seeds, the classifier's recipe, the label, noise fraction and reading.

    ``classifier_arch`` is ``(conv1, conv2, hidden)``, or ``None`` for the default architecture.
    """

    trials: int
    steps: int
    seeds: tuple[int, ...]
    classifier_epochs: int = 5
    classifier_arch: tuple[int, int, int] | None = None
    label: int = 6
    p: float = 0.2
    mode: str = "invert"


SIZES = BySize(tiny=Sizes(trials=8, steps=6, seeds=(0, 1), classifier_epochs=2, classifier_arch=(8, 16, 32)),
               quick=Sizes(trials=300, steps=80, seeds=(0, 1, 2)),
               paper=Sizes(trials=300, steps=80, seeds=(0, 1, 2)))


def _curve(d: xr.DataArray) -> xr.Dataset:
    """Mean ± SEM over trials and its dip outcome (``"no_trials"`` when there is none)."""
    n = d.sizes["trial"]
    if n == 0:
        nan = xr.DataArray(np.full(d.sizes["time"], np.nan), dims="time", coords={"time": d["time"].values})
        return xr.Dataset({"mean": nan, "sem": nan, "n": 0, "dip": False, "outcome": "no_trials", "t_min": -1})
    res = dips(d, by=None)
    return xr.Dataset({"mean": res["mean"], "sem": res["sem"], "n": int(n), "dip": bool(res["dip_dip"]),
                       "outcome": str(res["dip_outcome"].values), "t_min": int(res["dip_t_min"])})


def _one_subject(sub: Context, clf: Any, sizes: Sizes) -> xr.Dataset:
    """One subject's class probabilities of x(T) and its distance-to-concept curves in both conditions."""
    latent, x_final = final_states(sub, sizes.label, sizes.trials, sizes.p, sizes.mode, sizes.steps)
    proba = np.asarray(clf.predict_proba(x_final))
    predicted = proba.argmax(1)
    d = na.distance(latent, sub.hierarchy.concept).reset_coords(drop=True)
    curves = {"all": _curve(d), "source": _curve(d.isel(trial=np.flatnonzero(predicted == sizes.label)))}
    out = xr.Dataset({"probability": (("trial", "class"), proba),
                      "predicted": ("trial", predicted.astype(np.int64)),
                      "distance": d.astype(np.float32)})
    for cond, c in curves.items():
        out.update({f"{k}_{cond}": c[k] for k in c.data_vars})
    return out


def measure(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """Class probabilities of every x(T) and the distance-to-concept curves in both conditions, per seed."""
    arch = dict(zip(("conv1", "conv2", "hidden"), sizes.classifier_arch or ()))
    clf = trained_classifier(ctx.train, ctx.test, epochs=sizes.classifier_epochs, seed=ctx.profile.seed,
                             device=ctx.device, **arch)
    test_acc = clf.metadata.get("test_accuracy")
    n = trials_for(ctx, sizes.label, sizes.trials)
    stim = Stimulus.from_dataset(ctx.data, label=sizes.label, n=n, noise=PixelSwap(sizes.p, mode=sizes.mode),
                                 seed=ctx.profile.seed)
    parts = []
    for seed in sizes.seeds:
        sub = ctx.subject(seed=seed)
        parts.append(_one_subject(sub, clf, sizes).expand_dims(seed=[seed])
                     .assign_coords(subject_coords(sub, "seed")))
    out = xr.concat(parts, "seed")
    n_classes = out.sizes["class"]
    out = out.assign_coords({"class": np.arange(n_classes),
                             "source": ("trial", np.asarray(stim.trial_coords()["source"], dtype=np.int64))})
    out = describe_variables(out, LONG_NAMES)
    out.attrs.update({
        "label": sizes.label, "p": sizes.p, "mode": sizes.mode, "steps": sizes.steps, "classifier": repr(clf),
        "classifier_test_accuracy": float(test_acc) if test_acc is not None else float(clf.accuracy(ctx.test)),
    })
    return out




def plot(ds: xr.Dataset) -> Any:
    """One row per seed: (a) class probabilities of every x(T), (b) distance to the concept in both
    conditions; one colour bar for every (a), the legends beside (b)."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    seeds = [int(s) for s in ds.seed.values]
    label = int(ds.attrs["label"])
    fig, axes = plt.subplots(len(seeds), 2, figsize=(FIG_WIDTH, 2.8 * len(seeds) + 1.0), squeeze=False,
                             sharey="col", gridspec_kw={"width_ratios": [1.35, 1]}, layout="constrained")
    im = None
    for r, ((ax_a, ax_b), seed) in enumerate(zip(axes, seeds)):
        d = ds.sel(seed=seed)
        proba = d["probability"].transpose("class", "trial")
        im = ax_a.imshow(proba.values, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
        ax_a.set_yticks(range(proba.sizes["class"]))
        ax_a.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_a.set_ylabel(f"seed {seed}\nclass")
        ax_a.set_title(f"(a) seed {seed}: {int(d['n_source'])} of {int(d['n_all'])} final states "
                       f"x(T = {int(ds.attrs['steps'])}) classified '{label}'", fontsize=10)
        for cond, color, name in (("all", "gray", "all trials"), ("source", "C3", f"ended as '{label}'")):
            if int(d[f"n_{cond}"]) == 0:
                continue
            m, s = d[f"mean_{cond}"], d[f"sem_{cond}"].fillna(0)
            outcome = str(d[f"outcome_{cond}"].values).replace("_", " ")
            ax_b.plot(m.time, m, color=color, label=f"{name} ({int(d[f'n_{cond}'])}):\n{outcome}")
            ax_b.fill_between(m.time, m - s, m + s, color=color, alpha=0.25)
        ax_b.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax_b.set_ylabel(rf"$\|z(t) - \bar{{\xi}}_{{{label}}}\|_2$")
        ax_b.set_title(f"(b) seed {seed}: distance to the concept of '{label}'", fontsize=10)
        ax_b.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0, title="mean ± SEM")
        if r == len(seeds) - 1:
            ax_a.set_xlabel("trial")
            ax_b.set_xlabel("inference step t")
    fig.colorbar(im, ax=axes[:, 0].tolist(), location="bottom", shrink=0.6, aspect=40,
                 label="classifier probability (every seed)")
    fig.suptitle(f"Fig. B.2: p = {ds.attrs['p']} ({ds.attrs['mode']}); classifier test accuracy "
                 f"{float(ds.attrs['classifier_test_accuracy']):.4f}", fontsize=12)
    return fig


def claims(ds: xr.Dataset) -> list[Claim]:
    """Most x(T) are still classified as the source label; the approach is there in both conditions (per seed)."""
    seeds = [int(s) for s in ds.seed.values]
    names = [f"seed {s}" for s in seeds]
    lab = int(ds.attrs["label"])
    nz = int(ds["subject_n_latent"].values[0])
    mode = str(ds.attrs["mode"])
    counts, oks_count, dip_texts, oks_dip = [], [], [], []
    for seed in seeds:  # recomputed from the trials, so that the bootstrap re-decides every verdict
        d = ds.sel(seed=seed)
        keep = np.asarray(d["predicted"].values) == lab
        k, n = int(keep.sum()), int(d.sizes["trial"])
        counts.append(f"seed {seed}: {k} of {n} ({k / n:.2f})")
        oks_count.append(k / n >= 0.5)
        c_all, c_src = _curve(d["distance"]), _curve(d["distance"].isel(trial=np.flatnonzero(keep)))
        dip_texts.append(f"seed {seed}: all trials: {c_all['outcome'].values!s}; ended as '{lab}': "
                    f"{c_src['outcome'].values!s}")
        oks_dip.append(bool(c_all["dip"]) and bool(c_src["dip"]))
    v_count, s_count = across(oks_count, names)
    v_dip, s_dip = across(oks_dip, names)
    acc = float(ds.attrs["classifier_test_accuracy"])
    return [
        Claim(NAME, f"Most final states of inferences from noisy '{lab}'s are still classified '{lab}'",
              "193 of 300 (0.64)", "; ".join(counts) + f"; classifier test accuracy {acc:.4f}", v_count,
              "fraction of x(T) whose most probable class is the source label ≥ 0.5", f"Nz = {nz}, {s_count}", mode),
        Claim(NAME, "The dip is not caused by other labels: it is there for all trials and for the trials that "
              f"end as '{lab}'", "both curves approach the concept", "; ".join(dip_texts), v_dip,
              "both mean distance-to-concept curves approach the concept (" + RULE.split(";")[0] + ")",
              f"Nz = {nz}, {s_dip}", mode),
    ]
