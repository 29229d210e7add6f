"""Evaluating a trained VAE: the importance-sampled log-likelihood, and the train-and-evaluate task.

This module owns :func:`log_likelihood` (the importance-weighted estimate of log p(x) with k
samples from q(z|x), Burda et al. 2016: a tighter lower bound than the ELBO of eq. 5, which it
equals at k = 1) and :func:`train_elbo`, the sweep task behind Fig. 6, Fig. 7 and
``neurogen sweep --task train_elbo`` (train one network for one configuration, evaluate it, keep
its checkpoint), with its helpers :func:`training_split` and :func:`data_fingerprint`.
"""

from __future__ import annotations

import hashlib
import math
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from neurogen.data import Digits, load_mnist

__all__ = ["log_likelihood", "train_elbo", "training_split", "data_fingerprint"]

_LOG_2PI = math.log(2.0 * math.pi)


def _positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        msg = f"'{name}' must be a positive int: {value!r}"
        raise ValueError(msg)
    return int(value)


@torch.no_grad()
def log_likelihood(network: Any, data: Digits | np.ndarray, k: int = 100, batch_size: int | None = None,
                   seed: int = 0) -> float:
    """Importance-sampled estimate of the mean per-image log p(x), in nats (IWAE bound).

    ``log p(x) ≥ E[log (1/k) Σ_i p(x, z_i) / q(z_i | x)]`` with ``z_i ~ q(z | x)``; the bound grows
    with k towards log p(x), and at k = 1 it is the ELBO (eq. 5, up to Monte-Carlo noise).

    Parameters
    ----------
    network : Network
        Anything with ``posterior(x) -> (μ, log σ²)``, ``logits(z)`` and ``device``.
    data : Digits or ndarray (N, 784)
    k : int
        Importance samples per image (paper-style evaluations use 100–5000).
    batch_size : int, optional
        Images per batch; by default sized so that a batch's k decoder passes stay near 64 MiB.
    seed : int
        Seeds the samples: the same seed gives the same estimate.

    Returns
    -------
    float
        Mean over images of the per-image estimate (nats, higher is better).
    """
    for attr in ("posterior", "logits"):
        if not callable(getattr(network, attr, None)):
            msg = f"network must be a neurogen Network; it has no {attr}()."
            raise TypeError(msg)
    k = _positive_int("k", k)
    images = np.asarray(getattr(data, "images", data), dtype=np.float32)
    if images.ndim != 2 or len(images) == 0:
        msg = f"data must hold a non-empty (N, pixels) array of images, got shape {images.shape}."
        raise ValueError(msg)
    width = max(images.shape[1], getattr(getattr(network, "config", None), "n_hidden", 1024))
    if batch_size is None:
        batch_size = max(1, (16 * 2**20) // (k * width))
    batch_size = _positive_int("batch_size", batch_size)
    dev = network.device
    was_training = getattr(network, "training", False)
    if hasattr(network, "eval"):
        network.eval()
    g = torch.Generator(device=dev).manual_seed(int(seed))
    total = 0.0
    try:
        for i in range(0, len(images), batch_size):
            x = torch.as_tensor(images[i : i + batch_size], device=dev)
            mu, logvar = network.posterior(x)
            eps = torch.randn((k, *mu.shape), generator=g, device=dev, dtype=mu.dtype)
            z = mu + torch.exp(0.5 * logvar) * eps  # (k, B, Nz)
            log_q = -0.5 * (eps.pow(2) + logvar + _LOG_2PI).sum(-1)
            log_prior = -0.5 * (z.pow(2) + _LOG_2PI).sum(-1)
            logits = network.logits(z.reshape(-1, z.shape[-1]))
            nll = F.binary_cross_entropy_with_logits(logits, x.repeat(k, 1), reduction="none")
            log_px = -nll.sum(-1).reshape(k, -1)
            log_w = (log_px + log_prior - log_q).double()
            total += float((torch.logsumexp(log_w, 0) - math.log(k)).sum())
    finally:
        if was_training:
            network.train()
    return total / len(images)


# ------------------------------------------------------------------------------------ sweep task


def data_fingerprint(data: tuple[Digits, Digits] | None, mnist: str = "embedded") -> str:
    """A short string naming the (train, test) data, for sweep keys (MNIST: its source)."""
    if data is None:
        return f"mnist:{mnist}"
    parts = []
    for d in data:
        digest = d.sha256[:12] if d.sha256 else hashlib.sha256(d.images.tobytes()).hexdigest()[:12]
        parts.append(f"{d.name}:{len(d)}:{digest}")
    return "|".join(parts)


def training_split(data: tuple[Digits, Digits] | None = None, n_train: int = 0, seed: int = 0,
                   mnist: str = "embedded", n_test: int = 0) -> tuple[Digits, Digits]:
    """(train, test) digits: ``data`` or MNIST, with ``n_train`` / ``n_test`` images drawn with ``seed``.

    ``mnist`` is ``"embedded"`` or a folder of IDX files. 0 keeps every image.
    """
    if data is None:
        source = {"source": "embedded"} if mnist == "embedded" else {"source": "idx", "path": mnist}
        train_data, test_data = load_mnist("train", **source), load_mnist("test", **source)
    else:
        if not (isinstance(data, tuple) and len(data) == 2 and all(isinstance(d, Digits) for d in data)):
            msg = "data must be a (train, test) pair of neurogen.data.Digits."
            raise TypeError(msg)
        train_data, test_data = data
    if n_train and n_train < len(train_data):
        train_data = train_data.select(n=int(n_train), seed=seed)
    if n_test and n_test < len(test_data):
        test_data = test_data.select(n=int(n_test), seed=seed)
    return train_data, test_data


def train_elbo(*, n_latent: int = 100, n_hidden: int = 1024, lr: float | None = None,
               batch_size: int = 100, seed: int = 0, epochs: int = 1, n_train: int = 0,
               n_test: int = 0, data_seed: int = 0, ll_samples: int = 0, mnist: str = "embedded",
               data: tuple[Digits, Digits] | None = None,
               checkpoint_dir: str | os.PathLike | None = None, device: str = "cpu",
               **tags: Any) -> dict[str, Any]:
    """Train one network for one configuration and evaluate it (a :func:`neurogen.sweep.sweep` task).

    Parameters
    ----------
    n_latent, n_hidden : int
        The architecture (:class:`~neurogen.network.NetworkConfig`).
    lr : float, optional
        A constant Adam learning rate (Fig. 7's grid); ``None``: the paper's schedule
        5e-4 → 1e-4 → 5e-5.
    batch_size, seed, epochs : int
        As in :func:`neurogen.train` (``seed`` also seeds the weights).
    n_train, n_test, data_seed : int
        Train / evaluate on this many images (0: all), drawn with ``data_seed``.
    ll_samples : int
        k of the importance-sampled test log-likelihood (:func:`log_likelihood`); 0 skips it.
    mnist : str
        ``"embedded"`` or a folder of IDX files, when ``data`` is not given.
    data : (Digits, Digits), optional
        (train, test) instead of MNIST (small synthetic sets in tests).
    checkpoint_dir : path-like, optional
        Save the trained network there as ``net-<key>.pt`` (key: sha256 of the configuration).
    device : str
    **tags
        Extra configuration entries that only name the task (e.g. a data fingerprint); ignored.

    Returns
    -------
    dict
        ``train_elbo``, ``test_elbo`` (nats per image, last epoch), ``train_seconds``,
        ``test_log_likelihood`` (if ``ll_samples``), ``checkpoint`` (path, if saved).
    """
    from neurogen.network import Network, NetworkConfig
    from neurogen.training import Schedule, train

    train_data, test_data = training_split(data, n_train, data_seed, mnist, n_test)
    config = NetworkConfig(n_latent=int(n_latent), n_hidden=int(n_hidden))
    net = Network(config, seed=int(seed))
    schedule = Schedule((float(lr),)) if lr is not None else None
    t0 = time.perf_counter()
    log = train(net, train_data, int(epochs), batch_size=int(batch_size), schedule=schedule,
                seed=int(seed), test_data=test_data, device=device, progress=False)
    out: dict[str, Any] = {"train_elbo": float(log["train_elbo"][-1]), "test_elbo": float(log["test_elbo"][-1]),
                           "train_seconds": time.perf_counter() - t0}
    if ll_samples:
        finite = all(torch.isfinite(p).all() for p in net.parameters())
        out["test_log_likelihood"] = (log_likelihood(net, test_data, k=int(ll_samples), seed=int(seed))
                                      if finite else math.nan)
    if checkpoint_dir is not None:
        from neurogen.sweep import config_key

        spec = {"n_latent": n_latent, "n_hidden": n_hidden, "lr": lr, "batch_size": batch_size,
                "seed": seed, "epochs": epochs, "n_train": n_train, "n_test": n_test,
                "data_seed": data_seed, "mnist": mnist, "data": data_fingerprint(data, mnist), **tags}
        path = Path(checkpoint_dir) / f"net-{config_key(spec)}.pt"
        net.save(path, sweep_config=spec, training={k: v for k, v in net.metadata["training"].items()})
        out["checkpoint"] = str(path)
    return out
