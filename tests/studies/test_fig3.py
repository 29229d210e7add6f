"""fig3 at the tiny profile: active units under every criterion, component counts and cosines, per seed."""

from __future__ import annotations

import numpy as np
import pytest

from neurogen import analysis as na
from neurogen.studies import fig3, load_result
from neurogen.studies.claims import FAILS, HOLDS, MIXED


@pytest.fixture(scope="module")
def fig3_run(run_tiny):
    result, out = run_tiny("fig3")
    return result, load_result(out / "fig3.nc")


def test_active_units_by_criterion(fig3_run):
    """Every criterion is counted per seed, and each count is the number of unit scores above its threshold."""
    _, ds = fig3_run
    assert ds["active_units"].dims == ("seed", "criterion")
    assert ds.criterion.values.tolist() == list(na.CRITERIA)
    n_units = int(ds.attrs["n_units"])
    assert n_units == ds.sizes["unit"] == 8
    assert bool(((ds["active_units"] >= 0) & (ds["active_units"] <= n_units)).all())
    above = (ds["unit_score"] > ds["threshold"]).sum("unit")
    np.testing.assert_array_equal(above.transpose("seed", "criterion").values, ds["active_units"].values)
    assert bool((ds["unit_score"].sel(criterion="kl") >= 0).all())  # a KL is never negative


def test_kl_matches_the_posterior(fig3_run, digits_pair):
    """The KL scores come from the subject's own posterior on the hierarchy's images."""
    import torch

    from neurogen.studies import context

    _, ds = fig3_run
    ctx = context("tiny", "cpu", digits_pair)
    mem = ctx.hierarchy.memory
    where = {int(i): k for k, i in enumerate(ctx.train.index)}
    images = ctx.train.images[[where[int(i)] for i in mem["sample"].values]]
    with torch.inference_mode():
        mu, lv = ctx.network.posterior(torch.as_tensor(images))
    mu, lv = mu.double().numpy(), lv.double().numpy()
    np.testing.assert_allclose(mu, mem.values, atol=1e-5)  # the hierarchy's samples are these images
    kl = (0.5 * (mu**2 + np.exp(lv) - 1 - lv)).mean(0)
    np.testing.assert_allclose(ds["unit_score"].sel(seed=0, criterion="kl").values, kl, rtol=1e-5, atol=1e-7)


def test_spectrum_components_and_cosines(fig3_run):
    """Cumulative ratios rise to 1; 70 % needs no more components than 99 %; cosines have a unit diagonal."""
    _, ds = fig3_run
    cum = ds["cumulative"].values
    assert (np.diff(cum, axis=1) >= -1e-12).all() and np.allclose(cum[:, -1], 1)
    k = ds["n_components"]
    assert bool((k.sel(component_criterion="cumulative_0.7") <= k.sel(component_criterion="cumulative_0.99")).all())
    assert bool(((k >= 1) & (k <= ds.sizes["component"])).all())
    cos = ds["cosine_similarity"].values
    assert np.allclose(np.diagonal(cos, axis1=1, axis2=2), 1) and (np.abs(cos) <= 1 + 1e-12).all()
    assert bool(((ds["off_diagonal_abs_mean"] >= 0) & (ds["off_diagonal_abs_mean"] <= 1)).all())


def test_claims_one_row_per_criterion(fig3_run):
    """4 active-unit rows, 4 component rows and the orthogonality row; verdicts follow the rules per seed."""
    result, ds = fig3_run
    rows = result.claims
    assert len(rows) == len(na.CRITERIA) + ds.sizes["component_criterion"] + 1
    for row, crit in zip(rows, na.CRITERIA):
        counts = ds["active_units"].sel(criterion=crit).values.tolist()
        assert row.claim.startswith("Active latent units") and row.paper == "14 of 100"
        oks = [7 <= c <= 21 for c in counts]
        assert row.verdict == (HOLDS if all(oks) else FAILS if not any(oks) else MIXED)
        assert f"holds in {sum(oks)} of 2" in row.subjects
        assert "exactly 14" in row.measured and all(f"seed {s}: {c} of 8" in row.measured
                                                    for s, c in zip((0, 1), counts))
    assert "kl" not in rows[2].claim and "nats" in rows[2].claim
    assert rows[-1].claim == "Concepts of different labels are nearly orthogonal"
    assert fig3.PAPER_ACTIVE == 14


def test_every_variable_is_described(fig3_run):
    """Every variable and coordinate of the saved file has a long_name and units."""
    _, ds = fig3_run
    assert all({"long_name", "units"} <= set(ds[v].attrs) for v in ds.variables)
