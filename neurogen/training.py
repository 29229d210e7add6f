"""Training a :class:`~neurogen.network.Network` with the paper's recipe.

This module owns :class:`Schedule` (Adam with a stepwise learning rate; the paper's
5e-4 → 1e-4 → 5e-5, each for a third of the epochs), :func:`train` (checkpoints every epoch, resumes
bit-identically on CPU, keeps named epochs' checkpoints) and the ``TrainingLog`` it returns (an
``xarray.Dataset`` over ``epoch``).

Reproducibility: every epoch draws its shuffle and its reparameterisation noise from a generator
seeded by ``(seed, epoch)``, so an epoch's work depends only on the weights and optimizer state at
its start. Resuming from the last completed epoch therefore gives the same weights as an
uninterrupted run.
"""

from __future__ import annotations

import json
import math
import os
import platform
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import torch
import xarray as xr
from tqdm.auto import tqdm

from neurogen._version import __version__
from neurogen._files import atomic_path
from neurogen.data import Digits
from neurogen.device import resolve_device
from neurogen.network import CheckpointError, Network

__all__ = ["Schedule", "train", "check_arguments", "TrainingInterrupted"]


def _rates(instance: object, attribute: attrs.Attribute, value: tuple[float, ...]) -> None:
    if len(value) == 0 or any(not (math.isfinite(r) and r > 0) for r in value):
        msg = f"'{attribute.name}' must be a non-empty sequence of positive learning rates: {value!r}"
        raise ValueError(msg)


@attrs.frozen
class Schedule:
    """Stepwise learning-rate schedule for Adam.

    ``rates[k]`` is used for the k-th equal share of the epochs: with the paper's three rates over
    100 epochs, epochs 0–33 use 5e-4, 34–66 use 1e-4 and 67–99 use 5e-5.
    """

    rates: tuple[float, ...] = attrs.field(default=(5e-4, 1e-4, 5e-5), converter=tuple,
                                           validator=_rates)

    def rate(self, epoch: int, epochs: int) -> float:
        """Learning rate for 0-based ``epoch`` of ``epochs``."""
        if not 0 <= epoch < epochs:
            msg = f"'epoch' must lie in [0, {epochs - 1}]: {epoch}"
            raise ValueError(msg)
        k = min(len(self.rates) - 1, (epoch * len(self.rates)) // epochs)
        return float(self.rates[k])


class TrainingInterrupted(RuntimeError):
    """Raised by the test hook to simulate a crash mid-epoch."""


def _epoch_generator(seed: int, epoch: int, device: torch.device) -> torch.Generator:
    g = torch.Generator(device=device)
    g.manual_seed(int(np.random.SeedSequence([seed, epoch]).generate_state(1, np.uint64)[0] >> 1))
    return g


def _log_dataset(rows: list[dict[str, float]], attrs_: dict[str, Any]) -> xr.Dataset:
    epochs = [int(r["epoch"]) for r in rows]
    data = {k: ("epoch", np.array([r[k] for r in rows], dtype=np.float64))
            for k in ("train_elbo", "test_elbo", "learning_rate", "seconds")}
    ds = xr.Dataset(data, coords={"epoch": np.array(epochs, dtype=np.int64)}, attrs=attrs_)
    ds["train_elbo"].attrs["units"] = "nats per image"
    ds["test_elbo"].attrs["units"] = "nats per image"
    ds["seconds"].attrs["units"] = "s"
    return ds


def check_arguments(epochs: int, batch_size: int, keep: Sequence[int] = ()) -> None:
    """Validate :func:`train`'s sizes (also used by the CLI before it loads any data).

    Raises
    ------
    ValueError
        For a non-positive or non-int ``epochs`` / ``batch_size``, or ``keep`` epochs outside
        [1, epochs].
    """
    for name, value in (("epochs", epochs), ("batch_size", batch_size)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            msg = f"'{name}' must be a positive int: {value!r}"
            raise ValueError(msg)
    bad_keep = [k for k in keep if isinstance(k, bool) or not isinstance(k, (int, np.integer))
                or not 1 <= k <= epochs]
    if bad_keep:
        msg = f"'keep' epochs must be ints in [1, {epochs}]: {bad_keep}"
        raise ValueError(msg)


def train(
    network: Network,
    data: Digits,
    epochs: int,
    *,
    batch_size: int = 100,
    schedule: Schedule | None = None,
    seed: int = 0,
    test_data: Digits | None = None,
    checkpoint_dir: str | os.PathLike | None = None,
    resume: bool = False,
    keep: Sequence[int] = (),
    device: str | torch.device = "auto",
    progress: bool | None = None,
    _stop_after_batches: int | None = None,
) -> xr.Dataset:
    """Train ``network`` in place on ``data`` by maximising the ELBO (eq. 5) with Adam.

    Parameters
    ----------
    network : Network
    data : Digits
        Training images.
    epochs : int
        Total number of epochs (also when resuming).
    batch_size : int
        Mini-batch size (paper: 100).
    schedule : Schedule, optional
        Learning rates; the paper's by default.
    seed : int
        Seeds shuffling and reparameterisation noise (per epoch, see module docstring).
    test_data : Digits, optional
        Evaluated after every epoch (``test_elbo``); NaN when not given.
    checkpoint_dir : path-like, optional
        Where ``last.pt`` (weights + optimizer + log, rewritten atomically after every epoch) and the
        kept checkpoints ``epoch-NNNN.pt`` go.
    resume : bool
        Continue from ``checkpoint_dir/last.pt`` if it exists.
    keep : sequence of int
        1-based epochs whose network checkpoints are kept (e.g. ``(1, 2, 5, 10, 25, 50, 100)``).
    device : {"auto", "cpu", "cuda"}
    progress : bool, optional
        Show a tqdm bar; ``None`` shows it only on a terminal.

    Returns
    -------
    xarray.Dataset
        The training log over dim ``epoch`` (1-based): ``train_elbo``, ``test_elbo`` (nats per
        image), ``learning_rate``, ``seconds``.
    """
    if not isinstance(network, Network):
        msg = f"network must be a Network, got {type(network).__name__}."
        raise TypeError(msg)
    if not isinstance(data, Digits):
        msg = f"data must be a neurogen.data.Digits, got {type(data).__name__}."
        raise TypeError(msg)
    check_arguments(epochs, batch_size, keep)
    if resume and checkpoint_dir is None:
        msg = "resume=True needs checkpoint_dir= (where last.pt was written)."
        raise ValueError(msg)
    schedule = schedule or Schedule()
    dev = resolve_device(device)
    network.to(dev).train()
    opt = torch.optim.Adam(network.parameters(), lr=schedule.rate(0, epochs),
                           **({"fused": True} if dev.type in ("cpu", "cuda") else {}))
    rows: list[dict[str, float]] = []
    start = 0
    ckdir = Path(checkpoint_dir) if checkpoint_dir is not None else None
    last = ckdir / "last.pt" if ckdir is not None else None
    if resume and last is not None and last.exists():
        try:
            state = torch.load(last, map_location=dev, weights_only=True)
            network.load_state_dict(state["network"])
            opt.load_state_dict(state["optimizer"])
        except Exception as err:
            msg = f"{last}: cannot resume from this checkpoint: {err}"
            raise CheckpointError(msg) from err
        rows = json.loads(state["log"])
        start = int(state["epoch"])
    x_all = torch.as_tensor(data.images, device=dev)
    n = len(x_all)
    info = {
        "seed": seed, "batch_size": batch_size, "epochs": epochs, "schedule": list(schedule.rates),
        "data": data.name, "data_sha256": data.sha256, "n_train": n,
        "neurogen_version": __version__, "torch_version": torch.__version__,
        "machine": f"{platform.machine()} {platform.processor() or ''} {os.cpu_count()} cpus".strip(),
        "device": str(dev),
    }
    steps_per_epoch = math.ceil(n / batch_size)
    bar = tqdm(total=epochs * steps_per_epoch, initial=start * steps_per_epoch,
               disable=(None if progress is None else not progress), desc="train", unit="batch")
    done_batches = 0
    try:
        for epoch in range(start, epochs):
            lr = schedule.rate(epoch, epochs)
            for group in opt.param_groups:
                group["lr"] = lr
            g = _epoch_generator(seed, epoch, dev)
            perm = torch.randperm(n, generator=g, device=dev)
            t0 = time.perf_counter()
            network.train()
            total = torch.zeros((), device=dev, dtype=torch.float64)
            for i in range(0, n, batch_size):
                x = x_all[perm[i : i + batch_size]]
                kl, rec = network.loss_terms(x, generator=g)
                elbo_sum = (kl + rec).sum()
                opt.zero_grad(set_to_none=True)
                (-elbo_sum / len(x)).backward()
                opt.step()
                total += elbo_sum.detach()
                bar.update(1)
                done_batches += 1
                if _stop_after_batches is not None and done_batches >= _stop_after_batches:
                    raise TrainingInterrupted(f"stopped after {done_batches} batches (test hook)")
            seconds = time.perf_counter() - t0
            network.eval()
            test_elbo = network.mean_elbo(test_data, seed=seed) if test_data is not None else math.nan
            rows.append({"epoch": epoch + 1, "train_elbo": float(total) / n, "test_elbo": test_elbo,
                         "learning_rate": lr, "seconds": seconds})
            bar.set_postfix(elbo=f"{rows[-1]['train_elbo']:.1f}")
            if ckdir is not None:
                summary = {**info, "epoch": epoch + 1, "train_elbo": rows[-1]["train_elbo"],
                           "test_elbo": test_elbo, "log": rows}
                state = {"network": network.state_dict(), "optimizer": opt.state_dict(),
                         "epoch": epoch + 1, "log": json.dumps(rows)}
                with atomic_path(last) as tmp:
                    torch.save(state, tmp)
                if epoch + 1 in set(int(k) for k in keep):
                    network.save(ckdir / f"epoch-{epoch + 1:04d}.pt", training=summary)
    finally:
        bar.close()
        network.eval()
    network.metadata["training"] = {**info, "epoch": epochs,
                                    "train_elbo": rows[-1]["train_elbo"] if rows else math.nan,
                                    "test_elbo": rows[-1]["test_elbo"] if rows else math.nan}
    return _log_dataset(rows, {k: json.dumps(v) if isinstance(v, list) else v for k, v in info.items()})
