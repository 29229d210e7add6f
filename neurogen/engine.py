"""The repeated-inference engine: :func:`run`.

x(0) = the corrupted image; z(t) = subject.encode(x(t)) (eq. 7, E_q[z|x]); x(t+1) =
subject.decode(z(t)) (eq. 6, E_p[x|z]); t = 0..T. All trials of a batch advance together on the
subject's device under ``torch.inference_mode``; batches are sized to a memory budget and, with
``out=``, streamed to a netCDF4 file so that recordings larger than memory are fine.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

import numpy as np
import torch
import xarray as xr
from tqdm.auto import tqdm

from neurogen.device import resolve_device
from neurogen.probe import SIGNALS, Probe
from neurogen.recording import Recording, RecordingWriter, base_attrs
from neurogen.stimulus import Stimulus
from neurogen.subject import Subject

__all__ = ["run"]

T = TypeVar("T")


def _batch_size(probe: Probe, n_times: int, widths: dict[str, int], budget: int) -> int:
    itemsize = np.dtype(probe.dtype).itemsize
    per_trial = n_times * sum(widths[s] for s in probe.signals) * itemsize
    return int(max(1, min(4096, budget // max(per_trial, 1))))


def _prefetch(batches: Iterator[T], pool: ThreadPoolExecutor) -> Iterator[T]:
    """Yield from ``batches``, making each next item in ``pool`` while the caller works."""
    nxt = pool.submit(next, batches, None)
    while (item := nxt.result()) is not None:
        nxt = pool.submit(next, batches, None)
        yield item


def _write(writer: RecordingWriter, trials: slice, values: dict[str, np.ndarray]) -> None:
    for signal, v in values.items():
        writer.write(signal, trials, v)


def run(
    subject: Subject,
    stimulus: Stimulus,
    steps: int = 80,
    probe: Probe | None = None,
    *,
    batch_size: int | None = None,
    device: str | torch.device | None = None,
    out: str | os.PathLike | None = None,
    memory_budget: int = 256 * 2**20,
    complevel: int = 1,
    progress: bool | None = None,
) -> Recording:
    """Present ``stimulus`` to ``subject`` and record ``steps`` steps of repeated inference.

    Parameters
    ----------
    subject : Subject
        A :class:`~neurogen.network.Network`, a Hopfield subject, or anything with ``encode``,
        ``decode``, ``device`` and ``describe``.
    stimulus : Stimulus
    steps : int
        T; time points 0..T are computed (``probe.every`` decides which are kept).
    probe : Probe, optional
        What to record; latent only by default.
    batch_size : int, optional
        Trials advanced together; by default as many as fit ``memory_budget`` bytes of recorded
        values (at most 4096).
    device : str, optional
        Move the subject there first (``"auto"``: CUDA when present). Default: where it is.
    out : path-like, optional
        Stream the recording to this netCDF4 file (atomically renamed into place when complete)
        and return it opened lazily. Without ``out`` the recording is kept in memory.
    memory_budget : int
        Bytes of recorded values held per batch.
    complevel : int
        zlib level for ``out`` (0: no compression).
    progress : bool, optional
        tqdm bar; ``None`` shows it only on a terminal.

    Returns
    -------
    Recording

    Notes
    -----
    Deterministic: a trial's input depends only on the stimulus seed and the trial's index, and
    inference itself is deterministic, so the same seed gives a bit-identical recording on CPU
    (whatever the batch size, up to floating-point reassociation in the BLAS kernels).
    """
    probe = Probe() if probe is None else probe
    if not isinstance(stimulus, Stimulus):
        msg = f"stimulus must be a neurogen.Stimulus, got {type(stimulus).__name__}."
        raise TypeError(msg)
    if not isinstance(probe, Probe):
        msg = f"probe must be a neurogen.Probe, got {type(probe).__name__}."
        raise TypeError(msg)
    for attr in ("encode", "decode", "describe"):
        if not callable(getattr(subject, attr, None)):
            msg = f"subject must implement the Subject protocol; it has no {attr}()."
            raise TypeError(msg)
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 0:
        msg = f"'steps' must be an int >= 0: {steps!r}"
        raise ValueError(msg)
    if device is not None and hasattr(subject, "to"):
        subject.to(resolve_device(device))
    dev = subject.device
    if hasattr(subject, "eval"):
        subject.eval()

    times = probe.times(int(steps))
    keep = np.zeros(steps + 1, dtype=bool)
    keep[times] = True
    n = stimulus.n_trials
    with torch.inference_mode():
        probe_x = torch.as_tensor(stimulus.inputs(0, 1), device=dev)
        width = {"data": probe_x.shape[1], "latent": subject.encode(probe_x).shape[1]}
    if batch_size is None:
        batch_size = _batch_size(probe, len(times), width, memory_budget)
    elif batch_size < 1:
        msg = f"'batch_size' must be >= 1: {batch_size}"
        raise ValueError(msg)

    coords = {"time": times, **stimulus.trial_coords()}
    attrs = base_attrs({**subject.describe(), "stimulus": str(stimulus), "seed": stimulus.seed,
                        "noise_mode": stimulus.noise.mode, "steps": int(steps),
                        "probe": f"Probe(signals={list(probe.signals)}, every={probe.every}, dtype={probe.dtype})"})
    tdtype = getattr(torch, probe.dtype)
    writer = None
    arrays: dict[str, np.ndarray] = {}
    if out is not None:
        sizes = {"trial": n, "time": len(times), "unit": width["latent"], "pixel": width["data"]}
        writer = RecordingWriter(out, sizes, coords, probe.signals, attrs, probe.dtype, complevel)
    else:
        arrays = {s: np.empty((n, len(times), width[s]), dtype=probe.dtype) for s in probe.signals}
    want_latent, want_data = "latent" in probe.signals, "data" in probe.signals
    bar = tqdm(total=n * steps, disable=(None if progress is None else not progress),
               desc="record", unit="step", unit_scale=True)
    # one background thread makes the next batch's inputs and writes the last batch to the file
    # while this one is computed; at most one batch waits to be written (memory: two batches)
    pool = ThreadPoolExecutor(1, thread_name_prefix="neurogen-run")
    pending: Future | None = None
    ok = False
    try:
        for sl, x0 in _prefetch(stimulus.batches(batch_size), pool):
            b = sl.stop - sl.start
            buf = {s: torch.empty((b, len(times), width[s]), dtype=tdtype) for s in probe.signals}
            with torch.inference_mode():
                x = torch.as_tensor(x0, device=dev)
                k = 0
                for t in range(steps + 1):
                    z = subject.encode(x)
                    if keep[t]:
                        if want_latent:
                            buf["latent"][:, k].copy_(z, non_blocking=True)
                        if want_data:
                            buf["data"][:, k].copy_(x, non_blocking=True)
                        k += 1
                    if t < steps:
                        x = subject.decode(z)
                        bar.update(b)
            if pending is not None:
                pending.result()
            if writer is not None:
                pending = pool.submit(_write, writer, sl, {s: buf[s].numpy() for s in probe.signals})
            else:
                for s in probe.signals:
                    arrays[s][sl] = buf[s].numpy()
        if pending is not None:
            pending.result()
        ok = True
    finally:
        bar.close()
        pool.shutdown(wait=True, cancel_futures=True)
        if writer is not None:
            writer.close(ok=ok)
    if writer is not None:
        return Recording.load(out)
    ds = xr.Dataset(
        {s: (("trial", "time", SIGNALS[s]), arrays[s]) for s in probe.signals},
        coords={"time": times, **{k: ("trial", v.astype(str) if k == "mode" else v)
                                  for k, v in coords.items() if k != "time"}},
        attrs=attrs,
    )
    return Recording(ds)

