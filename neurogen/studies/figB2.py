"""Fig. B.2: are the final states still '6's, and do trials that stay '6' also pass by the concept?

(a) The CNN of appendix B (:mod:`neurogen.classifier`, trained once on the context's training
split and cached) gives class probabilities of the final state x(T) of each inference started
from a noisy '6' (paper: 193 of 300 classified '6'). (b) The distance to the concept of '6' over
time, averaged over all trials and over the trials whose x(T) was classified '6'.

Only z(t) is recorded (every step); x(T) = E_p[x | z(T − 1)] is recomputed from it with the
subject's decoder — exactly the engine's last step — so no (trials × time × 784) array is held.
The classifier trains with :func:`~neurogen.classifier.trained_classifier`'s recipe on the
context's training split (``quick``, ``paper``: full MNIST, trained once and cached); the ``tiny``
profile uses a narrower CNN (8 and 16 channels, 32 dense units) for the profile's epochs, so that
it runs in seconds.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen.classifier import trained_classifier
from neurogen.engine import run
from neurogen.stimulus import PixelSwap, Stimulus
from neurogen.studies._common import context, save_data, save_figure

CAPTION = ("(a) The result of classification of the final state T = 80 of the inference for the image "
           "of '6'. (b) The time evolution of the distance from the concept of '6'. The condition "
           "excluding trials that the activity pattern switched to different numbers is expressed in "
           "red, and condition containing all trials is expressed in gray.")


def _curve(d: xr.DataArray) -> tuple[xr.Dataset, xr.Dataset | None]:
    """Mean ± SEM over trials and its dip (None: no trials, or a curve the dip rule cannot read)."""
    if d.sizes["trial"] == 0:
        nan = xr.DataArray(np.full(d.sizes["time"], np.nan), dims="time", coords={"time": d["time"].values})
        return xr.Dataset({"mean": nan, "sem": nan, "n": xr.DataArray(np.int64(0))}), None
    band = na.mean_sem(d)
    if float(band["mean"].isel(time=0)) <= 0 or band.sizes["time"] < 2:
        return band, None
    return band, na.returns_to_concept(band["mean"])


def _final_states(network: Any, stim: Stimulus, steps: int) -> tuple[xr.DataArray, np.ndarray]:
    """z(t) of every trial and the final state x(T) = E_p[x | z(T − 1)]."""
    latent = run(network, stim, steps=steps, progress=False).latent
    if latent.sizes["time"] >= 2:
        x_final = np.asarray(network.decode(np.asarray(latent.isel(time=-2).values, np.float32)))
    else:  # T = 0: the final state is the input itself
        x_final = stim.inputs()
    return latent, x_final


def study(profile: Any = "quick", out: str | os.PathLike = ".", device: str = "auto", *,
          label: int = 6, p: float = 0.2, mode: str = "invert", classifier_epochs: int | None = None,
          data: Any = None) -> dict[str, Any]:
    """Classify the final states of the profile's ``trials_fig2`` inferences from noisy ``label``s.

    The figure and the dip curves are for ``mode``; the other pixel-swap reading's count of
    final states classified ``label`` is returned too (``by_mode``).
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ctx = context(profile, device, data)
    prof = ctx.profile
    tiny = prof.name == "tiny"
    recipe: dict[str, int] = {"conv1": 8, "conv2": 16, "hidden": 32, "epochs": prof.epochs} if tiny else {}
    if classifier_epochs is not None:
        recipe["epochs"] = classifier_epochs
    clf = trained_classifier(ctx.train, ctx.test, seed=prof.seed, device=device, **recipe)
    n = min(prof.trials_fig2, int((ctx.data.labels == label).sum()))
    by_mode: dict[str, dict[str, Any]] = {}
    for m in dict.fromkeys([mode, "invert", "permute"]):
        stim_m = Stimulus.from_dataset(ctx.data, label=label, n=n, noise=PixelSwap(p, mode=m), seed=prof.seed)
        latent_m, x_final = _final_states(ctx.network, stim_m, prof.steps)
        proba_m = np.asarray(clf.predict_proba(x_final))
        kept_m = proba_m.argmax(1) == label
        by_mode[m] = {"n_source": int(kept_m.sum()), "n_trials": int(len(kept_m)),
                      "fraction_source": float(kept_m.mean())}
        if m == mode:
            stim, latent, proba = stim_m, latent_m, proba_m
    predicted = proba.argmax(1)
    kept = predicted == label
    d = na.distance(latent, ctx.hierarchy.concept)
    band_all, dip_all = _curve(d)
    band_src, dip_src = _curve(d.isel(trial=np.flatnonzero(kept)))

    fig, axes = plt.subplots(1, 2, figsize=(13, 4.2), gridspec_kw={"width_ratios": [1.6, 1]})
    im = axes[0].imshow(proba.T, aspect="auto", cmap="viridis", vmin=0, vmax=1, interpolation="nearest")
    axes[0].set_xlabel("trial")
    axes[0].set_ylabel("label")
    axes[0].set_yticks(range(proba.shape[1]))
    axes[0].set_title(f"(a) classifier on x(T = {prof.steps}): {int(kept.sum())} of {len(kept)} "
                      f"classified '{label}'")
    fig.colorbar(im, ax=axes[0], label="probability")
    ax = axes[1]
    for band, color, name in ((band_all, "gray", "all trials"), (band_src, "C3", f"ended as '{label}'")):
        if int(band["n"].max()) == 0:
            continue
        ax.plot(band.time, band["mean"], color=color, label=f"{name} ({int(band['n'].max())})")
        ax.fill_between(band.time, band["mean"] - band["sem"], band["mean"] + band["sem"], color=color, alpha=0.25)
    ax.set_xlabel("t")
    ax.set_ylabel(f"‖z(t) − ξ̄{label}‖₂")
    ax.set_title(f"(b) distance to the concept of '{label}'")
    ax.legend(fontsize=8)
    files = save_figure(fig, out, "figB2")

    classes = np.arange(proba.shape[1])
    ds = xr.Dataset(
        {"probability": (("trial", "class"), proba), "predicted": ("trial", predicted.astype(np.int64)),
         "mean_all": band_all["mean"], "sem_all": band_all["sem"],
         "mean_source": band_src["mean"], "sem_source": band_src["sem"]},
        coords={"class": classes, "source": ("trial", stim.trial_coords()["source"])})
    files.append(save_data(ds, out, "figB2", {"profile": prof.name, "p": p, "mode": mode, "label": label,
                                              "classifier": repr(clf), **ctx.network.describe()}))

    def dip_info(dip: xr.Dataset | None) -> tuple[bool, str, int]:
        if dip is None:
            return False, "no_trials", -1
        return bool(dip["dip"]), str(dip["outcome"].values), int(dip["t_min"])

    (dip_a, out_a, t_a), (dip_s, out_s, t_s) = dip_info(dip_all), dip_info(dip_src)
    counts = np.bincount(predicted, minlength=len(classes))
    test_acc = clf.metadata.get("test_accuracy")
    return {
        "figure": "figB2", "files": [str(f) for f in files], "label": label,
        "mode": mode, "n_trials": int(len(kept)), "n_source": int(kept.sum()),
        "fraction_source": float(kept.mean()), "by_mode": by_mode,
        "predicted_counts": {int(c): int(k) for c, k in zip(classes, counts)},
        "dip_all": dip_a, "outcome_all": out_a, "t_min_all": t_a,
        "dip_source": dip_s, "outcome_source": out_s, "t_min_source": t_s,
        "classifier_test_accuracy": float(test_acc) if test_acc is not None else float(clf.accuracy(ctx.test)),
    }


def claims(r: dict[str, Any]) -> list[Any]:
    """Claims for the replication report, with verdicts computed from the measured numbers."""
    from neurogen.studies.report import FAILS, HOLDS, Claim

    lab = r["label"]
    by_mode = r.get("by_mode") or {r.get("mode", "invert"): r}
    return [
        *(Claim("figB2", f"Most final states of inferences from noisy '{lab}'s are still classified "
                f"'{lab}' ({m})", "193 of 300 (0.64)",
                f"{b['n_source']} of {b['n_trials']} ({b['fraction_source']:.2f}); "
                f"classifier test accuracy {r['classifier_test_accuracy']:.4f}",
                HOLDS if b["fraction_source"] >= 0.5 else FAILS,
                "fraction of x(T) whose most probable class is the source label ≥ 0.5")
          for m, b in by_mode.items()),
        Claim("figB2", "The dip is not caused by other labels: it is there for all trials and for the "
              f"trials that end as '{lab}'", "both curves approach the concept, then leave",
              f"all trials: {r['outcome_all']}; ended as '{lab}': {r['outcome_source']}",
              HOLDS if r["dip_all"] and r["dip_source"] else FAILS,
              "a dip (returns_to_concept) in both mean distance-to-concept curves"),
    ]
