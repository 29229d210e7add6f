"""Decoding over time (scikit-learn estimators and splitters): properties, today's numbers, bad input."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold, KFold, ShuffleSplit, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier

from neurogen.analysis import decode_over_time, entropy_bits, information_over_time, latency, peak_time


def _lat(x: np.ndarray, y: np.ndarray, source: np.ndarray | None = None) -> xr.DataArray:
    source = np.arange(len(y)) if source is None else source
    return xr.DataArray(x, dims=("trial", "time", "unit"),
                        coords={"label": ("trial", y), "source": ("trial", source),
                                "time": np.arange(x.shape[1])})


@st.composite
def labelled(draw):
    """A (trial, time, unit) state with 2–4 classes of 5–8 trials each."""
    k = draw(st.integers(2, 4))
    n = draw(st.integers(5, 8))
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(k), n)
    x = rng.normal(size=(k * n, 3, 4)) + draw(st.floats(0, 2)) * y[:, None, None]
    return _lat(x, y), seed


# --- the decoder of neurogen 0.x before scikit-learn, frozen here as the reference ---------------

def _reference_folds(y, folds, seed, x):
    rng = np.random.default_rng(seed)
    order = np.lexsort(x[:, 0].reshape(len(x), -1).T[::-1])
    fold = np.empty(len(y), dtype=np.int64)
    for c in np.unique(y):
        idx = order[y[order] == c]
        fold[idx[rng.permutation(len(idx))]] = np.arange(len(idx)) % folds
    return fold


def _reference_predict(x, y, folds, seed):
    fold = _reference_folds(y, folds, seed, x)
    n_classes = int(y.max()) + 1
    pred = np.empty(x.shape[:2], dtype=np.int64)
    for f in np.unique(fold):
        train, test = fold != f, fold == f
        onehot = np.eye(n_classes)[y[train]]
        means = np.einsum("tc,tsu->scu", onehot, x[train]) / onehot.sum(0)[None, :, None]
        xt = x[test].transpose(1, 0, 2)
        d = (xt**2).sum(-1)[:, :, None] - 2 * xt @ means.transpose(0, 2, 1) + (means**2).sum(-1)[:, None, :]
        pred[test] = d.argmin(-1).T
    return pred


def _reference_mi(y, pred, n_classes):
    out = np.empty(pred.shape[1])
    for t in range(pred.shape[1]):
        joint = np.zeros((n_classes, n_classes))
        np.add.at(joint, (y, pred[:, t]), 1.0)
        joint /= len(y)
        px, py = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
        nz = joint > 0
        out[t] = float((joint[nz] * np.log2(joint[nz] / (px @ py)[nz])).sum())
    return out


def _reference_information(x, y, folds, shuffles, seed):
    rng = np.random.default_rng(seed)
    k = int(y.max()) + 1
    raw = _reference_mi(y, _reference_predict(x, y, folds, rng), k)
    null = np.stack([_reference_mi(ys, _reference_predict(x, ys, folds, rng), k)
                     for ys in (rng.permutation(y) for _ in range(shuffles))])
    return raw - null.mean(0)


@settings(max_examples=20, deadline=None)
@given(labelled())
def test_default_matches_the_pre_sklearn_decoder(case):
    """The default (NearestCentroid, cv=5) gives today's accuracy and information exactly."""
    lat, seed = case
    x, y = lat.values, lat["label"].values
    expected = (_reference_predict(x, y, 5, seed) == y[:, None]).mean(0)
    np.testing.assert_array_equal(decode_over_time(lat, seed=seed).values, expected)
    info = information_over_time(lat, shuffles=3, seed=seed)
    np.testing.assert_allclose(info["information"].values, _reference_information(x, y, 5, 3, seed), atol=1e-12)


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


@pytest.mark.parametrize(
    ("estimator", "cv"),
    [
        (None, StratifiedKFold(4, shuffle=True, random_state=0)),
        (LogisticRegression(max_iter=500), 3),
        (KNeighborsClassifier(n_neighbors=1), KFold(3, shuffle=True, random_state=1)),
        (None, [(np.arange(6, 24), np.arange(6)), (np.arange(6), np.arange(6, 24))]),
    ],
    ids=["stratified-kfold", "logistic", "1-nn-kfold", "explicit-pairs"],
)
def test_any_sklearn_estimator_and_splitter(estimator, cv):
    """Any classifier and splitter decode separated classes perfectly and name themselves in attrs."""
    rng = np.random.default_rng(0)
    y = np.tile(np.arange(3), 8)
    x = rng.normal(scale=0.05, size=(24, 2, 3)) + 5 * y[:, None, None]
    acc = decode_over_time(_lat(x, y), estimator=estimator, cv=cv, seed=0)
    assert np.all(acc.values == 1.0)
    assert acc.attrs["estimator"].startswith(type(estimator).__name__ if estimator else "NearestCentroid")


def test_groups_keep_repeats_of_one_image_together():
    """With groups='source' and GroupKFold, category is decoded from images never seen in training."""
    rng = np.random.default_rng(3)
    source = np.repeat(np.arange(12), 4)
    y = source % 2
    # each image has its own offset; the category is carried only by a weak shared direction
    x = 3 * rng.normal(size=(12, 1, 5))[source] + 0.01 * rng.normal(size=(48, 1, 5))
    x[:, :, 0] += 0.5 * y[:, None]
    lat = _lat(x, y, source)
    leaky = decode_over_time(lat, estimator=KNeighborsClassifier(1), cv=4, seed=0)
    honest = decode_over_time(lat, estimator=KNeighborsClassifier(1), cv=GroupKFold(4), groups="source")
    assert float(leaky[0]) == 1.0  # a repeat of the same image is in the training set
    assert float(honest[0]) < 0.9


def test_identical_states_decode_at_chance_without_error():
    """A step where every state is the same (converged) is decoded as one class: accuracy = 1/K."""
    y = np.repeat(np.arange(4), 5)
    x = np.zeros((20, 2, 3))
    x[:, 1] = y[:, None]
    acc = decode_over_time(_lat(x, y), seed=0)
    np.testing.assert_allclose(acc.values, [0.25, 1.0])


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
    """Perfect decoding of k balanced classes carries log2(k) bits = H, i.e. 1 when normalised."""
    y = np.repeat(np.arange(4), 10)
    x = 10.0 * y[:, None, None] + np.zeros((40, 2, 3))
    info = information_over_time(_lat(x, y), shuffles=5, seed=0)
    assert np.allclose(info["raw"], 2.0)
    assert float(info["entropy"]) == 2.0 and info.attrs["units"] == "bits"
    norm = information_over_time(_lat(x, y), shuffles=5, seed=0, normalize=True)
    assert np.allclose(norm["raw"], 1.0)
    assert norm.attrs["normalized"] is True and norm.attrs["units"] == "1"


@settings(max_examples=15, deadline=None)
@given(labelled())
def test_normalised_and_gain_definitions(case):
    """normalize divides every curve by H(target); gain is information minus its first value."""
    lat, seed = case
    bits = information_over_time(lat, shuffles=2, seed=seed)
    frac = information_over_time(lat, shuffles=2, seed=seed, normalize=True)
    h = entropy_bits(lat["label"].values)
    assert float(bits["entropy"]) == pytest.approx(h)
    for name in ("information", "raw", "bias", "gain"):
        np.testing.assert_allclose(frac[name].values * h, bits[name].values, atol=1e-12)
    np.testing.assert_allclose(bits["gain"].values, bits["information"].values - float(bits["information"][0]))
    assert float(bits["gain"][0]) == 0.0
    assert np.all(frac["raw"].values <= 1 + 1e-12)


def test_identity_and_category_on_a_comparable_scale():
    """A 2-class and an 8-class variable, both decoded perfectly, both carry 1 in units of H."""
    source = np.repeat(np.arange(8), 5)
    label = source % 2
    x = np.stack([100.0 * label, 1.0 * source], axis=-1)[:, None, :]  # category far, identity near
    lat = _lat(x, label, source)
    cat = information_over_time(lat, "label", shuffles=2, seed=0, normalize=True)
    ide = information_over_time(lat, "source", shuffles=2, seed=0, normalize=True)
    assert float(cat["raw"][0]) == pytest.approx(1.0) and float(ide["raw"][0]) == pytest.approx(1.0)
    assert float(ide["entropy"]) == pytest.approx(3.0) and float(cat["entropy"]) == pytest.approx(1.0)


def test_entropy_bits():
    assert entropy_bits(np.repeat(np.arange(10), 3)) == pytest.approx(np.log2(10))
    assert entropy_bits([5, 5, 5]) == 0.0


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


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=20), st.floats(0, 3))
def test_peak_time_is_the_first_time_within_tol_of_the_maximum(values, tol):
    """peak_time is a time where the curve is within tol of its max, and no earlier time is."""
    curve = xr.DataArray(values, dims="time", coords={"time": np.arange(len(values)) * 2})
    t = peak_time(curve, tol=tol)
    v = np.asarray(values)
    k = int(t) // 2
    assert v[k] >= v.max() - tol
    assert np.all(v[:k] < v.max() - tol)
    assert peak_time(curve) == 2 * int(np.argmax(v))


def test_bad_input():
    """Missing coordinate, too few trials per class, no latent, bad estimator / cv: clear errors."""
    y = np.repeat(np.arange(2), 3)
    lat = _lat(np.random.default_rng(0).normal(size=(6, 2, 2)), y)
    with pytest.raises(ValueError, match="not a trial coordinate"):
        decode_over_time(lat, "colour")
    with pytest.raises(ValueError, match="fewer than cv=5 folds"):
        decode_over_time(lat, "label")
    with pytest.raises(ValueError, match="no 'latent' signal"):
        decode_over_time(xr.Dataset({"data": lat}))
    with pytest.raises(TypeError, match="estimator must be a scikit-learn classifier"):
        decode_over_time(lat, estimator="svm", cv=2)
    with pytest.raises(ValueError, match="cv must be >= 2"):
        decode_over_time(lat, cv=1)
    with pytest.raises(TypeError, match="cv must be"):
        decode_over_time(lat, cv=2.5)
    with pytest.raises(ValueError, match="exactly one test fold"):
        decode_over_time(lat, cv=ShuffleSplit(3, test_size=2, random_state=0))
    with pytest.raises(ValueError, match="not a trial coordinate"):
        decode_over_time(lat, cv=GroupKFold(2), groups="colour")
    with pytest.raises(TypeError, match="normalize must be"):
        information_over_time(lat, cv=2, normalize="yes")
    with pytest.raises(ValueError, match="tol must be"):
        peak_time(xr.DataArray([1.0], dims="time"), tol=-1)
