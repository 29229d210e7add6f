"""The issue-6 studies (fig6, fig7, figB2) at the tiny profile on synthetic digits, and their claims."""

from __future__ import annotations

import os

import dask
import numpy as np
import pytest
import xarray as xr

from neurogen.data import Digits
from neurogen.studies import fig6, fig7, figB2
from neurogen.studies.fig7 import plateau
from neurogen.studies.report import FAILS, HOLDS, UNMEASURED, Claim



@pytest.fixture(scope="module")
def client(digits_pair, local_cluster):
    """The module's cluster, started after digits_pair set the cache (its workers inherit it)."""
    return local_cluster



def _check_claims(claims):
    assert claims and all(isinstance(c, Claim) for c in claims)
    assert all(c.verdict in (HOLDS, FAILS, UNMEASURED) and c.measured and c.rule for c in claims)


def test_fig6(check_study_files, digits_pair, client, tmp_path):
    """fig6 trains one network per Nz through the sweep, then measures dips and orthogonality."""
    r = fig6.study("tiny", tmp_path, "cpu", data=digits_pair, client=client)
    check_study_files(r, tmp_path, "fig6")
    assert r["n_latent"] == [2, 10]
    assert len(r["dip"]) == len(r["outcome"]) == len(r["off_diagonal_abs_mean"]) == 2
    assert all(o in {"no_dip", "settles", "runs_away"} for o in r["outcome"])
    assert all(0 <= v <= 1 for v in r["off_diagonal_abs_mean"])
    assert all(v < 0 for v in r["test_elbo"]) and r["trials"] == 8
    assert len(list((tmp_path / "fig6_sweep").glob("net-*.pt"))) == 2
    with xr.open_dataset(tmp_path / "fig6.nc") as ds:
        assert dict(ds["mean"].sizes) == {"n_latent": 2, "time": 7}
    claims = fig6.claims(r)
    _check_claims(claims)
    assert claims[0].verdict != UNMEASURED  # both groups (Nz <= 5 and Nz >= 10) were trained
    assert fig6.claims({**r, "n_latent": [2, 4]})[0].verdict == UNMEASURED  # no Nz >= 10
    # a rerun resumes from the sweep's files instead of training again
    again = fig6.study("tiny", tmp_path, "cpu", data=digits_pair, client=client)
    assert again["off_diagonal_abs_mean"] == pytest.approx(r["off_diagonal_abs_mean"])


def test_fig6_claims_rules():
    """The dip claim needs both groups; the orthogonality claim is a rank correlation."""
    base = {"n_latent": [2, 5, 10, 100], "outcome": ["no_dip", "no_dip", "settles", "settles"]}
    ok = fig6.claims({**base, "dip": [False, False, True, True], "off_diagonal_abs_mean": [0.6, 0.4, 0.2, 0.05]})
    assert [c.verdict for c in ok] == [HOLDS, HOLDS]
    bad = fig6.claims({**base, "dip": [True, False, True, True], "off_diagonal_abs_mean": [0.1, 0.4, 0.2, 0.5]})
    assert [c.verdict for c in bad] == [FAILS, FAILS]


def test_fig7(check_study_files, digits_pair, client, tmp_path):
    """fig7 picks the best (lr, batch size) per Nz and finds where the test bound levels off."""
    r = fig7.study("tiny", tmp_path, "cpu", data=digits_pair, client=client)
    check_study_files(r, tmp_path, "fig7")
    assert r["n_latent"] == [2, 4, 8] and r["n_failed"] == 0
    assert all(np.isfinite(r["best_test_elbo"])) and all(v < 0 for v in r["best_test_elbo"])
    # the importance-sampled bound is at least the ELBO (up to Monte-Carlo noise)
    assert all(ll >= e - 1.0 for ll, e in zip(r["best_test_log_likelihood"], r["best_test_elbo"]))
    assert set(r["best_batch_size"]) <= {50, 100} and set(r["best_lr"]) == {1e-3}
    assert r["plateau_n_latent"] in r["n_latent"]
    with xr.open_dataset(tmp_path / "fig7.nc") as ds:
        assert dict(ds["test_elbo"].sizes) == {"n_latent": 3, "lr": 1, "batch_size": 2}
    _check_claims(fig7.claims(r))
    with pytest.raises(ValueError, match="unknown fig7 setting"):
        fig7.study("tiny", tmp_path, "cpu", data=digits_pair, client=client, n_hiden=3)


def test_plateau_rule():
    """Nz* is the smallest Nz beyond which the bound never improves by more than tol."""
    assert plateau([2, 5, 10, 14, 20], [-160, -120, -103, -100.5, -100.0]) == 14
    assert plateau([2, 5, 10, 14, 20], [-160, -120, -103, -100.5, -100.0], tol=3.5) == 10
    assert plateau([20, 2, 10], [-99.0, -150.0, -104.0]) == 20  # still improving: the last one
    assert plateau([2, 10, 20], [-150.0, -100.0, -103.0]) == 10  # a drop after the best is fine
    assert plateau([2, 10], [float("nan"), float("nan")]) is None
    r = {"n_latent": [2, 10, 20], "best_test_elbo": [-150.0, -100.0, -99.5], "tol": 1.0}
    assert fig7.claims({**r, "plateau_n_latent": 10})[0].verdict == HOLDS
    assert fig7.claims({**r, "plateau_n_latent": 20})[0].verdict == FAILS  # the largest Nz tried
    assert fig7.claims({**r, "plateau_n_latent": 2})[0].verdict == FAILS


def test_figB2(check_study_files, digits_pair, tmp_path):
    """figB2 classifies x(T) of every trial and compares the two distance curves."""
    r = figB2.study("tiny", tmp_path, "cpu", data=digits_pair)
    check_study_files(r, tmp_path, "figB2")
    assert r["n_trials"] == 8 and 0 <= r["n_source"] <= 8
    assert r["fraction_source"] == pytest.approx(r["n_source"] / 8)
    assert sum(r["predicted_counts"].values()) == 8
    assert 0 <= r["classifier_test_accuracy"] <= 1
    assert r["outcome_all"] in {"no_dip", "settles", "runs_away"}
    with xr.open_dataset(tmp_path / "figB2.nc") as ds:
        assert dict(ds["probability"].sizes) == {"trial": 8, "class": 10}
        np.testing.assert_allclose(ds["probability"].sum("class"), 1, atol=1e-5)
        assert ds.sizes["time"] == 7
    # both pixel-swap readings are counted; the figure's mode (invert) agrees with the main numbers
    assert set(r["by_mode"]) == {"invert", "permute"} and r["mode"] == "invert"
    assert r["by_mode"]["invert"]["n_source"] == r["n_source"]
    assert all(b["n_trials"] == 8 and 0 <= b["n_source"] <= 8 for b in r["by_mode"].values())
    claims = figB2.claims(r)
    _check_claims(claims)
    assert [c.claim.endswith(f"({m})") for c, m in zip(claims, ["invert", "permute"])] == [True, True]
    assert claims[0].verdict == (HOLDS if r["fraction_source"] >= 0.5 else FAILS)
    assert claims[1].verdict == (HOLDS if r["by_mode"]["permute"]["fraction_source"] >= 0.5 else FAILS)
