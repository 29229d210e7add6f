"""concept_formation at the tiny profile: every kept checkpoint measured alike; the claim rules."""

from __future__ import annotations

import xarray as xr

from neurogen import analysis as na
from neurogen.studies import concept_formation as cf
from neurogen.studies.claims import FAILS, HOLDS


def test_concept_formation_tiny_checkpoints(run_tiny):
    """One row per kept epoch: ELBO, active units, every label's outcome, the stages per reading."""
    result, _ = run_tiny("concept_formation")
    ds = result.dataset
    assert ds["epoch"].values.tolist() == [1, 2]  # the tiny profile trains 2 epochs
    assert ds["dip_outcome"].dims == ("epoch", "label") and ds.sizes["label"] == 10
    assert set(ds["dip_outcome"].values.astype(str).ravel()) <= set(na.OUTCOMES)
    assert (ds["dip_dip"].astype(bool) == (ds["dip_outcome"] != "no_approach")).all()
    assert ds["min_concept"].dims == ("epoch", "mode", "sweep_trial")
    assert ds["distance"].dims == ("epoch", "trial", "time")
    assert ds["mode"].values.tolist() == list(cf.SIZES["tiny"].modes)
    assert len(set(ds["network_sha256"].values.tolist())) == 2
    assert len(result.claims) == 1 + len(cf.SIZES["tiny"].modes)


def _fake(outcomes, in_order, n_trials=6):
    """Per-trial curves whose dip outcome is ``outcomes[epoch]`` and sweeps whose stages are in order or not."""
    import numpy as np

    rng = np.random.default_rng(0)
    t = np.arange(8)
    shapes = {"no_approach": 10.0 + t, "settles": np.where(t == 0, 10.0, 6.0 + 0.5 * t),
              "approaches_and_stays": np.where(t == 0, 10.0, 6.0)}
    labels = np.repeat([0, 1, 2], n_trials)
    curves = np.stack([np.tile(shapes[o], (labels.size, 1)) for o in outcomes])
    curves = curves + 0.01 * rng.standard_normal(curves.shape[:2] + (1,))  # per-trial offsets
    noise = np.repeat([0.0, 0.5, 1.0], 4)
    order = {True: [(1, 2, 3), (2, 1, 3), (3, 2, 1)], False: [(1, 2, 3), (3, 2, 1), (3, 2, 1)]}
    mins = {lvl: [] for lvl in ("memory", "concept", "abstract")}
    for ok in in_order:
        rows = np.repeat(np.asarray(order[ok], float), 4, axis=0)  # (sweep_trial, level)
        for k, lvl in enumerate(mins):
            mins[lvl].append(rows[:, k])
    data = {"distance": (("epoch", "trial", "time"), curves),
            **{f"min_{lvl}": (("epoch", "mode", "sweep_trial"), np.asarray(v)[:, None, :]) for lvl, v in mins.items()}}
    return xr.Dataset(data, coords={"epoch": list(range(1, len(outcomes) + 1)), "mode": ["invert"], "time": t,
                                    "trial_label": ("trial", labels), "noise": ("sweep_trial", noise)},
                      attrs={"training": "test", "mode": "invert"})


def test_concept_formation_claim_rules():
    """The approach claim names the first epoch with all labels; stages need every later checkpoint in order."""
    dip, stages = cf.claims(_fake(["no_approach", "settles", "approaches_and_stays"], [True, False, True]))
    assert dip.verdict == HOLDS and dip.measured.startswith("epoch 2")
    assert stages.verdict == HOLDS and stages.measured.startswith("epoch 3")
    dip, stages = cf.claims(_fake(["no_approach", "no_approach"], [True, False]))
    assert dip.verdict == FAILS and stages.verdict == FAILS
