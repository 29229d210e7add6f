"""fig1 at the tiny profile: x(t) frames, the concept image and the data-space dip, per seed."""

from __future__ import annotations

import pytest

from neurogen import analysis as na
from neurogen.studies import load_result
from neurogen.studies import fig1
from neurogen.studies.claims import FAILS, HOLDS, MIXED


@pytest.fixture(scope="module")
def fig1_run(run_tiny):
    result, out = run_tiny("fig1")
    return result, load_result(out / "fig1.nc")


def test_sizes_per_profile():
    """quick and paper keep today's 50 trials and T = 80 on three seeds; tiny is small."""
    assert (fig1.SIZES["quick"].trials, fig1.SIZES["quick"].steps, fig1.SIZES["quick"].seeds) == (50, 80, (0, 1, 2))
    assert fig1.SIZES["paper"] == fig1.SIZES["quick"]
    assert fig1.SIZES["tiny"].seeds == (0, 1) and fig1.SIZES["tiny"].steps == 6


def test_dataset_dims_and_ranges(fig1_run):
    """Frames and concept images are images in [0, 1]; one distance curve per seed over T + 1 steps."""
    _, ds = fig1_run
    assert ds["images"].dims == ("seed", "time", "row", "col")
    assert ds.seed.values.tolist() == [0, 1] and ds.sizes["time"] == 7
    assert ds.sizes["row"] == ds.sizes["col"] == 28
    for v in ("images", "concept_image"):
        assert 0 <= float(ds[v].min()) and float(ds[v].max()) <= 1
    assert ds["distance_mean"].dims == ("seed", "time")
    assert bool((ds["distance_mean"] >= 0).all()) and bool((ds["distance_sem"] >= 0).all())
    assert ds["n"].values.tolist() == [8, 8]
    # the same stimuli for every subject, but different subjects
    assert len(set(ds["first_source"].values.tolist())) == 1
    assert len(set(ds["network_sha256"].values.tolist())) == 2


def test_dip_outcome_is_recomputable(fig1_run):
    """The stored outcome is returns_to_concept of the stored mean ± SEM, and dip ⇔ not 'no_approach'."""
    _, ds = fig1_run
    for seed in ds.seed.values:
        d = ds.sel(seed=seed)
        again = na.returns_to_concept(d["distance_mean"], sem=d["distance_sem"])
        assert str(again["outcome"].values) == str(d["dip_outcome"].values)
        assert str(d["dip_outcome"].values) in na.OUTCOMES
        assert bool(int(d["dip_dip"])) == (str(d["dip_outcome"].values) != "no_approach")
        assert int(d["dip_t_min"]) == int(d["distance_mean"].argmin("time"))


def test_claim_across_seeds(fig1_run):
    """One claim, with a value per seed, a 'k of 2' subjects text and a verdict from the per-seed dips."""
    result, ds = fig1_run
    (claim,) = result.claims
    assert claim.study == "fig1" and claim.reading == "invert"
    assert "seed 0:" in claim.measured and "seed 1:" in claim.measured
    dips = [bool(int(v)) for v in ds["dip_dip"].values]
    assert f"holds in {sum(dips)} of 2" in claim.subjects
    assert claim.verdict == (HOLDS if all(dips) else FAILS if not any(dips) else MIXED)


def test_every_variable_is_described(fig1_run):
    """Every variable and coordinate of the saved file has a long_name and units."""
    _, ds = fig1_run
    assert all({"long_name", "units"} <= set(ds[v].attrs) for v in ds.variables)
