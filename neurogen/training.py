"""Training a :class:`~neurogen.network.Network` with the paper's recipe.

This module owns :class:`Schedule` (Adam with a stepwise learning rate; the paper's
5e-4 → 1e-4 → 5e-5, each for a third of the epochs), :func:`train` (checkpoints every epoch, resumes
bit-identically on CPU, keeps named epochs' checkpoints) and the ``TrainingLog`` it returns (an
``xarray.Dataset`` over ``epoch``).

Resume is strict: ``last.pt`` records the run's settings (seed, batch size, epochs, schedule, the
data's name, sha256, size and selection, the network config), and a resume that asks for other
settings is refused with :class:`ResumeMismatch` naming the field (``force=True`` starts over).
One change is allowed: a *finished* run resumed with a larger ``epochs`` and nothing else changed is
extended; the added epochs take their learning rates from the schedule over the new total (for the
paper's schedule, its last rate), so the result is not that of a fresh run of the new length.
Training refuses non-finite data and stops with :class:`TrainingDiverged` when the ELBO or the
weights stop being finite (``last.pt`` keeps the last good epoch).

Reproducibility: every epoch draws its shuffle and its reparameterisation noise from a generator
seeded by ``(seed, epoch)``, so an epoch's work depends only on the weights and optimizer state at
its start. Resuming from the last completed epoch therefore gives the same weights as an
uninterrupted run.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import platform
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import torch
import xarray as xr
from tqdm.auto import tqdm

from neurogen._checkpoint import CheckpointError, check_state_dict, load_payload, tensors_sha256
from neurogen._checks import check_int, check_number, check_seed, check_unit_interval, load_json
from neurogen._files import atomic_path, check_terminated
from neurogen._version import __version__
from neurogen.data import Digits
from neurogen.device import resolve_device
from neurogen.network import Network

__all__ = ["Schedule", "train", "check_arguments", "TrainingInterrupted", "TrainingDiverged",
           "ResumeMismatch"]

_STATE_FORMAT = "neurogen-training-state"


def _rates(instance: object, attribute: attrs.Attribute, value: tuple[float, ...]) -> None:
    if len(value) == 0:
        msg = f"'{attribute.name}' must be a non-empty sequence of positive learning rates: {value!r}"
        raise ValueError(msg)
    for i, r in enumerate(value):
        try:
            check_number(f"{attribute.name}[{i}]", r, min=0.0, open_min=True)
        except (TypeError, ValueError) as err:
            msg = f"'{attribute.name}' must be a non-empty sequence of positive learning rates: {err}"
            raise type(err)(msg) from None


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


class TrainingDiverged(ValueError):
    """The ELBO or the weights became NaN or infinite; ``last.pt`` keeps the last good epoch."""


class ResumeMismatch(ValueError):
    """``resume=True`` asked for other settings than those of the checkpoint it would continue."""


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
    TypeError
        A non-int ``epochs`` / ``batch_size`` (a float or bool too).
    ValueError
        ``epochs`` / ``batch_size`` below 1, or ``keep`` epochs outside [1, epochs].
    """
    check_int("epochs", epochs, min=1)
    check_int("batch_size", batch_size, min=1)
    bad_keep = [k for k in keep if isinstance(k, bool) or not isinstance(k, (int, np.integer))
                or not 1 <= k <= epochs]
    if bad_keep:
        msg = f"'keep' epochs must be ints in [1, {epochs}]: {bad_keep}"
        raise ValueError(msg)


def _settings(network: Network, data: Digits, epochs: int, batch_size: int, schedule: Schedule,
              seed: int) -> dict[str, Any]:
    """What a resume must match: the run's settings and which data (by content and selection)."""
    selection = hashlib.sha256(np.ascontiguousarray(data.index).tobytes()
                               + np.ascontiguousarray(data.labels).tobytes()).hexdigest()
    return {"seed": seed, "batch_size": batch_size, "epochs": epochs, "schedule": list(schedule.rates),
            "data": data.name, "data_sha256": data.sha256, "n_train": len(data),
            "data_selection_sha256": selection, "config": attrs.asdict(network.config)}


def _differences(stored: dict[str, Any], asked: dict[str, Any], ignore: tuple[str, ...] = ()) -> list[str]:
    out = []
    for key, value in asked.items():
        if key not in stored or key in ignore:
            continue
        old = stored[key]
        if key == "data" and stored.get("data_sha256") and stored["data_sha256"] == asked["data_sha256"]:
            continue  # the same file read from another folder
        if old != value:
            out.append(f"{key} (checkpoint {old!r}, asked {value!r})")
    return out


def _read_state(last: Path, network: Network, settings: dict[str, Any]) -> dict[str, Any]:
    """Read ``last.pt`` (verified, ``weights_only``), refuse other settings, return the state."""
    try:
        state, _ = load_payload(last, what="training checkpoint")
        if not isinstance(state, dict) or not {"network", "optimizer", "epoch", "log"} <= set(state):
            msg = f"{last}: not a neurogen training checkpoint (no network/optimizer/epoch/log)."
            raise CheckpointError(msg)
        if "format" in state:  # written since format version 2: tagged and hashed
            if state["format"] != _STATE_FORMAT:
                msg = f"{last}: not a neurogen training checkpoint (format {state['format']!r})."
                raise CheckpointError(msg)
            try:
                digest = tensors_sha256({"network": state["network"], "optimizer": state["optimizer"]})
            except ValueError as err:
                msg = f"{last}: not a neurogen training checkpoint ({err})."
                raise CheckpointError(msg) from None
            if digest != state.get("tensors_sha256"):
                msg = f"{last}: its tensors do not match their stored sha256 (changed or damaged)."
                raise CheckpointError(msg)
        stored = load_json(state["settings"], "its settings") if "settings" in state else None
        if stored is not None and not isinstance(stored, dict):
            msg = "its settings are not a JSON object"
            raise ValueError(msg)
    except CheckpointError as err:
        text = str(err).removeprefix(f"{last}: ")
        msg = f"{last}: cannot resume from this checkpoint: {text}"
        raise CheckpointError(msg) from err
    except (TypeError, ValueError) as err:
        text = str(err) if str(err).startswith("its settings") else f"its settings are not valid JSON ({err})"
        msg = f"{last}: cannot resume from this checkpoint: {text}."
        raise CheckpointError(msg) from None
    if stored is not None:
        finished = isinstance(stored.get("epochs"), int) and state["epoch"] == stored["epochs"]
        extends = finished and isinstance(settings["epochs"], int) and settings["epochs"] > stored["epochs"]
        diff = _differences(stored, settings, ignore=("epochs",) if extends else ())
        if diff:
            msg = (f"{last}: cannot resume: this run's settings differ from the checkpoint's: "
                   f"{'; '.join(diff)}. Resume with the checkpoint's settings, or pass force=True "
                   "(`neurogen train --resume --force`) to start over.")
            raise ResumeMismatch(msg)
    try:
        check_state_dict(last, state["network"], Network.expected_shapes(network.config),
                         what="training checkpoint")
    except CheckpointError as err:
        text = str(err).removeprefix(f"{last}: ")
        msg = f"{last}: cannot resume from this checkpoint: {text}"
        raise CheckpointError(msg) from err
    return state


def _check_finite(network: Network, epoch: int, where: str) -> None:
    for name, t in network.state_dict().items():
        if not bool(torch.isfinite(t).all()):
            msg = (f"training diverged: {name} holds NaN or inf {where} (epoch {epoch}); lower the "
                   "learning rate or check the data. The checkpoint keeps the last good epoch.")
            raise TrainingDiverged(msg)


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
    force: bool = False,
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
        Continue from ``checkpoint_dir/last.pt`` if it exists. Its settings (seed, batch size,
        epochs, schedule, data and selection, config) must be this call's, else
        :class:`ResumeMismatch` names the field that differs; a finished run may be extended
        to a larger ``epochs`` (see the module docstring).
    force : bool
        With ``resume``: start over (with a warning) when ``last.pt`` cannot be continued, because
        its settings differ or it is damaged; it is overwritten after the first epoch.
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

    Raises
    ------
    ResumeMismatch
        ``resume=True`` with other settings than the checkpoint's (and not ``force``).
    CheckpointError
        ``last.pt`` is damaged, foreign or unsafe.
    TrainingDiverged
        The ELBO or the weights became NaN/inf.
    ValueError, TypeError
        Bad arguments, or data with NaN/inf or values outside [0, 1].
    """
    if not isinstance(network, Network):
        msg = f"network must be a Network, got {type(network).__name__}."
        raise TypeError(msg)
    if not isinstance(data, Digits):
        msg = f"data must be a neurogen.data.Digits, got {type(data).__name__}."
        raise TypeError(msg)
    check_arguments(epochs, batch_size, keep)
    seed = check_seed("seed", seed)
    if resume and checkpoint_dir is None:
        msg = "resume=True needs checkpoint_dir= (where last.pt was written)."
        raise ValueError(msg)
    schedule = Schedule() if schedule is None else schedule
    if not isinstance(schedule, Schedule):
        msg = f"schedule must be a neurogen.training.Schedule, got {type(schedule).__name__}."
        raise TypeError(msg)
    check_unit_interval("data.images", data.images)
    if test_data is not None:
        if not isinstance(test_data, Digits):
            msg = f"test_data must be a neurogen.data.Digits, got {type(test_data).__name__}."
            raise TypeError(msg)
        check_unit_interval("test_data.images", test_data.images)
    dev = resolve_device(device)
    settings = _settings(network, data, epochs, batch_size, schedule, seed)
    ckdir = Path(checkpoint_dir) if checkpoint_dir is not None else None
    last = ckdir / "last.pt" if ckdir is not None else None
    state = None
    if resume and last is not None and last.exists():
        try:
            state = _read_state(last, network, settings)  # before the network is touched
        except (ResumeMismatch, CheckpointError) as err:
            if not force:
                raise
            warnings.warn(f"starting over (force=True): {err}", stacklevel=2)
    network.to(dev).train()
    opt = torch.optim.Adam(network.parameters(), lr=schedule.rate(0, epochs),
                           **({"fused": True} if dev.type in ("cpu", "cuda") else {}))
    rows: list[dict[str, float]] = []
    start = 0
    if state is not None:
        try:
            network.load_state_dict(state["network"])
            opt.load_state_dict(state["optimizer"])
            rows = load_json(state["log"], "its log")
            if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                msg = "its log is not a JSON list of epochs"
                raise ValueError(msg)
            start = int(state["epoch"])
        except (RuntimeError, ValueError, KeyError, TypeError) as err:
            msg = f"{last}: cannot resume from this checkpoint: {err}"
            raise CheckpointError(msg) from err
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
                check_terminated()  # a SIGTERM whose exception Python swallowed stops here
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
            # checked once an epoch (a NaN batch makes the sum NaN): a check per batch would
            # synchronise a GPU a hundred times a second
            if not math.isfinite(float(total)):
                msg = (f"training diverged: the ELBO became {float(total)} at epoch {epoch + 1}; lower the "
                       "learning rate or check the data. The checkpoint keeps the last good epoch.")
                raise TrainingDiverged(msg)
            _check_finite(network, epoch + 1, "after the epoch")
            network.eval()
            test_elbo = network.mean_elbo(test_data, seed=seed) if test_data is not None else math.nan
            rows.append({"epoch": epoch + 1, "train_elbo": float(total) / n, "test_elbo": test_elbo,
                         "learning_rate": lr, "seconds": seconds})
            bar.set_postfix(elbo=f"{rows[-1]['train_elbo']:.1f}")
            if ckdir is not None:
                summary = {**info, "epoch": epoch + 1, "train_elbo": rows[-1]["train_elbo"],
                           "test_elbo": test_elbo, "log": rows}
                tensors = {"network": network.state_dict(), "optimizer": opt.state_dict()}
                state = {"format": _STATE_FORMAT, "format_version": 2, **tensors,
                         "tensors_sha256": tensors_sha256(tensors), "epoch": epoch + 1,
                         "log": json.dumps(rows), "settings": json.dumps(settings)}
                with atomic_path(last) as tmp, open(tmp, "wb") as fh:
                    torch.save(state, fh)
                if epoch + 1 in set(int(k) for k in keep):
                    network.save(ckdir / f"epoch-{epoch + 1:04d}.pt", training=summary)
    finally:
        bar.close()
        network.eval()
    network.metadata["training"] = {**info, "epoch": epochs,
                                    "train_elbo": rows[-1]["train_elbo"] if rows else math.nan,
                                    "test_elbo": rows[-1]["test_elbo"] if rows else math.nan}
    return _log_dataset(rows, {k: json.dumps(v) if isinstance(v, list) else v for k, v in info.items()})
