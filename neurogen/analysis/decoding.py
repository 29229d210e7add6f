"""Time-resolved population decoding: which information a recorded population carries, and when.

Owns :func:`decode_over_time` (cross-validated accuracy of decoding a trial coordinate — ``label``
= category, ``source`` = identity — from the state at each step, with any scikit-learn classifier
and splitter), :func:`information_over_time` (mutual information between true and decoded classes,
bias-corrected by shuffling; optionally as a fraction of the variable's entropy, and as the gain
over t = 0), :func:`latency` (when a curve first reaches a fraction of its rise above chance) and
:func:`peak_time` (when it peaks). The question is Sugase et al. (1999)'s: does global (category)
information arrive before fine (identity) information? Pure functions over labelled arrays; no torch.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable
from typing import Any

import numpy as np
import xarray as xr
from sklearn.base import clone
from sklearn.model_selection import PredefinedSplit
from sklearn.neighbors import NearestCentroid
from threadpoolctl import threadpool_limits

from neurogen.analysis.statistics import _check_tol

__all__ = ["decode_over_time", "entropy_bits", "information_over_time", "latency", "peak_time"]


def _latent(recording: Any) -> xr.DataArray:
    if isinstance(recording, xr.DataArray):
        return recording
    ds = getattr(recording, "dataset", recording)
    if not isinstance(ds, xr.Dataset):
        msg = f"recording must be a Recording, an xarray.Dataset or a DataArray, got {type(recording).__name__}."
        raise TypeError(msg)
    if "latent" not in ds:
        msg = "the recording has no 'latent' signal; record it with Probe(signals=['latent'])."
        raise ValueError(msg)
    return ds["latent"]


def _trial_coord(lat: xr.DataArray, name: Hashable, dim: Hashable, what: str) -> np.ndarray:
    if name not in lat.coords or lat[name].dims != (dim,):
        coords = [c for c in lat.coords if lat[c].dims == (dim,)]
        msg = f"{what} {name!r} is not a trial coordinate; available: {coords}."
        raise ValueError(msg)
    return lat[name].values


def _prepare(recording: Any, target: Hashable, cv: Any, dim: Hashable, feature: Hashable,
             groups: Hashable | None) -> tuple[xr.DataArray, np.ndarray, np.ndarray, np.ndarray | None]:
    lat = _latent(recording)
    for d in (dim, "time", feature):
        if d not in lat.dims:
            msg = f"the recorded state needs dims ({dim!r}, 'time', {feature!r}); got {lat.dims}."
            raise ValueError(msg)
    classes, y = np.unique(_trial_coord(lat, target, dim, "target"), return_inverse=True)
    group_values = None if groups is None else _trial_coord(lat, groups, dim, "groups")
    if len(classes) < 2:
        msg = f"target {target!r} has a single class; decoding needs at least two."
        raise ValueError(msg)
    if isinstance(cv, bool):
        msg = f"cv must be an int >= 2, a scikit-learn splitter or an iterable of (train, test), got {cv!r}."
        raise TypeError(msg)
    if isinstance(cv, (int, np.integer)):
        if cv < 2:
            msg = f"cv must be >= 2 folds: {cv}"
            raise ValueError(msg)
        counts = np.bincount(y)
        if counts.min() < cv:
            msg = (f"target {target!r}: class {classes[counts.argmin()]!r} has {counts.min()} trials, fewer "
                   f"than cv={cv} folds; present each class at least {cv} times (Stimulus repeats=) or "
                   "lower cv.")
            raise ValueError(msg)
    x = np.asarray(lat.transpose(dim, "time", feature).values, dtype=np.float64)
    if not np.isfinite(x).all():
        msg = "the recorded state contains NaN or inf."
        raise ValueError(msg)
    return lat, x, y.astype(np.int64), group_values


def _fold_ids(y: np.ndarray, folds: int, seed: Any, x: np.ndarray) -> np.ndarray:
    """Stratified fold assignment: within each class, a seeded shuffle dealt round-robin.

    Trials are first put in a canonical order (by their recorded states), so the assignment —
    and so the accuracy — does not depend on the order in which trials are stored.
    """
    rng = np.random.default_rng(seed)
    # states at the first step identify a trial (identical ones are interchangeable)
    order = np.lexsort(x[:, 0].reshape(len(x), -1).T[::-1])
    fold = np.empty(len(y), dtype=np.int64)
    for c in np.unique(y):
        idx = order[y[order] == c]
        fold[idx[rng.permutation(len(idx))]] = np.arange(len(idx)) % folds
    return fold


def _splits(cv: Any, x: np.ndarray, y: np.ndarray, groups: np.ndarray | None,
            rng: Any) -> list[tuple[np.ndarray, np.ndarray]]:
    """(train, test) index pairs whose test sets partition the trials."""
    if isinstance(cv, (int, np.integer)):
        cv = PredefinedSplit(_fold_ids(y, int(cv), rng, x))
    if hasattr(cv, "split"):
        pairs = list(cv.split(x[:, 0], y, groups))
    else:
        try:
            pairs = list(cv)
        except TypeError as err:
            msg = (f"cv must be an int >= 2, a scikit-learn splitter (with .split) or an iterable of "
                   f"(train, test) index arrays, got {type(cv).__name__}.")
            raise TypeError(msg) from err
    tested = np.zeros(len(y), dtype=np.int64)
    for _, test in pairs:
        tested[np.asarray(test)] += 1
    if not pairs or not np.all(tested == 1):
        msg = (f"cv must put every trial in exactly one test fold (a partition, like KFold); "
               f"{int(np.sum(tested == 0))} trial(s) are never tested and {int(np.sum(tested > 1))} more than once.")
        raise ValueError(msg)
    return [(np.asarray(tr), np.asarray(te)) for tr, te in pairs]


def _predictions(x: np.ndarray, y: np.ndarray, estimator: Any,
                 splits: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Cross-validated predictions (trial, time): one clone of ``estimator`` per fold and step.

    A step at which every training state is the same carries no information: its test trials are
    all predicted as the smallest training class (what a nearest-centroid rule gives on a tie),
    without fitting (scikit-learn's NearestCentroid refuses such data).

    The fits run with native thread pools limited to one thread: each fold-and-step problem is
    small, and scikit-learn's OpenMP dispatch costs ~30 ms a call on two busy cores (measured:
    80× slower than single-threaded for 50 × 8 states).
    """
    pred = np.empty(x.shape[:2], dtype=np.int64)
    with warnings.catch_warnings(), np.errstate(divide="ignore", invalid="ignore"), threadpool_limits(limits=1):
        # NearestCentroid warns about (and divides by) zero within-class spread (converged
        # states), which only matters for its shrinkage option; the nearest-mean prediction
        # is unaffected.
        warnings.filterwarnings("ignore", message="self.within_class_std_dev_ has at least 1 zero")
        for train, test in splits:
            for t in range(x.shape[1]):
                xt = x[train, t]
                if np.all(xt == xt[0]):
                    pred[test, t] = y[train].min()
                else:
                    pred[test, t] = clone(estimator).fit(xt, y[train]).predict(x[test, t])
    return pred


def _estimator(estimator: Any) -> Any:
    if estimator is None:
        return NearestCentroid()
    if not (hasattr(estimator, "fit") and hasattr(estimator, "predict")):
        msg = f"estimator must be a scikit-learn classifier (with fit and predict), got {type(estimator).__name__}."
        raise TypeError(msg)
    return estimator


def _describe(estimator: Any, cv: Any) -> dict[str, Any]:
    return {"estimator": repr(estimator), "cv": int(cv) if isinstance(cv, (int, np.integer)) else repr(cv)}


def decode_over_time(recording: Any, target: Hashable = "label", *, estimator: Any = None, cv: Any = 5,
                     groups: Hashable | None = None, seed: Any = None, dim: Hashable = "trial",
                     feature: Hashable = "unit") -> xr.DataArray:
    """Cross-validated accuracy of decoding the trial coordinate ``target`` at each step.

    At each step t a fresh clone of ``estimator`` is fitted on the training trials' states
    z(t) and predicts the test trials'; every trial is predicted exactly once. A step at which
    all training states are identical carries no information: its test trials are predicted as
    the smallest training class, without fitting.

    Parameters
    ----------
    recording : Recording, xarray.Dataset or xarray.DataArray
        Its ``latent`` (trial, time, unit) with ``target`` as a coordinate on ``trial``.
    target : hashable, default "label"
        ``"label"`` (category), ``"source"`` (which image: identity), or any trial coordinate.
    estimator : scikit-learn classifier, optional
        Any object with ``fit``/``predict`` that ``sklearn.base.clone`` can copy. Default
        ``sklearn.neighbors.NearestCentroid()`` (class means of the training trials, Euclidean
        nearest mean). Seed a stochastic one through its own ``random_state``.
    cv : int, scikit-learn splitter or iterable of (train, test), default 5
        An int k: stratified k-fold — within each class, the trials (in a canonical order, so the
        result does not depend on the order they are stored in) are shuffled with ``seed`` and
        dealt round-robin into k folds (the assignment of ``StratifiedKFold(k, shuffle=True)``,
        made independent of trial order; every class needs ≥ k trials), passed to scikit-learn as a
        ``PredefinedSplit``. A splitter (``StratifiedKFold``, ``GroupKFold``, ...) is called as
        ``cv.split(z(0), y, groups)``. Either way the test folds must partition the trials.
    groups : hashable, optional
        A trial coordinate passed to the splitter as ``groups`` (e.g. ``"source"`` with
        ``GroupKFold``, so that repeats of one image never straddle train and test).
    seed : int or Generator, optional
        Seeds the fold assignment of an int ``cv``.
    dim, feature : hashable
        The trial and unit dimensions.

    Returns
    -------
    xarray.DataArray
        ``accuracy`` over ``time`` in [0, 1]; attrs ``chance`` (1 / number of classes),
        ``n_classes``, ``estimator`` (its repr), ``cv``, ``target``.

    Raises
    ------
    TypeError
        A recording without states, an estimator without fit/predict, an unusable ``cv``.
    ValueError
        A target that is not a trial coordinate, a single class, fewer trials per class than an
        int ``cv``, folds that do not partition the trials, NaN states.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> y = np.repeat([0, 1], 5)
    >>> z = xr.DataArray(np.stack([y, -y], -1)[:, None, :] * np.array([[0.0], [1.0]]),
    ...                  dims=("trial", "time", "unit"), coords={"label": ("trial", y)})
    >>> decode_over_time(z, cv=5, seed=0).values  # nothing at t = 0, everything at t = 1
    array([0.5, 1. ])
    """
    estimator = _estimator(estimator)
    lat, x, y, group_values = _prepare(recording, target, cv, dim, feature, groups)
    pred = _predictions(x, y, estimator, _splits(cv, x, y, group_values, seed))
    acc = (pred == y[:, None]).mean(0)
    n_classes = int(y.max()) + 1
    return xr.DataArray(acc, dims="time", coords={"time": lat["time"].values}, name="accuracy",
                        attrs={"long_name": f"cross-validated accuracy of decoding {target}", "units": "1",
                               "chance": 1.0 / n_classes, "n_classes": n_classes, "target": str(target),
                               **_describe(estimator, cv)})


def _mutual_information(y: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Plug-in MI (bits) between true ``y`` (trial,) and decoded ``pred`` (trial, time), per time."""
    n = len(y)
    out = np.empty(pred.shape[1])
    for t in range(pred.shape[1]):
        joint = np.zeros((n_classes, n_classes))
        np.add.at(joint, (y, pred[:, t]), 1.0)
        joint /= n
        px, py = joint.sum(1, keepdims=True), joint.sum(0, keepdims=True)
        nz = joint > 0
        out[t] = float((joint[nz] * np.log2(joint[nz] / (px @ py)[nz])).sum())
    return out


def entropy_bits(values: Any) -> float:
    """Plug-in entropy H = −Σ_k p_k log₂ p_k (bits) of the empirical distribution of ``values``.

    Examples
    --------
    >>> entropy_bits([0, 1, 2, 3]), entropy_bits([0, 0, 1, 1, 1, 1])
    (2.0, 0.9182958340544896)
    """
    _, counts = np.unique(np.asarray(values), return_counts=True)
    p = counts / counts.sum()
    return float(-(p * np.log2(p)).sum())


def information_over_time(recording: Any, target: Hashable = "label", *, estimator: Any = None, cv: Any = 5,
                          groups: Hashable | None = None, shuffles: int = 10, seed: Any = None,
                          normalize: bool = False, dim: Hashable = "trial",
                          feature: Hashable = "unit") -> xr.Dataset:
    """Mutual information between true and decoded classes at each step, bias-corrected.

    Definitions, with ŷ(t) the cross-validated prediction of :func:`decode_over_time` at step t:

    * ``raw`` I_raw(t): the plug-in mutual information (bits) of the confusion table of (y, ŷ(t));
    * ``bias`` (and ``bias_sd``): the mean (and SD, ddof=1) of the same quantity over
      ``shuffles`` decodings of copies of the data whose targets were permuted across trials
      (seeded): the limited-sampling bias;
    * ``information`` I(t) = I_raw(t) − bias(t);
    * ``gain`` ΔI(t) = I(t) − I(t₀), t₀ the first step: information gained by inference beyond
      what the corrupted input already carries;
    * ``entropy`` H(Y) = −Σ_k p_k log₂ p_k of the target over the trials (bits; log₂ K for K
      balanced classes), the most any I(t) can be.

    With ``normalize=True`` every curve (``information``, ``raw``, ``bias``, ``bias_sd``,
    ``gain``) is divided by H(Y): a fraction of the variable's entropy (≤ 1), so that a 10-class
    category and a many-class identity are on a comparable scale.

    Parameters
    ----------
    recording, target, estimator, cv, groups, dim, feature
        As :func:`decode_over_time`.
    shuffles : int, default 10
        Number of target permutations for the bias, ≥ 1.
    seed : int or Generator, optional
        Seeds the folds of an int ``cv`` and the permutations.
    normalize : bool, default False
        Report the curves in units of H(Y) instead of bits.

    Returns
    -------
    xarray.Dataset
        Over ``time``: ``information``, ``raw``, ``bias``, ``bias_sd``, ``gain``; 0-d
        ``entropy`` (bits, always); attrs ``n_classes``, ``max_bits`` (log₂ K), ``entropy_bits``,
        ``normalized``, ``units`` ("bits" or "1"), ``shuffles``, ``target``, ``estimator``, ``cv``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> y = np.repeat([0, 1, 2, 3], 5)
    >>> z = xr.DataArray(y[:, None, None] * np.array([[0.0], [10.0]]),
    ...                  dims=("trial", "time", "unit"), coords={"label": ("trial", y)})
    >>> info = information_over_time(z, shuffles=2, seed=0)
    >>> info["raw"].values, float(info["entropy"])
    (array([0., 2.]), 2.0)
    >>> information_over_time(z, shuffles=2, seed=0, normalize=True)["raw"].values
    array([0., 1.])
    """
    if isinstance(shuffles, bool) or not isinstance(shuffles, (int, np.integer)) or shuffles < 1:
        msg = f"'shuffles' must be an int >= 1: {shuffles!r}"
        raise ValueError(msg)
    if not isinstance(normalize, (bool, np.bool_)):
        msg = f"normalize must be True or False, got {normalize!r}."
        raise TypeError(msg)
    estimator = _estimator(estimator)
    lat, x, y, group_values = _prepare(recording, target, cv, dim, feature, groups)
    rng = np.random.default_rng(seed)
    n_classes = int(y.max()) + 1

    def mi(labels: np.ndarray) -> np.ndarray:
        splits = _splits(cv, x, labels, group_values, rng)
        return _mutual_information(labels, _predictions(x, labels, estimator, splits), n_classes)

    raw = mi(y)
    null = np.stack([mi(ys) for ys in (rng.permutation(y) for _ in range(shuffles))])
    info = raw - null.mean(0)
    h = entropy_bits(y)
    scale = h if normalize else 1.0
    units = "1" if normalize else "bits"
    curves = {
        "information": (info, "bias-corrected mutual information"),
        "raw": (raw, "plug-in mutual information"),
        "bias": (null.mean(0), "mean information of shuffled targets"),
        "bias_sd": (null.std(0, ddof=1) if shuffles > 1 else 0 * raw, "SD of the shuffled information"),
        "gain": (info - info[0], "information gained since the first step"),
    }
    data = {name: ("time", values / scale, {"long_name": long_name, "units": units})
            for name, (values, long_name) in curves.items()}
    data["entropy"] = ((), h, {"long_name": f"entropy of {target}", "units": "bits"})
    return xr.Dataset(
        data,
        coords={"time": lat["time"].values},
        attrs={"n_classes": n_classes, "max_bits": float(np.log2(n_classes)), "entropy_bits": h,
               "normalized": bool(normalize), "units": units, "target": str(target),
               "shuffles": int(shuffles), **_describe(estimator, cv)},
    )


def _check_curve(curve: Any, dim: Hashable) -> np.ndarray:
    if not isinstance(curve, xr.DataArray) or curve.dims != (dim,):
        msg = f"curve must be a 1-D DataArray over {dim!r}."
        raise TypeError(msg)
    v = np.asarray(curve.values, dtype=np.float64)
    if v.size == 0 or not np.isfinite(v).all():
        msg = "curve must be non-empty and finite."
        raise ValueError(msg)
    return v


def _coord(curve: xr.DataArray, dim: Hashable, k: int) -> float:
    coord = curve[dim].values if dim in curve.coords else np.arange(curve.sizes[dim])
    return float(coord[k])


def latency(curve: xr.DataArray, fraction: float = 0.5, *, chance: float | None = None,
            dim: Hashable = "time") -> float:
    """First ``dim`` value at which ``curve`` reaches ``chance + fraction·(max − chance)``.

    ``chance`` defaults to ``curve.attrs["chance"]`` (accuracy curves) or 0 (information).
    Returns NaN if the curve never rises above chance.

    Examples
    --------
    >>> import xarray as xr
    >>> latency(xr.DataArray([0.1, 0.2, 0.9, 1.0], dims="time", attrs={"chance": 0.1}))
    2.0
    """
    v = _check_curve(curve, dim)
    if not 0 < fraction <= 1:
        msg = f"'fraction' must lie in (0, 1]: {fraction}"
        raise ValueError(msg)
    base = float(curve.attrs.get("chance", 0.0)) if chance is None else float(chance)
    top = v.max()
    if top <= base:
        return float("nan")
    return _coord(curve, dim, int(np.argmax(v >= base + fraction * (top - base))))


def peak_time(curve: xr.DataArray, dim: Hashable = "time", *, tol: float = 0.0) -> float:
    """The time of peak information: the first ``dim`` value at which ``curve`` ≥ max(curve) − ``tol``.

    With ``tol = 0`` this is the first maximum. A positive ``tol`` (in the curve's units, e.g. the
    shuffle spread ``bias_sd``, or 0.05 of a normalised curve) ignores differences smaller than
    the noise, so that a curve that rises and then stays flat peaks where it reaches the plateau.

    Examples
    --------
    >>> import xarray as xr
    >>> c = xr.DataArray([0.1, 0.6, 0.9, 0.88, 0.91], dims="time", coords={"time": [0, 2, 4, 6, 8]})
    >>> peak_time(c), peak_time(c, tol=0.05)
    (8.0, 4.0)
    """
    v = _check_curve(curve, dim)
    tol = _check_tol(tol)
    return _coord(curve, dim, int(np.argmax(v >= v.max() - tol)))
