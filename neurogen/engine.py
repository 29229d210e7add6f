"""The repeated-inference engine: :func:`run`.

x(0) = the corrupted image; z(t) = subject.encode(x(t)) (eq. 7, E_q[z|x]); x(t+1) =
subject.decode(z(t)) (eq. 6, E_p[x|z]); t = 0..T. All trials of a batch advance together on the
subject's device under ``torch.inference_mode``; batches are sized to a memory budget and, with
``out=``, streamed to a netCDF4 file so that recordings larger than memory are fine. Interventions
(:mod:`neurogen.interventions`) are compiled here once per run into index and value tensors on the
subject's device and applied in place at each step: on x(t) before ``encode``, on z(t) after it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import torch
import xarray as xr
from tqdm.auto import tqdm

import neurogen.interventions as iv
from neurogen._checks import check_request
from neurogen._files import check_terminated
from neurogen.device import resolve_device
from neurogen.probe import SIGNALS, Probe
from neurogen.recording import Recording, RecordingWriter, base_attrs, check_finite
from neurogen.stimulus import Stimulus
from neurogen.subject import Subject

if TYPE_CHECKING:
    from neurogen.concepts import ConceptHierarchy

__all__ = ["run"]

T = TypeVar("T")


def _batch_size(probe: Probe, n_times: int, widths: dict[str, int], budget: int, extra: int = 0) -> int:
    itemsize = np.dtype(probe.dtype).itemsize
    per_trial = n_times * sum(widths[s] for s in probe.signals) * itemsize + extra
    return int(max(1, min(4096, budget // max(per_trial, 1))))


class _Op:
    """One intervention compiled for a run: its indices (and values) as tensors on the device."""

    __slots__ = ("fill", "idx", "noise", "times", "values")

    def __init__(self, item: iv.Intervention, device: torch.device, noise: int | None) -> None:
        self.idx = torch.as_tensor(item.units.indices, dtype=torch.long, device=device)
        self.times = getattr(item, "times", None)
        self.noise = noise  # position of this Noise's draws in the batch's noise list
        v = getattr(item, "value", getattr(item, "values", None))
        self.fill = v if isinstance(v, float) else None
        # per-unit values: kept in float64 on the CPU, made once per dtype on the device
        self.values = None if v is None or self.fill is not None else {None: torch.tensor(v, dtype=torch.float64)}

    def __call__(self, v: torch.Tensor, t: int, noise: list[torch.Tensor]) -> None:
        times = self.times
        if times is not None and not (times[0] <= t and (times[1] is None or t < times[1])):
            return
        if self.noise is not None:
            src = noise[self.noise][:, t]
            v.index_add_(1, self.idx, src if src.dtype == v.dtype else src.to(v.dtype))
        elif self.fill is not None:
            v.index_fill_(1, self.idx, self.fill)
        else:
            vals = self.values.get(v.dtype)
            if vals is None:
                vals = self.values[v.dtype] = self.values[None].to(device=v.device, dtype=v.dtype)
            v.index_copy_(1, self.idx, vals.expand(v.shape[0], -1))


class _Plan:
    """The run's interventions, checked against the subject's widths and compiled per signal."""

    def __init__(self, items: tuple[iv.Intervention, ...], width: dict[str, int], device: torch.device) -> None:
        self.noises = [v for v in items if isinstance(v, iv.Noise) and len(v.units) and v.sd > 0]
        self.ops: dict[str, tuple[_Op, ...]] = {"data": (), "latent": ()}
        for item in items:
            n, u = width[item.signal], item.units
            what = f"{type(item).__name__} on {item.signal!r}"
            if u.size is not None and u.size != n:
                msg = f"{what}: units is a mask of {u.size} units but the subject has {n} {item.signal} units."
                raise ValueError(msg)
            if u.indices and max(u.indices) >= n:
                msg = f"{what}: units should be < {n} (the subject's {item.signal} units), got {max(u.indices)}."
                raise ValueError(msg)
            if not len(u) or (isinstance(item, iv.Noise) and item.sd == 0):
                continue  # acts on nothing
            pos = next((i for i, w in enumerate(self.noises) if w is item), None)
            self.ops[item.signal] += (_Op(item, device, pos),)

    def bytes_per_trial(self, steps: int) -> int:
        """Memory of one trial's noise draws."""
        return 4 * (steps + 1) * sum(len(w.units) for w in self.noises)

    def batches(self, stimulus: Stimulus, batch_size: int, steps: int) -> Iterator[tuple]:
        """``(trials, x0, noise draws)`` per batch; runs in the prefetch thread."""
        for sl, x0 in stimulus.batches(batch_size):
            yield sl, x0, [w.sample(sl.start, sl.stop, steps) for w in self.noises]


def _apply(ops: tuple[_Op, ...], v: torch.Tensor, t: int, noise: list[torch.Tensor]) -> None:
    for op in ops:
        op(v, t, noise)


def _check_device(device: str | torch.device) -> torch.device:
    """Resolve ``device`` and make sure a subject can compute there, before anything moves."""
    dev = resolve_device(device)
    ok = dev.type in ("cpu", "cuda") or (dev.type == "mps" and torch.backends.mps.is_available())
    if not ok:
        msg = f"device should be 'auto', 'cpu' or 'cuda[:n]', got {device!r}."
        raise ValueError(msg)
    if dev.type == "cuda" and dev.index is not None and dev.index >= torch.cuda.device_count():
        msg = f"device {device!r} does not exist: this machine has {torch.cuda.device_count()} CUDA device(s)."
        raise ValueError(msg)
    return dev


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
    interventions: Sequence[iv.Intervention] | None = None,
    hierarchy: ConceptHierarchy | None = None,
    force: bool = False,
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
        Move the subject there first (``"auto"``: CUDA when present). Default: where it is. The
        device is checked before the subject moves, and if the run fails the subject is moved
        back where it was.
    out : path-like, optional
        Stream the recording to this netCDF4 file (atomically renamed into place when complete)
        and return it opened lazily. Without ``out`` the recording is kept in memory.
    memory_budget : int
        Bytes of recorded values held per batch.
    complevel : int
        zlib level for ``out`` (0: no compression).
    progress : bool, optional
        tqdm bar; ``None`` shows it only on a terminal.
    interventions : sequence of Lesion, Clamp, Noise, optional
        Applied at every step in the order given (those with ``signal="data"`` to x(t) before
        ``encode``, the others to z(t) after it); the recording shows the intervened state and
        stores them as JSON in ``attrs["interventions"]``. See :mod:`neurogen.interventions`.
    force : bool
        Lift the documented size limits (trials, steps; :func:`neurogen._checks.check_request`).
        Requests beyond the machine's free memory are refused regardless.
    hierarchy : ConceptHierarchy, optional
        Resolves ``Lesion(value="mean")`` (each unit's mean over the memories); not needed when
        every lesion has a number or was resolved with ``Lesion.resolve``.

    Returns
    -------
    Recording

    Notes
    -----
    Deterministic: a trial's input depends only on the stimulus seed and the trial's index, and
    inference itself is deterministic, so the same seed gives a bit-identical recording on CPU
    (whatever the batch size, up to floating-point reassociation in the BLAS kernels). A
    :class:`~neurogen.interventions.Noise` draws trial i's noise from ``(seed, i)``, so it keeps
    this property. Without interventions the loop is exactly the plain one.

    Examples
    --------
    >>> from neurogen.interventions import Lesion
    >>> rec = run(net, stim, steps=20, interventions=[Lesion([3, 7], value=0.0)])  # doctest: +SKIP
    >>> float(abs(rec.latent.sel(unit=[3, 7])).max())  # doctest: +SKIP
    0.0
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
    check_request(stimulus.n_trials, int(steps), {}, probe.dtype, every=probe.every,
                  memory_budget=memory_budget, force=force)
    items = iv.resolve(interventions, hierarchy)
    before = subject.device
    target = None if device is None or not hasattr(subject, "to") else _check_device(device)
    try:
        if target is not None:
            subject.to(target)
        return _record(subject, stimulus, int(steps), probe, items, batch_size=batch_size, out=out,
                       memory_budget=memory_budget, complevel=complevel, progress=progress, force=force)
    except BaseException:
        if target is not None and subject.device != before:
            subject.to(before)  # a failed run leaves the subject where it was
        raise


def _record(subject: Subject, stimulus: Stimulus, steps: int, probe: Probe, items: tuple, *,
            batch_size: int | None, out: str | os.PathLike | None, memory_budget: int, complevel: int,
            progress: bool | None, force: bool = False) -> Recording:
    """The body of :func:`run`, on the subject's device, after the arguments were checked."""
    dev = subject.device
    if hasattr(subject, "eval"):
        subject.eval()

    n = stimulus.n_trials
    with torch.inference_mode():
        probe_x = torch.as_tensor(stimulus.inputs(0, 1), device=dev)
        width = {"data": probe_x.shape[1], "latent": subject.encode(probe_x).shape[1]}
    check_request(n, steps, {s: width[s] for s in probe.signals}, probe.dtype, every=probe.every, out=out,
                  complevel=complevel, memory_budget=memory_budget, force=force)
    times = probe.times(int(steps))
    keep = np.zeros(steps + 1, dtype=bool)
    keep[times] = True
    plan = _Plan(items, width, dev)
    if batch_size is None:
        batch_size = _batch_size(probe, len(times), width, memory_budget, plan.bytes_per_trial(steps))
    elif batch_size < 1:
        msg = f"'batch_size' must be >= 1: {batch_size}"
        raise ValueError(msg)

    coords = {"time": times, **stimulus.trial_coords()}
    attrs = base_attrs({**subject.describe(), "stimulus": stimulus, "seed": stimulus.seed,
                        "noise_mode": stimulus.noise.mode, "steps": int(steps), "probe": probe})
    if items:
        attrs["interventions"] = iv.to_json(items)
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
        pre, post = plan.ops["data"], plan.ops["latent"]
        for sl, x0, draws in _prefetch(plan.batches(stimulus, batch_size, steps), pool):
            check_terminated()  # a SIGTERM whose exception Python swallowed stops here
            b = sl.stop - sl.start
            buf = {s: torch.empty((b, len(times), width[s]), dtype=tdtype) for s in probe.signals}
            noise = [torch.from_numpy(d).to(dev) for d in draws]
            with torch.inference_mode():
                x = torch.as_tensor(x0, device=dev)
                k = 0
                for t in range(steps + 1):
                    if pre:
                        _apply(pre, x, t, noise)
                    z = subject.encode(x)
                    if post:
                        if z.untyped_storage().data_ptr() == x.untyped_storage().data_ptr():
                            z = z.clone()  # a read-out subject (Hopfield): z(t) is x(t) itself
                        _apply(post, z, t, noise)
                    if keep[t]:
                        if want_latent:
                            buf["latent"][:, k].copy_(z, non_blocking=True)
                        if want_data:
                            buf["data"][:, k].copy_(x, non_blocking=True)
                        k += 1
                    if t < steps:
                        x = subject.decode(z)
                        bar.update(b)
            if tdtype is torch.float16:
                for s_ in probe.signals:
                    probe.check_overflow(s_, buf[s_])
            if pending is not None:
                pending.result()
            if writer is not None:
                pending = pool.submit(_write, writer, sl, {s: buf[s].numpy() for s in probe.signals})
            else:
                for s in probe.signals:
                    check_finite(s, sl, buf[s].numpy())
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

