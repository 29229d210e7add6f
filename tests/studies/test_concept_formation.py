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
    assert ds["stage_in_order"].dims == ("epoch", "mode")
    assert ds["mode"].values.tolist() == list(cf.SIZES["tiny"].modes)
    assert len(set(ds["network_sha256"].values.tolist())) == 2
    assert len(result.claims) == 1 + len(cf.SIZES["tiny"].modes)


def _fake(outcomes, in_order):
    epochs = list(range(1, len(outcomes) + 1))
    out = xr.DataArray([[o] * 3 for o in outcomes], dims=("epoch", "label"), coords={"epoch": epochs})
    return xr.Dataset({"dip_outcome": out, "dip_dip": out != "no_approach",
                       "stage_in_order": (("epoch", "mode"), [[v] for v in in_order]),
                       "stage_sequence": (("epoch", "mode"), [["I → II → III" if v else "I → III"] for v in in_order])},
                      coords={"mode": ["invert"], "label": [0, 1, 2]}, attrs={"training": "test", "mode": "invert"})


def test_concept_formation_claim_rules():
    """The approach claim names the first epoch with all labels; stages need every later checkpoint in order."""
    dip, stages = cf.claims(_fake(["no_approach", "settles", "approaches_and_stays"], [True, False, True]))
    assert dip.verdict == HOLDS and dip.measured.startswith("epoch 2")
    assert stages.verdict == HOLDS and stages.measured.startswith("epoch 3")
    dip, stages = cf.claims(_fake(["no_approach", "no_approach"], [True, False]))
    assert dip.verdict == FAILS and stages.verdict == FAILS
