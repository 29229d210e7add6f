"""Concept formation over training: how attraction to the concept develops across epochs.

For each kept checkpoint of one training run: test ELBO, active units, the Fig. 2 quantities for all
ten labels (steps to the closest approach to the concept, dip depth d_min/d(0), d(T)/d(0), and the
outcome "settles" / "runs_away" / "no_dip" of :func:`neurogen.analysis.returns_to_concept`), and the
Fig. 4 stages for both pixel-swap readings — all plotted against epoch.
"""

from __future__ import annotations

import os
from typing import Any

import attrs
import numpy as np
import xarray as xr

from neurogen import analysis as na
from neurogen.studies._common import (context, context_for, development_checkpoints, get_profile,
                                      save_data, save_figure)
from neurogen.studies.fig2 import distance_curves
from neurogen.studies.fig4 import sweep

CAPTION = ("(Not in the paper.) Concept formation over training: for each kept checkpoint of one "
           "training run, the Fig. 2 dip and the Fig. 4 stages.")

_STAGE_CODE = {"I": 1, "II": 2, "III": 3}


def study(profile: Any = "quick", out: str | os.PathLike = ".", device: str = "auto", *,
          modes: tuple[str, ...] = ("invert", "permute"), data: Any = None) -> dict[str, Any]:
    """Measure the Fig. 2 / Fig. 4 picture at every kept epoch of one training run."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    p = get_profile(profile)
    base = context(p, device, data)
    # fewer trials per checkpoint than the single-network studies: there are several networks
    small = attrs.evolve(p, trials_fig2=max(2, p.trials_fig2 // 3), trials_fig4=max(2, p.trials_fig4 // 5))
    rows = []
    for epoch, net in development_checkpoints(p, device, data):
        ctx = context_for(net, small, base.train, base.test)
        labels = [int(v) for v in ctx.hierarchy.concept.label.values]
        band = distance_curves(ctx, labels, small.trials_fig2, 0.2, "invert", small.steps)
        dips = na.returns_to_concept(band["mean"].transpose("label", "time"))
        row: dict[str, Any] = {
            "epoch": epoch, "test_elbo": net.mean_elbo(base.test.subset(np.arange(min(2000, len(base.test))))),
            "active_units": int(na.active_units(ctx.hierarchy.memory).sum()),
            "n_dip": int(dips["dip"].sum()),
            "n_settles": int((dips["outcome"] == "settles").sum()),
            "n_runs_away": int((dips["outcome"] == "runs_away").sum()),
            "t_min": float(dips["t_min"].mean()), "depth": float(dips["depth"].mean()),
            "final_ratio": float(dips["final_ratio"].mean()),
        }
        for mode in modes:
            st = na.stages(sweep(ctx, 6, small.trials_fig4, small.noise_levels, mode, small.steps))
            present = sorted(set(str(v) for v in st["numeral"].values), key=list(_STAGE_CODE).index)
            row[f"stages_{mode}"] = " → ".join(present)
            row[f"stages_in_order_{mode}"] = bool(st["in_order"]) and present == ["I", "II", "III"]
            row[f"boundaries_{mode}"] = ", ".join(f"{float(b):.2f}" for b in st["boundary"].values)
        rows.append(row)
    ds = xr.Dataset({k: ("epoch", [r[k] for r in rows]) for k in rows[0] if k != "epoch"},
                    coords={"epoch": [r["epoch"] for r in rows]})
    fig, axes = plt.subplots(1, 4, figsize=(18, 3.8))
    e = ds.epoch
    axes[0].plot(e, ds.test_elbo, "o-")
    axes[0].set_ylabel("test ELBO (nats)")
    axes[1].plot(e, ds.n_dip, "o-", label="dip")
    axes[1].plot(e, ds.n_settles, "s--", label="settles")
    axes[1].plot(e, ds.n_runs_away, "^:", label="runs away")
    axes[1].set_ylabel("labels (of 10)")
    axes[1].legend(fontsize=8)
    axes[2].plot(e, ds.depth, "o-", label="d_min / d(0)")
    axes[2].plot(e, ds.final_ratio, "s--", label="d(T) / d(0)")
    axes[2].legend(fontsize=8)
    axes[2].set_ylabel("ratio (mean over labels)")
    for mode in modes:
        axes[3].plot(e, ds[f"stages_in_order_{mode}"].astype(int), "o-", label=mode)
    axes[3].set_ylabel("stages I → II → III present")
    axes[3].legend(fontsize=8)
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("epoch")
    fig.suptitle("concept formation over training")
    files = save_figure(fig, out, "concept_formation")
    files.append(save_data(ds, out, "concept_formation", {"profile": p.name}))
    first_dip = next((r["epoch"] for r in rows if r["n_dip"] == 10), None)
    first_stages = {m: _first_from(rows, f"stages_in_order_{m}") for m in modes}
    return {"figure": "concept_formation", "files": [str(f) for f in files], "table": rows,
            "epochs": [r["epoch"] for r in rows], "first_epoch_dip_all_labels": first_dip,
            "first_epoch_stages_in_order": first_stages}


def _first_from(rows: list[dict[str, Any]], key: str) -> int | None:
    """First epoch from which ``key`` holds at every later checkpoint."""
    for i, r in enumerate(rows):
        if all(q[key] for q in rows[i:]):
            return r["epoch"]
    return None


def claims(r: dict[str, Any]) -> list[Any]:
    """Claims for the replication report (not in the paper: measured only)."""
    from neurogen.studies.report import FAILS, HOLDS, Claim

    out = [Claim("concept_formation", "Epoch at which the concept-first transient first appears in 10 of 10 labels",
                 "— (not in the paper)", f"epoch {r['first_epoch_dip_all_labels']} (checkpoints {r['epochs']})",
                 HOLDS if r["first_epoch_dip_all_labels"] is not None else FAILS,
                 "holds if some kept checkpoint shows a dip for all 10 labels")]
    for mode, ep in r["first_epoch_stages_in_order"].items():
        out.append(Claim("concept_formation", f"Epoch from which stages I → II → III appear in order ({mode})",
                         "— (not in the paper)", f"epoch {ep}", HOLDS if ep is not None else FAILS,
                         "holds if from some checkpoint on every later one shows I → II → III"))
    return out
