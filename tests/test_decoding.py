"""Decoding over time: property tests (hypothesis) and bad input."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from neurogen.analysis.decoding import decode_over_time, information_over_time, latency


def _lat(x: np.ndarray, y: np.ndarray) -> xr.DataArray:
    return xr.DataArray(x, dims=("trial", "time", "unit"),
                        coords={"label": ("trial", y), "source": ("trial", np.arange(len(y))),
                                "time": np.arange(x.shape[1])})


@st.composite
def labelled(draw):
    """A (trial, time, unit) state with 2–4 classes of 5–8 trials each."""
    k = draw(st.integers(2, 4))
    n = draw(st.integers(5, 8))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(k), n)
    x = rng.normal(size=(k * n, 3, 4))
    return _lat(x, y), seed


@settings(max_examples=25, deadline=None)
@given(labelled())
def test_accuracy_in_unit_interval_and_permutation_invariant(case):
    """Accuracy lies in [0, 1] and does not depend on the order of trials (same folds by class)."""
    lat, seed = case
    acc = decode_over_time(lat, seed=seed)
    assert ((acc >= 0) & (acc <= 1)).all()
    assert acc.dims == ("time",)
    perm = np.random.default_rng(seed).permutation(lat.sizes["trial"])
    acc2 = decode_over_time(lat.isel(trial=perm), seed=seed)
    np.testing.assert_array_equal(acc.values, acc2.values)


@settings(max_examples=20, deadline=None)
@given(st.integers(2, 5), st.integers(0, 1000))
def test_separated_classes_decode_perfectly(k, seed):
    """Perfectly separated synthetic classes decode at 1.0, in any trial order."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(k), 6)
    x = rng.normal(scale=0.01, size=(len(y), 2, 3)) + 10 * y[:, None, None]
    lat = _lat(x, y)
    assert np.all(decode_over_time(lat, seed=seed).values == 1.0)
    assert np.all(decode_over_time(lat.isel(trial=rng.permutation(len(y))), seed=seed).values == 1.0)


def test_shuffled_targets_decode_at_chance():
    """Targets independent of the state decode within a binomial tolerance of chance."""
    rng = np.random.default_rng(1)
    y = np.repeat(np.arange(4), 100)
    acc = decode_over_time(_lat(rng.normal(size=(400, 5, 6)), y), seed=0)
    sd = np.sqrt(0.25 * 0.75 / 400)
    assert np.all(np.abs(acc.values - 0.25) < 4 * sd)
    assert acc.attrs["chance"] == 0.25


def test_information_of_independent_data_is_near_zero():
    """Bias-corrected information of independent data lies within its shuffle spread of 0."""
    rng = np.random.default_rng(2)
    y = np.repeat(np.arange(3), 30)
    info = information_over_time(_lat(rng.normal(size=(90, 4, 5)), y), shuffles=20, seed=0)
    assert np.all(np.abs(info["information"]) <= 4 * info["bias_sd"] + 1e-9)
    assert np.all(info["bias"] > 0)  # the plug-in estimate is biased upward


def test_information_of_separated_classes_is_log2_k():
    """Perfect decoding of k balanced classes carries about log2(k) bits."""
    y = np.repeat(np.arange(4), 10)
    x = 10.0 * y[:, None, None] + np.zeros((40, 2, 3))
    info = information_over_time(_lat(x, y), shuffles=5, seed=0)
    assert np.allclose(info["raw"], 2.0)


@pytest.mark.parametrize("step", [0, 3, 7])
def test_latency_of_step_function_is_the_step(step):
    """The latency of a step function is the step."""
    v = np.zeros(10)
    v[step:] = 1.0
    assert latency(xr.DataArray(v, dims="time", coords={"time": np.arange(10)})) == step


def test_latency_nan_when_never_above_chance():
    """A curve that never rises above chance has no latency."""
    curve = xr.DataArray(np.full(5, 0.1), dims="time", attrs={"chance": 0.1})
    assert np.isnan(latency(curve))


def test_bad_input():
    """Missing coordinate, too few trials per class, no latent: ValueErrors that say what is needed."""
    y = np.repeat(np.arange(2), 3)
    lat = _lat(np.zeros((6, 2, 2)), y)
    with pytest.raises(ValueError, match="not a trial coordinate"):
        decode_over_time(lat, "colour")
    with pytest.raises(ValueError, match="fewer than folds=5"):
        decode_over_time(lat, "label")
    with pytest.raises(ValueError, match="no 'latent' signal"):
        decode_over_time(xr.Dataset({"data": lat}))
    with pytest.raises(ValueError, match="decoder must be one of"):
        decode_over_time(lat, "label", folds=2, decoder="svm")
