"""Concept formation over training: how attraction to the concept develops across epochs.

Protocol: for each kept checkpoint of one training run
(:func:`~neurogen.studies._common.development_checkpoints`: ``quick``, the shipped default
subject's run, epochs 1, 5, 10, 25, 100 (2 and 50 are not shipped: the 60 MB budget); ``paper`` and ``tiny``, the profile's cached run):
the test ELBO, the active units (Fig. 3a), the Fig. 2 curves for all ten labels (``trials`` noisy
images per label at p = 0.2, T steps; ‖z(t) − ξ̄_label‖ mean ± SEM, each classified by
:func:`neurogen.analysis.returns_to_concept` with its SEM: ``no_approach``,
``approaches_and_stays``, ``settles`` or ``runs_away``), and the Fig. 4 stages
(:func:`neurogen.analysis.stages`) under each pixel-swap reading in ``modes``. Not in the paper: it
says when, in training, the paper's pictures appear.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen.studies._common import FIG_WIDTH, BySize, Context, context_for, development_checkpoints
from neurogen.studies._measure import distance_curves, noise_sweep
from neurogen.studies._dips import RULE, dips
from neurogen.studies.claims import Claim, verdict

NAME = "concept_formation"
CAPTION = ("(Not in the paper.) Concept formation over training: for each kept checkpoint of one "
           "training run, the test ELBO, the Fig. 2 approach to the concept for every label, and the "
           "Fig. 4 stages.")
LONG_NAMES = {"epoch": "training epoch of the checkpoint", "n": "trials per label",
              "distance": "||z(t) - concept of the trial's label||_2 of each trial",
              "min_memory": "min over t of ||z(t) - memory||_2 (eq. 13)",
              "min_concept": "min over t of ||z(t) - concept||_2 (eq. 13)",
              "min_abstract": "min over t of ||z(t) - abstract concept||_2 (eq. 13)",
              "network_sha256": "sha256 of the checkpoint", "noise": "pixel-swap fraction p of the trial"}


@attrs.frozen
class Sizes:
    """Per checkpoint: trials per label (Fig. 2), trials per p and points of p (Fig. 4), steps T.

    ``n_test``: test images for the ELBO; ``modes``: the pixel-swap readings of the stages.
    """

    trials: int
    sweep_trials: int
    levels: int
    steps: int
    n_test: int = 2000
    p: float = 0.2
    mode: str = "invert"
    label: int = 6
    modes: tuple[str, ...] = ("invert", "permute")


SIZES = BySize(tiny=Sizes(trials=2, sweep_trials=2, levels=5, steps=6, n_test=100),
               quick=Sizes(trials=100, sweep_trials=100, levels=21, steps=80),
               paper=Sizes(trials=100, sweep_trials=100, levels=21, steps=80))


def _checkpoint(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """Every number of one checkpoint (its context ``ctx``), with every trial's curve and minima."""
    net = ctx.network
    labels = [int(v) for v in ctx.hierarchy.concept.label.values]
    band = distance_curves(ctx, labels, sizes.trials, sizes.p, sizes.mode, sizes.steps, per_trial=True)
    res = dips(band["distance"])
    test = ctx.test.subset(np.arange(min(sizes.n_test, len(ctx.test))))
    out = xr.Dataset({
        **res.data_vars, "distance": band["distance"],
        "test_elbo": xr.DataArray(net.mean_elbo(test), attrs={"long_name": "test ELBO", "units": "nat"}),
        "active_units": xr.DataArray(int(na.active_units(ctx.hierarchy.memory).sum()),
                                     attrs={"long_name": "active units (Fig. 3a)", "units": "1"}),
        "network_sha256": xr.DataArray(str(net.sha256)),
    })
    per_mode = []
    for mode in sizes.modes:
        mins = noise_sweep(ctx, sizes.label, sizes.sweep_trials, sizes.levels, mode, sizes.steps)
        per_mode.append(xr.Dataset({f"min_{k}": mins[k].reset_coords(drop=True) for k in mins.data_vars})
                        .rename(trial="sweep_trial").assign_coords(noise=("sweep_trial", mins["noise"].values)))
    return xr.merge([out, xr.concat(per_mode, xr.DataArray(list(sizes.modes), dims="mode", name="mode"))])


def _stages(ds: xr.Dataset, mode: str) -> xr.Dataset:
    """Fig. 4's stages of one checkpoint and reading, from its trials."""
    d = ds.sel(mode=mode)
    return na.stages({lvl: d[f"min_{lvl}"] for lvl in na.LEVELS}, dim="sweep_trial")


def measure(ctx: Context, sizes: Sizes) -> xr.Dataset:
    """The Fig. 2 / Fig. 4 picture and the test ELBO at every kept epoch of one training run."""
    parts = []
    for epoch, net in development_checkpoints(ctx.profile, ctx.device, (ctx.train, ctx.test)):
        sub = context_for(net, ctx.profile, ctx.train, ctx.test, device=ctx.device, data_key=ctx.data_key)
        parts.append(_checkpoint(sub, sizes).expand_dims(epoch=[int(epoch)]))
    out = xr.concat(parts, "epoch", coords="minimal", compat="override")
    out.attrs.update({"p": sizes.p, "mode": sizes.mode, "label": sizes.label, "steps": sizes.steps,
                      "modes": list(sizes.modes), "training": ctx.profile.describe()})
    return out


def _legend_below(ax: Any, ncol: int = 2) -> None:
    """The panel's legend under its x label, off the data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=ncol, frameon=False)


def plot(ds: xr.Dataset) -> Any:
    """(a) test ELBO, (b) outcome counts, (c) dip depth and (d) the stages, each against epoch.

    Drawn for the report's page (:data:`~neurogen.studies._common.FIG_WIDTH` wide, texts of at least
    10 pt), two by two; each panel's legend sits under its axes, off the data.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator, NullFormatter, ScalarFormatter

    fig, grid = plt.subplots(2, 2, figsize=(FIG_WIDTH, 8.6), layout="constrained")
    axes = grid.ravel()
    e = ds.epoch.values
    axes[0].plot(e, ds["test_elbo"], "o-")
    axes[0].set_ylabel("test ELBO (nats)")
    axes[0].set_title("(a) test ELBO of the checkpoint", fontsize=11)
    outcome = ds["dip_outcome"].astype(str)
    for k, (name, marker) in enumerate(zip(na.OUTCOMES, "xos^")):
        axes[1].plot(e, (outcome == name).sum("label"), f"{marker}-", color=f"C{k}", label=name.replace("_", " "))
    axes[1].set_ylabel(f"labels (of {ds.sizes['label']})")
    axes[1].yaxis.set_major_locator(MaxNLocator(integer=True))
    axes[1].set_title(f"(b) Fig. 2: outcome of each label's curve (p = {ds.attrs['p']})", fontsize=11)
    _legend_below(axes[1])
    axes[2].plot(e, ds["dip_depth"].mean("label"), "o-", label=r"$d_{\min} / d(0)$")
    axes[2].plot(e, ds["dip_final_ratio"].mean("label"), "s--", label=r"$d(T) / d(0)$")
    axes[2].set_ylabel("ratio (mean over labels)")
    axes[2].set_title(r"(c) depth of the dip, $d(t) = \|z(t) - \bar{\xi}_{\mathrm{label}}\|_2$", fontsize=11)
    _legend_below(axes[2])
    for mode in ds["mode"].values:
        in_order = [int(bool(st["in_order"]) and bool(st["complete"]))
                    for st in (_stages(ds.sel(epoch=ep), str(mode)) for ep in ds.epoch.values)]
        axes[3].plot(e, in_order, "o-", label=str(mode).replace("_", " "))
    axes[3].set_yticks([0, 1], ["no", "yes"])
    axes[3].set_ylim(-0.15, 1.15)
    axes[3].set_ylabel("all three, in order")
    axes[3].set_title("(d) Fig. 4: stages I → II → III under each reading", fontsize=11)
    _legend_below(axes[3], ncol=len(ds["mode"].values))
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xticks(e)
        ax.xaxis.set_major_formatter(ScalarFormatter())
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel("epoch")
    fig.suptitle(f"concept formation over training; p = {ds.attrs['p']} ({ds.attrs['mode']})\n"
                 f"{ds.attrs['training']}", fontsize=11)
    return fig


def _first_from(epochs: list[int], oks: list[bool]) -> int | None:
    """The first epoch from which ``oks`` holds at every later checkpoint."""
    for i, ep in enumerate(epochs):
        if all(oks[i:]):
            return ep
    return None


def claims(ds: xr.Dataset) -> list[Claim]:
    """When the approach appears in every label, and from when the stages are in order (not in the paper)."""
    epochs = [int(v) for v in ds.epoch.values]
    res = {ep: dips(ds["distance"].sel(epoch=ep)) for ep in epochs}  # from the trials: the bootstrap re-decides
    n_labels = res[epochs[0]].sizes["label"]
    counts = [int(res[ep]["dip_dip"].astype(bool).sum()) for ep in epochs]
    first = next((ep for ep, c in zip(epochs, counts) if c == n_labels), None)
    table = "; ".join(
        f"{ep}: " + ", ".join(f"{int((res[ep]['dip_outcome'].astype(str) == o).sum())} {o}"
                              for o in na.OUTCOMES if (res[ep]["dip_outcome"].astype(str) == o).any())
        for ep in epochs)
    subjects = f"one training run, checkpoints at epochs {', '.join(map(str, epochs))}; {ds.attrs['training']}"
    out = [Claim(NAME, f"Epoch at which the concept-first approach first appears in {n_labels} of {n_labels} labels",
                 "— (not in the paper)", f"epoch {first} (outcomes by epoch: {table})", verdict(first is not None),
                 "holds if some kept checkpoint shows an approach (" + RULE.split(";")[0] + ") for every label", subjects, str(ds.attrs["mode"]))]
    for mode in ds["mode"].values:
        sts = [_stages(ds.sel(epoch=e), str(mode)) for e in epochs]
        oks = [bool(st["in_order"]) and bool(st["complete"]) for st in sts]
        ep = _first_from(epochs, oks)
        seq = ", ".join(f"{e}: {st['sequence'].values!s}" for e, st in zip(epochs, sts))
        out.append(Claim(NAME, f"Epoch from which stages I → II → III appear in order ({mode})",
                         "— (not in the paper)", f"epoch {ep} (stages by epoch: {seq})", verdict(ep is not None),
                         "holds if from some checkpoint on every later one shows I → II → III, all present "
                         "and in order", subjects, str(mode)))
    return out
