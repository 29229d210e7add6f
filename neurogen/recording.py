"""The :class:`Recording`: what ``run`` measured, as a labelled ``xarray.Dataset`` in netCDF4.

Schema (DESIGN.md): ``latent(trial, time, unit)`` and/or ``data(trial, time, pixel)``; coords on
``trial``: ``label``, ``source``, ``noise``, ``repeat``, ``mode``; provenance in ``attrs``. Files are
netCDF4 with zlib compression and chunking, written through :class:`RecordingWriter` to a
temporary name and renamed when complete, so an interrupted save never leaves a half file where a
good one stood. ``run(..., out=path)`` streams batches through the same writer.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from neurogen._version import __version__
from neurogen._files import atomic_path

__all__ = ["Recording", "RecordingError", "RecordingWriter", "FORMAT"]

FORMAT = "neurogen-recording-1"
_TRIAL_COORDS = ("label", "source", "noise")
_SIGNAL_DIMS = {"latent": ("trial", "time", "unit"), "data": ("trial", "time", "pixel")}


class RecordingError(ValueError):
    """A file that is not a (complete) neurogen recording."""


def base_attrs(extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Provenance attrs every file carries: format, version, creation time, conventions."""
    out = {"neurogen_format": FORMAT, "neurogen_version": __version__,
           "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
           "Conventions": "CF-1.8"}
    for k, v in (extra or {}).items():
        out[k] = v if isinstance(v, (str, int, float, np.integer, np.floating)) else str(v)
    return out


class RecordingWriter:
    """Write a recording to netCDF4 batch by batch, then rename it into place.

    Parameters
    ----------
    path : path-like
    sizes : dict
        Sizes of ``trial``, ``time`` and ``unit`` / ``pixel``.
    coords : dict
        ``time`` values and the per-trial coords.
    signals : sequence of str
        Variables to create (``latent``, ``data``).
    attrs : dict
    dtype : str
    complevel : int
        zlib level (0 turns compression off).
    """

    def __init__(self, path: str | os.PathLike, sizes: Mapping[str, int], coords: Mapping[str, np.ndarray],
                 signals: Sequence[str], attrs: Mapping[str, Any], dtype: str = "float32",
                 complevel: int = 1) -> None:
        import netCDF4

        self.path = Path(path)
        self._ctx = atomic_path(self.path)
        self._tmp = self._ctx.__enter__()
        self._nc = netCDF4.Dataset(self._tmp, "w", format="NETCDF4")
        try:
            self._define(sizes, coords, signals, attrs, dtype, complevel)
        except BaseException:
            self.close(ok=False)
            raise

    def _define(self, sizes: Mapping[str, int], coords: Mapping[str, np.ndarray], signals: Sequence[str],
                attrs: Mapping[str, Any], dtype: str, complevel: int) -> None:
        nc = self._nc
        for dim, size in sizes.items():
            nc.createDimension(dim, size)
        for name, values in coords.items():
            values = np.asarray(values)
            dim = "time" if name == "time" else "trial"
            if values.dtype == object or values.dtype.kind in "US":
                var = nc.createVariable(name, str, (dim,))
                var[:] = values.astype(object)
            else:
                var = nc.createVariable(name, values.dtype, (dim,))
                var[:] = values
        tchunk = max(1, min(sizes["trial"], 256))
        trial_coords = " ".join(k for k in coords if k != "time")
        self._vars = {}
        # netCDF4 has no 16-bit float: float16 values are stored exactly as float32 and tagged,
        # and open_neurogen casts them back
        disk_dtype = "float32" if np.dtype(dtype) == np.float16 else dtype
        for sig in signals:
            dims = _SIGNAL_DIMS[sig]
            chunks = (tchunk, sizes["time"], sizes[dims[2]])
            var = nc.createVariable(sig, disk_dtype, dims, zlib=complevel > 0, complevel=max(complevel, 1),
                                    shuffle=complevel > 0, chunksizes=chunks)
            var.coordinates = trial_coords
            if disk_dtype != dtype:
                var.neurogen_dtype = "float16"
            self._vars[sig] = var
        nc.setncatts({k: (v if not isinstance(v, bool) else int(v)) for k, v in attrs.items()})

    def write(self, signal: str, trials: slice, values: np.ndarray) -> None:
        """Write ``values`` (trials, time, features) for the trial range ``trials``."""
        self._vars[signal][trials.start : trials.stop] = values

    def close(self, ok: bool = True) -> Path:
        """Finish the file; on ``ok`` rename it into place, else discard it."""
        self._nc.close()
        if ok:
            self._ctx.__exit__(None, None, None)
        else:
            err = RuntimeError("recording aborted")
            try:
                self._ctx.__exit__(RuntimeError, err, None)
            except RuntimeError:
                pass
        return self.path


class Recording:
    """Recorded repeated inference: an ``xarray.Dataset`` with neurogen's schema.

    Attributes
    ----------
    dataset : xarray.Dataset
        The labelled data (use it directly for anything xarray does).

    Examples
    --------
    >>> rec = run(Network.default(), Stimulus.from_dataset(load_mnist(), label=6, n=300),
    ...           steps=80)  # doctest: +SKIP
    >>> rec.latent.sel(time=0)  # doctest: +SKIP
    >>> rec.save("sixes.nc"); Recording.load("sixes.nc")  # doctest: +SKIP
    """

    def __init__(self, dataset: xr.Dataset) -> None:
        if not isinstance(dataset, xr.Dataset):
            msg = f"dataset must be an xarray.Dataset, got {type(dataset).__name__}."
            raise TypeError(msg)
        _validate(dataset, "dataset")
        self.dataset = dataset

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
        """Label-based selection returning a Recording (e.g. ``rec.sel(trial=rec.dataset.noise == 0.2)``)."""
        return Recording(self.dataset.sel(**indexers))

    def isel(self, **indexers: Any) -> Recording:
        """Position-based selection returning a Recording."""
        return Recording(self.dataset.isel(**indexers))

    def where_noise(self, p: float) -> Recording:
        """Trials presented at noise fraction ``p``."""
        return Recording(self.dataset.isel(trial=np.flatnonzero(np.isclose(self.dataset.noise.values, p))))

    def __repr__(self) -> str:
        s = self.dataset.sizes
        sig = ", ".join(v for v in self.dataset.data_vars)
        return (f"<Recording {s.get('trial', 0)} trials × {s.get('time', 0)} time points [{sig}] "
                f"from {self.attrs.get('subject', '?')}>")

    # ------------------------------------------------------------- files
    def close(self) -> None:
        """Release the file behind a recording opened from disk (as ``xarray.Dataset.close``)."""
        self.dataset.close()

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def save(self, path: str | os.PathLike, complevel: int = 1) -> Path:
        """Write netCDF4 (zlib, chunked) atomically; return the path."""
        ds = self.dataset
        sizes = {d: ds.sizes[d] for d in ("trial", "time", "unit", "pixel") if d in ds.sizes}
        coords = {"time": ds.time.values}
        coords.update({k: ds[k].values for k in ds.coords if k != "time" and ds[k].dims == ("trial",)})
        signals = [v for v in ("latent", "data") if v in ds]
        dtype = str(ds[signals[0]].dtype)
        w = RecordingWriter(path, sizes, coords, signals, ds.attrs, dtype=dtype, complevel=complevel)
        try:
            for sig in signals:
                for start in range(0, sizes["trial"], 1024):
                    sl = slice(start, min(start + 1024, sizes["trial"]))
                    w.write(sig, sl, ds[sig].isel(trial=sl).values)
        except BaseException:
            w.close(ok=False)
            raise
        return w.close()

    @classmethod
    def load(cls, path: str | os.PathLike, lazy: bool | None = None) -> Recording:
        """Open a recording (dask-backed when dask is installed and ``lazy`` is not False).

        Raises
        ------
        RecordingError
            For a missing, truncated or foreign file.
        """
        return cls(open_neurogen(path, lazy=lazy, kind="recording"))

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


def open_neurogen(path: str | os.PathLike, lazy: bool | None = None, kind: str = "recording") -> xr.Dataset:
    """Open a neurogen netCDF file with checks; shared by recordings and concept hierarchies."""
    path = Path(path)
    if not path.is_file():
        msg = f"{path}: file not found."
        raise RecordingError(msg)
    chunks = None
    if lazy is not False:
        try:
            import dask  # noqa: F401

            chunks = {}
        except ImportError:
            if lazy:
                msg = "lazy=True needs dask: pip install 'neurogen[lazy]'."
                raise ImportError(msg) from None
    try:
        ds = xr.open_dataset(path, engine="netcdf4", chunks=chunks)
    except Exception as err:
        msg = f"{path}: not a readable netCDF4 {kind} (truncated or foreign file?): {err}"
        raise RecordingError(msg) from err
    if not str(ds.attrs.get("neurogen_format", "")).startswith("neurogen-"):
        ds.close()
        msg = f"{path}: not a neurogen {kind} (no 'neurogen_format' attribute)."
        raise RecordingError(msg)
    opened = ds
    if "mode" in ds.coords:
        ds = ds.assign_coords(mode=ds["mode"].astype(str))
    for name in [v for v in ds.data_vars if ds[v].attrs.get("neurogen_dtype") == "float16"]:
        var = ds[name].astype(np.float16)
        var.attrs.pop("neurogen_dtype")
        ds[name] = var
    if ds is not opened:  # derived datasets lose the file handle's closer otherwise
        ds.set_close(opened.close)
    if kind == "recording":
        try:
            _validate(ds, str(path))
        except RecordingError:
            ds.close()
            raise
    return ds


def _validate(ds: xr.Dataset, where: str) -> None:
    signals = [v for v in _SIGNAL_DIMS if v in ds]
    if not signals:
        msg = f"{where}: no 'latent' or 'data' variable; not a neurogen recording."
        raise RecordingError(msg)
    for sig in signals:
        if ds[sig].dims != _SIGNAL_DIMS[sig]:
            msg = f"{where}: '{sig}' has dims {ds[sig].dims}, expected {_SIGNAL_DIMS[sig]}."
            raise RecordingError(msg)
    missing = [c for c in _TRIAL_COORDS if c not in ds.coords]
    if missing:
        msg = f"{where}: missing trial coords {missing}."
        raise RecordingError(msg)
