"""The :class:`Recording`: what ``run`` measured, as a labelled ``xarray.Dataset`` in netCDF4.

The schema is DESIGN.md's "Recording schema": ``latent(trial, time, unit)`` and/or
``data(trial, time, pixel)``; coords on ``trial``: ``label``, ``source``, ``noise``, ``repeat``,
``mode``; every variable and coordinate with ``long_name`` and, when numeric, ``units``; ``time``
with CF ``axis = "T"``; provenance in ``attrs`` (CF and ACDD global attributes, the stimulus as
JSON). In the file, the dimensions ``trial``, ``unit`` and ``pixel`` also have coordinate variables
(positions 0, 1, ... unless the recording has its own), which CF tools look for; positions are not
loaded back, so a loaded recording has the coordinates the recorded one had. Files are netCDF4 with zlib compression,
chunking and HDF5 ``fletcher32`` checksums, written through :class:`RecordingWriter` to a temporary
name and renamed when complete, so an interrupted or failed save never leaves a half file where a
good one stood, nor a temporary or an open handle. ``run(..., out=path)`` streams batches through
the same writer. The file helpers live in :mod:`neurogen._netcdf`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from neurogen._files import atomic_path, check_terminated
from neurogen._netcdf import (CONVENTIONS, VARIABLES, RecordingError, base_attrs, check_complevel,
                              describe_variables, open_neurogen, release, variable_attrs, write_error)

__all__ = ["Recording", "RecordingError", "RecordingWriter", "FORMAT", "base_attrs", "check_finite",
           "open_neurogen"]

FORMAT = "neurogen-recording-1"
_TRIAL_COORDS = ("label", "source", "noise")
_SIGNAL_DIMS = {"latent": ("trial", "time", "unit"), "data": ("trial", "time", "pixel")}
#: Dimensions whose coordinate variable is written (positions when the recording has none).
_INDEX_DIMS = ("trial", "unit", "pixel")


def check_finite(signal: str, trials: slice, values: np.ndarray, where: str | os.PathLike = "recording") -> None:
    """Refuse recorded values holding NaN or inf (:class:`RecordingError` naming the trials)."""
    if values.dtype.kind != "f" or not values.size:
        return
    bad = int(values.size - np.count_nonzero(np.isfinite(values)))
    if bad:
        msg = (f"{where}: '{signal}' of trials {trials.start}..{trials.stop - 1} holds NaN or inf ({bad:,} "
               f"of {values.size:,} values): the subject's computation overflowed (check its weights). "
               "Nothing of it was kept.")
        raise RecordingError(msg)


class RecordingWriter:
    """Write a recording to netCDF4 batch by batch, then rename it into place.

    Parameters
    ----------
    path : path-like
    sizes : dict
        Sizes of ``trial``, ``time`` and ``unit`` / ``pixel`` (a dim no signal uses is left out).
    coords : dict
        ``time`` values and the per-trial coords (each needs a ``long_name`` in
        :data:`neurogen._netcdf.VARIABLES`); ``trial``, ``unit`` and ``pixel`` values when the
        recording has them (else their positions are written).
    signals : sequence of str
        Variables to create (``latent``, ``data``).
    attrs : dict
        Global attributes (see :func:`neurogen._netcdf.base_attrs`).
    dtype : str
    complevel : int
        zlib level in [0, 9] (0 turns compression off). Checksums are always written.

    Notes
    -----
    Use it as a context manager, or call :meth:`close` (``ok=False`` on failure). Whatever fails
    (a write, the final flush, disk full), the file is closed, the temporary removed and its space
    freed, and the error is a one-line ``OSError`` naming ``path``.
    """

    def __init__(self, path: str | os.PathLike, sizes: Mapping[str, int], coords: Mapping[str, np.ndarray],
                 signals: Sequence[str], attrs: Mapping[str, Any], dtype: str = "float32",
                 complevel: int = 1) -> None:
        import netCDF4

        complevel = check_complevel(complevel)
        bad = [s for s in signals if s not in _SIGNAL_DIMS]
        if not signals or bad:
            msg = f"signals must be names from {sorted(_SIGNAL_DIMS)}: {list(signals)!r}"
            raise ValueError(msg)
        unknown = [k for k in coords if k not in VARIABLES]
        if unknown:
            msg = f"coords {unknown} have no long_name in neurogen._netcdf.VARIABLES; neurogen writes {sorted(VARIABLES)}."
            raise ValueError(msg)
        self.path = Path(path)
        self._closed = False
        self._ctx = atomic_path(self.path)
        self._tmp = self._ctx.__enter__()
        try:
            self._nc = netCDF4.Dataset(self._tmp, "w", format="NETCDF4")
        except BaseException as err:
            try:
                self._ctx.__exit__(type(err), err, None)  # removes the temporary
            except BaseException:  # noqa: S110 - atomic_path re-raises what we pass it
                pass
            if isinstance(err, Exception):
                raise write_error(err, self.path) from err
            raise
        try:
            self._define(sizes, coords, signals, attrs, dtype, complevel)
        except BaseException:
            self.close(ok=False)
            raise

    def _define(self, sizes: Mapping[str, int], coords: Mapping[str, np.ndarray], signals: Sequence[str],
                attrs: Mapping[str, Any], dtype: str, complevel: int) -> None:
        nc = self._nc
        used = {d for s in signals for d in _SIGNAL_DIMS[s]}
        for dim in ("trial", "time", "unit", "pixel"):
            if dim in used:
                nc.createDimension(dim, sizes[dim])
        # CF: every dimension a tool may plot along has a coordinate variable (positions by default)
        index = {d: np.arange(sizes[d], dtype=np.int64) for d in _INDEX_DIMS if d in used and d not in coords}
        for name, values in {**index, **coords}.items():
            values = np.asarray(values)
            dim = name if name in ("time", *_INDEX_DIMS) else "trial"
            if values.dtype == object or values.dtype.kind in "US":
                var = nc.createVariable(name, str, (dim,), fletcher32=True)
                var[:] = values.astype(object)
            else:
                var = nc.createVariable(name, values.dtype, (dim,), fletcher32=True)
                var[:] = values
            kind = "U" if values.dtype == object else values.dtype
            var.setncatts(variable_attrs(name, kind, VARIABLES[name][0]))
        tchunk = max(1, min(sizes["trial"], 256))
        trial_coords = " ".join(k for k in coords if k not in ("time", *_INDEX_DIMS))
        self._vars = {}
        # netCDF4 has no 16-bit float: float16 values are stored exactly as float32 and tagged,
        # and open_neurogen casts them back
        disk_dtype = "float32" if np.dtype(dtype) == np.float16 else dtype
        for sig in signals:
            dims = _SIGNAL_DIMS[sig]
            chunks = (tchunk, sizes["time"], sizes[dims[2]])
            var = nc.createVariable(sig, disk_dtype, dims, zlib=complevel > 0, complevel=max(complevel, 1),
                                    shuffle=complevel > 0, chunksizes=chunks, fletcher32=True)
            var.setncatts(dict(zip(("long_name", "units"), VARIABLES[sig])))
            var.coordinates = trial_coords
            if disk_dtype != dtype:
                var.neurogen_dtype = "float16"
            self._vars[sig] = var
        nc.setncatts({k: (v if not isinstance(v, bool) else int(v)) for k, v in attrs.items()})

    def write(self, signal: str, trials: slice, values: np.ndarray) -> None:
        """Write ``values`` (trials, time, features) for the trial range ``trials``.

        Raises
        ------
        RecordingError
            ``values`` hold NaN or inf (a subject whose weights overflow): nothing of a broken
            recording is ever written, and the file is discarded when the writer closes.
        """
        check_terminated()
        values = np.asarray(values)
        check_finite(signal, trials, values, self.path)
        try:
            self._vars[signal][trials.start : trials.stop] = values
        except (RuntimeError, OSError) as err:
            raise write_error(err, self.path) from err

    def close(self, ok: bool = True) -> Path:
        """Finish the file; on ``ok`` rename it into place, else discard it. Safe to call twice."""
        if self._closed:
            return self.path
        self._closed = True
        failure: BaseException | None = None
        try:
            self._nc.close()
        except BaseException as err:  # HDF5 could not flush (disk full): free the temporary
            failure = err
            release(self._tmp)
            try:
                self._nc.close()
            except BaseException:  # noqa: S110 - the descriptor now points at /dev/null
                pass
        if ok and failure is None:
            self._ctx.__exit__(None, None, None)
            return self.path
        err = failure or RuntimeError("recording aborted")
        try:
            self._ctx.__exit__(type(err), err, None)
        except BaseException:  # noqa: S110 - atomic_path re-raises what we pass it
            pass
        if ok and failure is not None:
            raise write_error(failure, self.path) from failure
        return self.path

    def __enter__(self) -> RecordingWriter:
        return self

    def __exit__(self, exc_type: type | None, *exc: object) -> None:
        self.close(ok=exc_type is None)


class Recording:
    """Recorded repeated inference: an ``xarray.Dataset`` with neurogen's schema.

    Every xarray idiom works on a recording in memory and on one loaded from a file (its
    coordinates are in memory there too; only the signals are lazy).

    Attributes
    ----------
    dataset : xarray.Dataset
        The labelled data (use it directly for anything xarray does).

    Examples
    --------
    >>> rec = run(Network.default(), Stimulus.from_dataset(load_mnist(), label=6, n=300,
    ...           noise=[0.1, 0.2]), steps=80)  # doctest: +SKIP
    >>> rec.latent.sel(time=0)  # doctest: +SKIP
    >>> rec.sel(trial=rec.dataset.noise == 0.2)  # doctest: +SKIP
    >>> rec.latent.groupby("label").mean()  # doctest: +SKIP
    >>> rec.save("sixes.nc"); Recording.load("sixes.nc")  # doctest: +SKIP
    """

    def __init__(self, dataset: xr.Dataset) -> None:
        if not isinstance(dataset, xr.Dataset):
            msg = f"dataset must be an xarray.Dataset, got {type(dataset).__name__}."
            raise TypeError(msg)
        _validate(dataset, "dataset")
        self.dataset = describe_variables(dataset, strict=False, string_units=False)
        self.dataset.set_close(dataset.close)  # a copy: closing it closes the file behind it

    # ------------------------------------------------------------- views
    @property
    def latent(self) -> xr.DataArray:
        """z(t): (trial, time, unit)."""
        return self._signal("latent")

    @property
    def data(self) -> xr.DataArray:
        """x(t): (trial, time, pixel)."""
        return self._signal("data")

    @property
    def attrs(self) -> dict[str, Any]:
        """Provenance."""
        return self.dataset.attrs

    @property
    def n_trials(self) -> int:
        """Number of trials."""
        return self.dataset.sizes["trial"]

    def _signal(self, name: str) -> xr.DataArray:
        if name not in self.dataset:
            msg = f"this recording has no '{name}' (recorded: {list(self.dataset.data_vars)}); record it with Probe(signals=[..., '{name}'])."
            raise KeyError(msg)
        return self.dataset[name]

    def images(self, **sel: Any) -> xr.DataArray:
        """``data`` reshaped to (…, row, col) for plotting; keyword args select first (``trial=0``)."""
        x = self.data.isel(**sel) if sel else self.data
        side = int(round(np.sqrt(x.sizes["pixel"])))
        return x.coarsen(pixel=side).construct(pixel=("row", "col")).drop_vars("pixel", errors="ignore")

    def sel(self, **indexers: Any) -> Recording:
        """Label-based selection returning a Recording.

        A boolean array along a dimension selects where it is true, e.g.
        ``rec.sel(trial=rec.dataset.noise == 0.2)``.
        """
        positional = {}
        for dim, idx in list(indexers.items()):
            if getattr(idx, "dtype", None) is not None and idx.dtype == bool:
                positional[dim] = np.flatnonzero(np.asarray(idx))
                del indexers[dim]
        ds = self.dataset.isel(**positional) if positional else self.dataset
        return Recording(ds.sel(**indexers) if indexers else ds)

    def isel(self, **indexers: Any) -> Recording:
        """Position-based selection returning a Recording."""
        return Recording(self.dataset.isel(**indexers))

    def where_noise(self, p: float) -> Recording:
        """Trials presented at noise fraction ``p``."""
        return Recording(self.dataset.isel(trial=np.flatnonzero(np.isclose(self.dataset.noise.values, p))))

    def groupby(self, group: Hashable, **kwargs: Any) -> Any:
        """Group the trials by a coordinate, as ``xarray.Dataset.groupby`` (``rec.groupby("label").mean()``)."""
        return self.dataset.groupby(group, **kwargs)

    def _header(self) -> str:
        s = self.dataset.sizes
        sig = ", ".join(str(v) for v in self.dataset.data_vars)
        return (f"<Recording {s.get('trial', 0)} trials × {s.get('time', 0)} time points [{sig}] "
                f"from {self.attrs.get('subject', '?')}>")

    def __repr__(self) -> str:
        ds, lines = self.dataset, [self._header()]
        for name in ("label", "noise", "mode"):
            if name in ds.coords and ds[name].size:
                values = np.unique(np.asarray(ds[name].values))
                shown = ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values[:10].tolist())
                lines.append(f"  {name}: {shown}{', …' if len(values) > 10 else ''}")
        if "time" in ds.coords and ds.sizes.get("time"):
            lines.append(f"  time: {int(ds.time[0])}..{int(ds.time[-1])}")
        for dim in ("unit", "pixel"):
            if dim in ds.sizes:
                lines.append(f"  {dim}s: {ds.sizes[dim]}")
        if ds.encoding.get("source"):
            lines.append(f"  file: {ds.encoding['source']}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return f"<p><b>{html.escape(self._header())}</b></p>" + self.dataset._repr_html_()

    # ------------------------------------------------------------- files
    def close(self) -> None:
        """Release the file behind a recording opened from disk (as ``xarray.Dataset.close``)."""
        self.dataset.close()

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save(self, path: str | os.PathLike, complevel: int = 1) -> Path:
        """Write netCDF4 (zlib, chunked, fletcher32 checksums) atomically; return the path."""
        ds = self.dataset
        signals = [v for v in ("latent", "data") if v in ds]
        sizes = {d: ds.sizes[d] for d in ("trial", "time", "unit", "pixel") if d in ds.sizes}
        coords = {"time": ds.time.values}
        coords.update({k: ds[k].values for k in ds.coords if k != "time" and ds[k].dims == ("trial",)})
        coords.update({d: ds[d].values for d in ("unit", "pixel") if d in ds.coords and ds[d].dims == (d,)})
        dtype = str(ds[signals[0]].dtype)
        # a recording of an older version gains the attributes it lacks (its own are kept)
        attrs = {**base_attrs({"subject": ds.attrs["subject"]} if "subject" in ds.attrs else None), **ds.attrs,
                 "Conventions": CONVENTIONS}
        if "created" in ds.attrs and "date_created" not in ds.attrs:  # ACDD's name for the same date
            attrs["date_created"] = ds.attrs["created"]
        with RecordingWriter(path, sizes, coords, signals, attrs, dtype=dtype, complevel=complevel) as w:
            for sig in signals:
                for start in range(0, sizes["trial"], 1024):
                    sl = slice(start, min(start + 1024, sizes["trial"]))
                    w.write(sig, sl, ds[sig].isel(trial=sl).values)
        return w.path

    @classmethod
    def load(cls, path: str | os.PathLike, lazy: bool | None = None) -> Recording:
        """Open a recording: coordinates in memory, signals lazy.

        Parameters
        ----------
        lazy : bool, optional
            ``None``: signals dask-backed when dask is installed (else read on first access);
            ``False``: everything read into memory now and the file closed.

        Raises
        ------
        RecordingError
            For a missing, truncated, foreign or corrupt file (a variable that fails its
            checksum is named, when it is read).
        """
        ds = open_neurogen(path, lazy=lazy, kind="recording",
                           validate=lambda d: _validate(d, str(path), strict=True))
        ds = _without_positions(ds)
        ds.encoding["source"] = str(path)
        try:
            return cls(ds)
        except RecordingError as err:
            ds.close()
            raise RecordingError(str(err).replace("dataset:", f"{path}:", 1)) from None

    @classmethod
    def concat(cls, recordings: Sequence[Recording]) -> Recording:
        """Join recordings along ``trial`` (attrs of the first are kept)."""
        if not recordings:
            msg = "concat needs at least one recording."
            raise ValueError(msg)
        times = [r.dataset["time"].values for r in recordings]
        if any(not np.array_equal(t, times[0]) for t in times[1:]):
            msg = "concat needs recordings with the same time points (same steps and Probe.every)."
            raise ValueError(msg)
        return cls(xr.concat([r.dataset for r in recordings], dim="trial", combine_attrs="override"))

    # ------------------------------------------------------------- other formats
    def to_nwb(self, path: str | os.PathLike, **kwargs: Any) -> Path:
        """Write an NWB file (see :func:`neurogen.nwb.to_nwb`; needs ``neurogen[nwb]``)."""
        from neurogen.nwb import to_nwb

        return to_nwb(self, path, **kwargs)

    @classmethod
    def from_nwb(cls, path: str | os.PathLike) -> Recording:
        """Read a recording back from an NWB file written by :meth:`to_nwb`."""
        from neurogen.nwb import from_nwb

        return from_nwb(path)

    def to_pynapple(self) -> Any:
        """pynapple objects of this recording (see :func:`neurogen.nwb.to_pynapple`)."""
        from neurogen.nwb import to_pynapple

        return to_pynapple(self)


def _without_positions(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` without the coordinate variables of ``trial`` / ``unit`` / ``pixel`` that hold only
    positions (written for CF tools; a recording made by ``run`` has none)."""
    drop = [d for d in _INDEX_DIMS if d in ds.coords and ds[d].dims == (d,)
            and np.array_equal(np.asarray(ds[d].values), np.arange(ds.sizes[d]))]
    if not drop:
        return ds
    out = ds.drop_vars(drop)
    out.set_close(ds.close)
    return out


def _validate(ds: xr.Dataset, where: str, strict: bool = False) -> None:
    """Check a recording's schema: signals and their dims and dtypes, the trial coordinates.

    ``strict`` (every recording read from a file, before any use): also the ``time``
    coordinate (integer steps >= 0, increasing), the dims of every coordinate, and the values'
    ranges: labels and sources integers >= 0 (labels 0–9 for 784-pixel digits), repeats
    integers >= 0, noise fractions in [0, 1], modes among the pixel-swap modes.
    """
    signals = [v for v in _SIGNAL_DIMS if v in ds]
    if not signals:
        msg = f"{where}: no 'latent' or 'data' variable; not a neurogen recording."
        raise RecordingError(msg)
    for sig in signals:
        if ds[sig].dims != _SIGNAL_DIMS[sig]:
            msg = f"{where}: '{sig}' has dims {ds[sig].dims}, expected {_SIGNAL_DIMS[sig]}."
            raise RecordingError(msg)
        if ds[sig].dtype.kind != "f":
            msg = f"{where}: '{sig}' has dtype {ds[sig].dtype}; a recorded signal is floating point."
            raise RecordingError(msg)
    missing = [c for c in _TRIAL_COORDS if c not in ds.coords]
    if missing:
        msg = f"{where}: missing trial coords {missing}."
        raise RecordingError(msg)
    if strict:
        _validate_values(ds, where)


def _validate_values(ds: xr.Dataset, where: str) -> None:
    from neurogen.stimulus import MODES

    def fail(text: str) -> None:
        raise RecordingError(f"{where}: {text}; not a recording neurogen wrote.")

    for dim in ("unit", "pixel"):
        if dim in ds.sizes and ds.sizes[dim] < 1:
            fail(f"dimension '{dim}' is empty")
    if "time" not in ds.coords:
        fail("no 'time' coordinate (the inference step of each time point)")
    time = ds["time"]
    if time.dims != ("time",) or time.dtype.kind not in "iu" or time.size < 1:
        fail(f"'time' must be integer steps along dim 'time', got dims {time.dims}, dtype {time.dtype}, "
             f"{time.size} values")
    steps = np.asarray(time.values)
    if steps.min() < 0 or np.any(np.diff(steps) <= 0):
        fail(f"'time' must be steps >= 0 in increasing order, got {steps[:8].tolist()}")
    for name in ds.coords:
        var = ds[name]
        if name in ("unit", "pixel", "time") or var.ndim == 0:
            continue
        if var.dims != ("trial",):
            fail(f"coordinate '{name}' has dims {var.dims}, expected ('trial',)")
    digits = ds.sizes.get("pixel") == 784 or _stimulus_width(ds.attrs) == 784
    for name in ("label", "source", "repeat"):
        if name not in ds.coords:
            continue
        values = np.asarray(ds[name].values)
        if values.dtype.kind not in "iu":
            fail(f"'{name}' has dtype {values.dtype}; it must hold integers")
        top = 9 if name == "label" and digits else None
        bad = values[(values < 0) | ((values > top) if top is not None else False)]
        if bad.size:
            allowed = "digits 0–9" if top is not None else "integers >= 0"
            fail(f"'{name}' must hold {allowed}, found {sorted(set(bad.tolist()))[:5]}")
    noise = np.asarray(ds["noise"].values)
    if noise.dtype.kind not in "fiu":
        fail(f"'noise' has dtype {noise.dtype}; it must hold fractions in [0, 1]")
    if noise.size and (not np.all(np.isfinite(noise)) or noise.min() < 0 or noise.max() > 1):
        fail(f"'noise' must hold fractions in [0, 1], found values in [{np.nanmin(noise):g}, {np.nanmax(noise):g}]")
    if "mode" in ds.coords:
        modes = np.asarray(ds["mode"].values)
        if modes.dtype.kind not in "UOS":
            fail(f"'mode' has dtype {modes.dtype}; it must hold names of pixel-swap modes")
        odd = sorted({str(m) for m in modes.tolist()} - set(MODES))
        if odd:
            fail(f"'mode' must be one of {list(MODES)}, found {odd[:5]}")


def _stimulus_width(attrs: Mapping[str, Any]) -> int | None:
    """Pixels per image of the stimulus a recording's attrs describe (its JSON), if they say."""
    found = re.search(r'"images":\s*\{"shape":\s*\[\d+,\s*(\d+)\]', str(attrs.get("stimulus", ""))[:4096])
    return int(found.group(1)) if found else None
