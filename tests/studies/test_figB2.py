"""figB2 at the tiny profile: classified final states and the approach in both conditions, per seed."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurogen import analysis as na
from neurogen.data import cache_dir
from neurogen.studies import figB2, load_result
from neurogen.studies.claims import FAILS, HOLDS, MIXED


@pytest.fixture(scope="module")
def figB2_run(run_tiny):
    result, out = run_tiny("figB2")
    return result, load_result(out / "figB2.nc")


def test_sizes_per_profile():
    """quick keeps 300 trials, T = 80 and the default classifier recipe; tiny a narrow CNN."""
    q, t = figB2.SIZES["quick"], figB2.SIZES["tiny"]
    assert (q.trials, q.steps, q.seeds, q.mode, q.classifier_arch) == (300, 80, (0, 1, 2), "invert", None)
    assert (t.seeds, t.classifier_arch, t.classifier_epochs) == ((0, 1), (8, 16, 32), 2)


def test_classifications(figB2_run, digits_pair):
    """Probabilities sum to 1, predictions are their argmax, and every trial starts from a '6'."""
    _, ds = figB2_run
    assert ds["probability"].dims == ("seed", "trial", "class") and ds.sizes["class"] == 10
    np.testing.assert_allclose(ds["probability"].sum("class").values, 1, atol=1e-5)
    np.testing.assert_array_equal(ds["predicted"].values, ds["probability"].argmax("class").values)
    np.testing.assert_array_equal(ds["n_source"].values, (ds["predicted"] == 6).sum("trial").values)
    assert ds["n_all"].values.tolist() == [8, 8]
    train, _ = digits_pair
    assert set(train.labels[ds["source"].values].tolist()) == {6}
    assert list(cache_dir().glob("classifier-*.pt")), "the classifier is trained once and cached"


def test_curves_and_outcomes(figB2_run):
    """Each condition has a curve over T + 1 steps and an outcome; dip ⇔ an approach."""
    _, ds = figB2_run
    for cond in figB2.CONDITIONS:
        assert ds[f"mean_{cond}"].dims == ("seed", "time") and ds.sizes["time"] == 7
        for seed in ds.seed.values:
            d = ds.sel(seed=seed)
            outcome = str(d[f"outcome_{cond}"].values)
            assert outcome in (*na.OUTCOMES, "no_trials")
            assert bool(int(d[f"dip_{cond}"])) == (outcome not in ("no_approach", "no_trials"))
            if int(d[f"n_{cond}"]) > 1:
                again = na.returns_to_concept(d[f"mean_{cond}"], sem=d[f"sem_{cond}"])
                assert str(again["outcome"].values) == outcome


def test_curve_edge_cases():
    """No trials gives NaN and 'no_trials'; one trial is read without a standard error."""
    d = xr.DataArray(np.array([[5.0, 2.0, 2.0, 2.0]]), dims=("trial", "time"), coords={"time": np.arange(4)})
    none = figB2._curve(d.isel(trial=[]))
    assert str(none["outcome"].values) == "no_trials" and np.isnan(none["mean"]).all() and int(none["n"]) == 0
    one = figB2._curve(d)
    assert str(one["outcome"].values) == "approaches_and_stays" and bool(one["dip"]) and int(one["t_min"]) == 1


def test_claims(figB2_run):
    """The '6' count and the approach claims, per seed, with verdicts from the stored numbers."""
    result, ds = figB2_run
    count, approach = result.claims
    fractions = (ds["n_source"] / ds["n_all"]).values
    oks = [f >= 0.5 for f in fractions]
    assert count.verdict == (HOLDS if all(oks) else FAILS if not any(oks) else MIXED)
    assert f"seed 1: {int(ds['n_source'].sel(seed=1))} of 8" in count.measured
    dips = [bool(int(a)) and bool(int(s)) for a, s in zip(ds["dip_all"].values, ds["dip_source"].values)]
    assert approach.verdict == (HOLDS if all(dips) else FAILS if not any(dips) else MIXED)
    assert f"holds in {sum(dips)} of 2" in approach.subjects
    assert count.reading == approach.reading == "invert"


def test_every_variable_is_described(figB2_run):
    """Every variable and coordinate of the saved file has a long_name and units."""
    _, ds = figB2_run
    assert all({"long_name", "units"} <= set(ds[v].attrs) for v in ds.variables)
