"""Time-resolved population decoding: which information a recorded population carries, and when.

Owns :func:`decode_over_time` (cross-validated accuracy of decoding a trial coordinate — ``label``
= category, ``source`` = identity — from the state at each step), :func:`information_over_time`
(mutual information between true and decoded classes, bias-corrected by shuffling) and
:func:`latency` (when a curve first reaches a fraction of its maximum above chance). The question is
Sugase et al. (1999)'s: does global (category) information arrive before fine (identity)
information? Pure functions over labelled arrays; no torch.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import numpy as np
import xarray as xr

__all__ = ["decode_over_time", "information_over_time", "latency", "DECODERS"]

DECODERS = ("nearest_centroid", "logistic")


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


def _prepare(recording: Any, target: Hashable, folds: int, dim: Hashable,
             feature: Hashable) -> tuple[xr.DataArray, np.ndarray, np.ndarray]:
    lat = _latent(recording)
    for d in (dim, "time", feature):
        if d not in lat.dims:
            msg = f"the recorded state needs dims ({dim!r}, 'time', {feature!r}); got {lat.dims}."
            raise ValueError(msg)
    if target not in lat.coords or lat[target].dims != (dim,):
        coords = [c for c in lat.coords if lat[c].dims == (dim,)]
        msg = f"target {target!r} is not a trial coordinate; available: {coords}."
        raise ValueError(msg)
    if isinstance(folds, bool) or not isinstance(folds, (int, np.integer)) or folds < 2:
        msg = f"'folds' must be an int >= 2: {folds!r}"
        raise ValueError(msg)
    classes, y = np.unique(lat[target].values, return_inverse=True)
    if len(classes) < 2:
        msg = f"target {target!r} has a single class; decoding needs at least two."
        raise ValueError(msg)
    counts = np.bincount(y)
    if counts.min() < folds:
        msg = (f"target {target!r}: class {classes[counts.argmin()]!r} has {counts.min()} trials, fewer "
               f"than folds={folds}; present each class at least {folds} times (Stimulus repeats=) or "
               "lower folds.")
        raise ValueError(msg)
    x = np.asarray(lat.transpose(dim, "time", feature).values, dtype=np.float64)
    if not np.isfinite(x).all():
        msg = "the recorded state contains NaN or inf."
        raise ValueError(msg)
    return lat, x, y


def _fold_ids(y: np.ndarray, folds: int, seed: Any, x: np.ndarray | None = None) -> np.ndarray:
    """Stratified fold assignment: within each class, a seeded shuffle dealt round-robin.

    Trials are first put in a canonical order (by their recorded states), so the assignment —
    and so the accuracy — does not depend on the order in which trials are stored.
    """
    rng = np.random.default_rng(seed)
    # states at the first step identify a trial (identical ones are interchangeable)
    order = np.lexsort(x[:, 0].reshape(len(x), -1).T[::-1]) if x is not None else np.arange(len(y))
    fold = np.empty(len(y), dtype=np.int64)
    for c in np.unique(y):
        idx = order[y[order] == c]
        fold[idx[rng.permutation(len(idx))]] = np.arange(len(idx)) % folds
    return fold


def _predict_nearest_centroid(x: np.ndarray, y: np.ndarray, fold: np.ndarray, n_classes: int) -> np.ndarray:
    pred = np.empty(x.shape[:2], dtype=np.int64)  # (trial, time)
    for f in np.unique(fold):
        train, test = fold != f, fold == f
        onehot = np.eye(n_classes)[y[train]]  # (train, class)
        means = np.einsum("tc,tsu->scu", onehot, x[train]) / onehot.sum(0)[None, :, None]  # (time, class, unit)
        xt = x[test].transpose(1, 0, 2)  # (time, test, unit)
        d = (xt**2).sum(-1)[:, :, None] - 2 * xt @ means.transpose(0, 2, 1) + (means**2).sum(-1)[:, None, :]
        pred[test] = d.argmin(-1).T
    return pred


def _predict_logistic(x: np.ndarray, y: np.ndarray, fold: np.ndarray, seed: Any) -> np.ndarray:
    try:
        from sklearn.linear_model import LogisticRegression
    except ImportError as err:
        msg = "decoder='logistic' needs scikit-learn: pip install 'neurogen[decoding]'."
        raise ImportError(msg) from err
    pred = np.empty(x.shape[:2], dtype=np.int64)
    rs = None if seed is None else int(np.random.default_rng(seed).integers(2**31))
    for f in np.unique(fold):
        train, test = fold != f, fold == f
        for t in range(x.shape[1]):
            clf = LogisticRegression(max_iter=500, random_state=rs)
            clf.fit(x[train, t], y[train])
            pred[test, t] = clf.predict(x[test, t])
    return pred


def _predictions(x: np.ndarray, y: np.ndarray, decoder: str, folds: int, seed: Any) -> np.ndarray:
    if decoder not in DECODERS:
        msg = f"decoder must be one of {DECODERS}, got {decoder!r}."
        raise ValueError(msg)
    fold = _fold_ids(y, folds, seed, x)
    if decoder == "nearest_centroid":
        return _predict_nearest_centroid(x, y, fold, int(y.max()) + 1)
    return _predict_logistic(x, y, fold, seed)


def decode_over_time(recording: Any, target: Hashable = "label", *, decoder: str = "nearest_centroid",
                     folds: int = 5, seed: Any = None, dim: Hashable = "trial",
                     feature: Hashable = "unit") -> xr.DataArray:
    """Cross-validated accuracy of decoding the trial coordinate ``target`` at each step.

    Parameters
    ----------
    recording : Recording, xarray.Dataset or xarray.DataArray
        Its ``latent`` (trial, time, unit) with ``target`` as a coordinate on ``trial``.
    target : hashable
        ``"label"`` (category), ``"source"`` (which image: identity), or any trial coordinate.
    decoder : {"nearest_centroid", "logistic"}
        ``nearest_centroid``: class means fitted on the training folds, Euclidean nearest mean.
        ``logistic``: scikit-learn's ``LogisticRegression`` (extra ``neurogen[decoding]``).
    folds : int
        Stratified k-fold cross-validation (every class needs ≥ ``folds`` trials).
    seed : int or Generator, optional
        Seeds the fold assignment.

    Returns
    -------
    xarray.DataArray
        ``accuracy`` over ``time`` in [0, 1]; attrs ``chance`` (1 / number of classes),
        ``n_classes``, ``decoder``, ``folds``, ``target``.

    Raises
    ------
    ValueError
        A target that is not a trial coordinate, fewer trials per class than folds, no latent.
    """
    lat, x, y = _prepare(recording, target, folds, dim, feature)
    pred = _predictions(x, y, decoder, folds, seed)
    acc = (pred == y[:, None]).mean(0)
    n_classes = int(y.max()) + 1
    return xr.DataArray(acc, dims="time", coords={"time": lat["time"].values}, name="accuracy",
                        attrs={"chance": 1.0 / n_classes, "n_classes": n_classes, "decoder": decoder,
                               "folds": int(folds), "target": str(target)})


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


def information_over_time(recording: Any, target: Hashable = "label", *, decoder: str = "nearest_centroid",
                          folds: int = 5, shuffles: int = 10, seed: Any = None, dim: Hashable = "trial",
                          feature: Hashable = "unit") -> xr.Dataset:
    """Mutual information (bits) between true and decoded classes at each step, bias-corrected.

    The limited-sampling bias is estimated by decoding ``shuffles`` copies of the data whose
    targets were permuted across trials (seeded), and subtracted.

    Returns
    -------
    xarray.Dataset
        Over ``time``: ``information`` (raw − bias), ``raw``, ``bias`` (mean over shuffles) and
        ``bias_sd``; attrs as :func:`decode_over_time` plus ``shuffles`` and ``max_bits``.
    """
    if isinstance(shuffles, bool) or not isinstance(shuffles, (int, np.integer)) or shuffles < 1:
        msg = f"'shuffles' must be an int >= 1: {shuffles!r}"
        raise ValueError(msg)
    lat, x, y = _prepare(recording, target, folds, dim, feature)
    rng = np.random.default_rng(seed)
    n_classes = int(y.max()) + 1
    raw = _mutual_information(y, _predictions(x, y, decoder, folds, rng), n_classes)
    null = np.stack([
        _mutual_information(ys, _predictions(x, ys, decoder, folds, rng), n_classes)
        for ys in (rng.permutation(y) for _ in range(shuffles))
    ])
    time = {"time": lat["time"].values}
    return xr.Dataset(
        {"information": ("time", raw - null.mean(0)), "raw": ("time", raw),
         "bias": ("time", null.mean(0)), "bias_sd": ("time", null.std(0, ddof=1) if shuffles > 1 else 0 * raw)},
        coords=time,
        attrs={"n_classes": n_classes, "max_bits": float(np.log2(n_classes)), "decoder": decoder,
               "folds": int(folds), "target": str(target), "shuffles": int(shuffles), "units": "bits"},
    )


def latency(curve: xr.DataArray, fraction: float = 0.5, *, chance: float | None = None,
            dim: Hashable = "time") -> float:
    """First ``dim`` value at which ``curve`` reaches ``chance + fraction·(max − chance)``.

    ``chance`` defaults to ``curve.attrs["chance"]`` (accuracy curves) or 0 (information).
    Returns NaN if the curve never rises above chance.
    """
    if not isinstance(curve, xr.DataArray) or curve.dims != (dim,):
        msg = f"curve must be a 1-D DataArray over {dim!r}."
        raise TypeError(msg)
    if not 0 < fraction <= 1:
        msg = f"'fraction' must lie in (0, 1]: {fraction}"
        raise ValueError(msg)
    v = np.asarray(curve.values, dtype=np.float64)
    if v.size == 0 or not np.isfinite(v).all():
        msg = "curve must be non-empty and finite."
        raise ValueError(msg)
    base = float(curve.attrs.get("chance", 0.0)) if chance is None else float(chance)
    top = v.max()
    if top <= base:
        return float("nan")
    k = int(np.argmax(v >= base + fraction * (top - base)))
    coord = curve[dim].values if dim in curve.coords else np.arange(v.size)
    return float(coord[k])
