"""The lesions study at the tiny profile: which units carry the concept-first transient, VAE and Hopfield."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurogen import analysis as na
from neurogen.studies import context, lesions
from neurogen.studies._common import save_data
from neurogen.studies._measure import distance_curves
from neurogen.studies.claims import FAILS, HOLDS, UNMEASURED, VERDICTS

SIZES = lesions.SIZES["tiny"]


@pytest.fixture(scope="module")
def ctx(digits_pair, torch_one_thread):
    return context("tiny", "cpu", digits_pair)


@pytest.fixture(scope="module")
def ds(ctx):
    return lesions.measure(ctx, SIZES)


def test_unit_sets():
    """none, active, inactive and random sets as large as the active one; seeded."""
    active = np.arange(10) < 3
    sets = lesions.unit_sets(active, 3, seed=0)
    assert list(sets) == ["none", "active", "inactive", "random 0", "random 1", "random 2"]
    assert not sets["none"].any() and (sets["active"] == active).all() and (sets["inactive"] == ~active).all()
    assert all(sets[f"random {i}"].sum() == 3 for i in range(3))
    assert all((lesions.unit_sets(active, 3, 0)[k] == v).all() for k, v in sets.items())
    assert any((lesions.unit_sets(active, 3, 1)[f"random {i}"] != sets[f"random {i}"]).any() for i in range(3))


def test_dataset_layout(ds, ctx):
    """Every condition has curves, dips, per-trial minima and its lesioned mask; active units are the hierarchy's."""
    assert list(ds.condition.values) == ["none", "active", "inactive"] + [f"random {i}" for i in range(SIZES.n_random)]
    assert ds["mean"].dims == ("condition", "label", "time") and ds.sizes["time"] == SIZES.steps + 1
    assert ds["min_concept"].dims == ("condition", "trial") and ds.sizes["trial"] == SIZES.levels * SIZES.sweep_trials
    active = na.active_units(ctx.hierarchy.memory).values
    np.testing.assert_array_equal(ds["active"].values, active)
    lesioned = ds["lesioned"].values.astype(bool)
    assert lesioned[0].sum() == 0 and (lesioned[1] == active).all() and (lesioned[2] == ~active).all()
    assert (lesioned[3:].sum(1) == active.sum()).all()
    assert np.isfinite(ds["mean"].values).all() and (ds["sem"].values >= 0).all()
    hop = lesions.hopfield_part(ds)
    assert list(hop.condition.values) == ["none"] + [f"{f:g} #{i}" for f in SIZES.hopfield.fractions
                                                     for i in range(SIZES.hopfield.n_random)]
    assert hop["mean"].dims == ("condition", "time") and hop.sizes["time"] == SIZES.hopfield.steps + 1


def test_no_lesion_is_the_plain_protocol(ds, ctx):
    """The 'none' condition is Fig. 2's measurement without interventions, and 'active' differs from it."""
    labels = [int(v) for v in ds.label.values]
    plain = distance_curves(ctx, labels, SIZES.trials, SIZES.p, SIZES.mode, SIZES.steps)
    np.testing.assert_allclose(ds["mean"].sel(condition="none").values, plain["mean"].values, rtol=1e-6)
    assert not np.allclose(ds["mean"].sel(condition="active").values, plain["mean"].values)


def test_lesioning_every_unit_freezes_the_state(ds):
    """With all units held at their means the distance to the concept is constant over time (the tiny VAE's
    units are all active, so the 'active' condition lesions every unit)."""
    if bool(ds["active"].all()):
        curve = ds["mean"].sel(condition="active")
        np.testing.assert_allclose(curve.values, curve.isel(time=[0]).values.repeat(curve.sizes["time"], 1), rtol=1e-5)
        assert not lesions.vae_summary(ds)["active"]["n_dip"]
    else:
        pytest.skip("some units inactive")


def test_claims_follow_the_data(ds, tmp_path):
    """One row per question, computed from the dataset alone (a saved file gives the same claims)."""
    rows = lesions.claims(ds)
    assert len(rows) == 3 + len(SIZES.hopfield.fractions)
    assert all(r.study == "lesions" and r.verdict in VERDICTS for r in rows)
    summary = lesions.vae_summary(ds)
    none, act = summary["none"]["n_dip"], summary["active"]["n_dip"]
    expected = UNMEASURED if none == 0 else (HOLDS if act == 0 else FAILS)
    assert rows[0].verdict == expected
    saved = xr.load_dataset(save_data(ds, tmp_path, "lesions"))
    assert lesions.claims(saved) == rows
    assert lesions.plot(saved).axes


def _set_curves(d: xr.Dataset, condition: str, dip: bool) -> None:
    """Every trial of ``condition``: a clear dip that settles, or a clear rise; per-trial offsets only."""
    t = d["time"].values
    curve = np.where(t == 0, 10.0, 6.0 + 0.3 * t) if dip else 10.0 + t
    rng = np.random.default_rng(len(condition))
    n = d.sizes["dip_trial"]
    d["distance"].loc[{"condition": condition}] = curve[None, :] + 0.01 * rng.standard_normal((n, 1))


def test_claim_rules_flip(ds):
    """Doctored trials flip the verdicts: the rules are computed from the trials, not written down."""
    d = ds.copy(deep=True)
    _set_curves(d, "none", True)
    _set_curves(d, "active", False)
    d["distance"].loc[{"condition": "inactive"}] = d["distance"].sel(condition="none")
    for k in ("memory", "concept", "abstract"):
        d[f"min_{k}"].loc[{"condition": "inactive"}] = d[f"min_{k}"].sel(condition="none")
    for i in range(SIZES.n_random):
        _set_curves(d, f"random {i}", True)
    rows = lesions.claims(d)
    assert rows[0].verdict == HOLDS and rows[1].verdict == HOLDS and rows[2].verdict == HOLDS
    _set_curves(d, "active", True)
    _set_curves(d, "inactive", False)
    rows = lesions.claims(d)
    assert rows[0].verdict == FAILS and rows[1].verdict == FAILS and rows[2].verdict == FAILS
