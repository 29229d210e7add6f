"""Recordings in the neuroscience ecosystem: NWB files (through pynwb) and pynapple objects.

This module owns the mapping between a neurogen :class:`~neurogen.recording.Recording` and the
formats labs already read: :func:`to_nwb` / :func:`from_nwb` (Neurodata Without Borders, as DANDI
stores it), :func:`to_pynapple` (pynapple's ``TsdFrame`` + ``IntervalSet``) and :func:`export`
(the ``neurogen export`` command). It needs the ``nwb`` extra: ``pip install 'neurogen[nwb]'``.

The time base, the same in the NWB file and the pynapple objects
----------------------------------------------------------------
* one inference step lasts ``STEP_SECONDS`` = 1 s, so time point ``t`` of a trial is ``t`` s after
  the trial starts (x(0), the stimulus, is presented at the trial's ``start_time``);
* trials follow each other in recording order: trial ``k`` starts at ``k · D`` with
  ``D = (T + 1 + ITI_STEPS)`` s (T the last recorded step) and stops at the end of its last step,
  ``k · D + (T + 1)`` s; an inter-trial interval of ``ITI_STEPS`` = 1 step without samples follows;
* all trials' samples are one time series (samples × units), as a continuous recording would be,
  and the NWB ``trials`` table (pynapple: the ``IntervalSet``) says which interval is which trial.

In the file: ``acquisition/latent`` (``TimeSeries``, z(t), samples × unit), ``acquisition/data``
(x(t): an ``ImageSeries`` samples × row × col for square images, else a ``TimeSeries``), the
``trials`` table (``label``, ``source``, ``noise``, ``mode``, ``repeat`` and any other per-trial
coordinate), ``notes`` = the recording's attrs as JSON (the other descriptions are plain sentences),
and optionally the concept hierarchy as the processing module ``misc`` (tables ``memories`` and
``concepts``, whose last row, ``is_abstract``, is the abstract concept; files of neurogen 0.2.0.dev
and before have a module ``concepts`` with tables ``memory``, ``concept``, ``abstract``, still read).
Subject metadata: NWB asks for a species, sex and age; a model gets the NCBI taxon "synthetic
construct" (NCBITaxon_32630), sex "O" (other: not applicable) and age "P0D/" (unknown), and its
network, hash and architecture in the subject description.

For DANDI: pass who made the recording (``to_nwb(..., experimenter="Last, First",
institution=..., lab=..., session_id=...)``, or ``neurogen export --experimenter ...``); with
those, nwbinspector's DANDI configuration finds nothing above a best-practice suggestion. A series
with fewer samples (trials × time points) than units is flagged CRITICAL by nwbinspector
(``check_data_orientation``): :func:`to_nwb` warns (:class:`NWBWarning`) when it writes one.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import xarray as xr

from neurogen._files import atomic_dir, atomic_path, check_terminated
from neurogen._netcdf import check_storage, one_line
from neurogen._nwb_file import (ITI_STEPS, METADATA, SIGNAL_DIM, STEP_SECONDS, NWBWarning, as_dataset,
                                build_file, check_metadata, layout, read_dataset, read_hierarchy_dataset, require)
from neurogen.recording import Recording, RecordingError, _validate

__all__ = ["EXPORT_FORMATS", "ITI_STEPS", "METADATA", "STEP_SECONDS", "NWBWarning", "PynappleRecording", "export",
           "from_nwb", "read_hierarchy", "to_nwb", "to_pynapple"]

#: What :func:`export` writes.
EXPORT_FORMATS = ("nwb", "pynapple-npz")
#: The files of a pynapple export (a folder holding only these may be replaced by a new export).
PYNAPPLE_FILES = ("latent.npz", "trials.npz", "data.npz")


# ---------------------------------------------------------------------------------- NWB
def to_nwb(recording: Recording | xr.Dataset, path: str | os.PathLike, *, hierarchy: Any = None,
           session_description: str | None = None, **nwbfile_kwargs: Any) -> Path:
    """Write a recording as an NWB 2 file (HDF5), atomically; return the path.

    Parameters
    ----------
    recording : Recording or xarray.Dataset
        Any recording with at least one trial; ``latent`` and ``data`` are written when present.
    path : path-like
        The ``.nwb`` file (replaced if it exists).
    hierarchy : ConceptHierarchy or xarray.Dataset, optional
        Written as the processing module ``concepts``; read it back with :func:`read_hierarchy`.
    session_description : str, optional
        One or two plain sentences. Default: the subject, the stimulus and the size of the recording.
    **nwbfile_kwargs
        Metadata passed to ``pynwb.NWBFile``: ``experimenter`` (``"Last, First"``, or a list),
        ``institution``, ``lab``, ``session_id``, and the others of :data:`METADATA` (they replace
        neurogen's defaults: ``keywords``, ``identifier``, ``session_start_time``, ``subject``, ...).
        ``notes`` and ``source_script`` are neurogen's own (read back by :func:`from_nwb`).

    Raises
    ------
    TypeError
        A keyword that is not in :data:`METADATA`.

    Warns
    -----
    NWBWarning
        A series with fewer samples (trials × time points) than units (or image rows), which
        nwbinspector reports as CRITICAL.

    Notes
    -----
    The time base is in the module docstring (one step = 1 s). Dataset attrs go to ``notes`` as
    JSON and come back from :func:`from_nwb` (numpy arrays as lists); variable attrs are not kept.
    nwbinspector reads a series with fewer samples (trials × time points) than units as wrongly
    oriented; record more samples than units to pass it.

    Examples
    --------
    >>> to_nwb(rec, "sixes.nwb", hierarchy=hier, experimenter="Doe, Jane", institution="Uni X",
    ...        lab="Lab Y", session_id="sixes-01")  # doctest: +SKIP
    PosixPath('sixes.nwb')
    """
    metadata = check_metadata(nwbfile_kwargs)
    nwb = require("pynwb")
    ds = as_dataset(recording)
    path = Path(path)
    f = build_file(nwb, ds, hierarchy, session_description, metadata)
    check_terminated()
    with atomic_path(path) as tmp, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*does not end in '.nwb'")  # the temporary name
        with nwb.NWBHDF5IO(tmp, mode="w") as io:
            io.write(f)
    return path


def from_nwb(path: str | os.PathLike) -> Recording:
    """Read a recording written by :func:`to_nwb`: values, dtypes, coords and attrs as they were.

    Raises
    ------
    RecordingError
        For a missing file, or an NWB file that neurogen did not write.

    Examples
    --------
    >>> from_nwb(to_nwb(rec, "sixes.nwb")).dataset.identical(rec.dataset)  # doctest: +SKIP
    True
    """
    path = Path(path)
    ds = _read_nwb(path, lambda nwbfile: read_dataset(nwbfile, path))
    _validate(ds, str(path), strict=True)
    for name in (v for v in SIGNAL_DIM if v in ds):
        values = np.asarray(ds[name].values)
        if values.dtype.kind == "f" and not np.all(np.isfinite(values)):
            msg = f"{path}: '{name}' holds NaN or inf; neurogen.to_nwb never writes such values."
            raise RecordingError(msg)
    return Recording(ds)


def read_hierarchy(path: str | os.PathLike) -> Any:
    """The :class:`~neurogen.concepts.ConceptHierarchy` stored by ``to_nwb(..., hierarchy=...)``, or None."""
    from neurogen.concepts import ConceptHierarchy

    ds = _read_nwb(Path(path), read_hierarchy_dataset)
    return None if ds is None else ConceptHierarchy(ds)


def _read_nwb(path: Path, read: Any) -> Any:
    """``read(nwbfile)`` of the NWB file at ``path``, after its storage check; one RecordingError otherwise."""
    nwb = require("pynwb")
    if not path.is_file():
        msg = f"{path}: file not found." if not path.exists() else f"{path}: not a file."
        raise RecordingError(msg)
    check_storage(path, kind="NWB file")
    try:
        with nwb.NWBHDF5IO(str(path), mode="r") as io:
            return read(io.read())
    except RecordingError:
        raise
    except Exception as err:  # OSError (not HDF5), KeyError (a missing column), pynwb's own errors
        msg = f"{path}: not a readable NWB file written by neurogen.to_nwb: {type(err).__name__}: {one_line(err)}"
        raise RecordingError(msg) from err


# ---------------------------------------------------------------------------------- pynapple
@attrs.frozen
class PynappleRecording:
    """A recording as pynapple objects, on the NWB time base (one step = 1 s).

    Attributes
    ----------
    latent : pynapple.TsdFrame
        z(t) of all trials, samples × units (columns = unit coordinate).
    trials : pynapple.IntervalSet
        One interval per trial with metadata ``label``, ``source``, ``noise``, ``mode``, ``repeat``.
    data : pynapple.TsdFrame or pynapple.TsdTensor or None
        x(t) (a TsdTensor samples × row × col for square images), when recorded.
    """

    latent: Any
    trials: Any
    data: Any = None

    def per_trial(self, signal: str = "latent") -> list[Any]:
        """One object per trial (``signal`` restricted to each row of :attr:`trials`)."""
        series = self._signal(signal)
        return [series.restrict(self.trials[k]) for k in range(len(self.trials))]

    def trial_feature(self, name: str, signal: str = "latent") -> Any:
        """A ``Tsd`` of trial metadata ``name`` at every sample (e.g. the noise level over time).

        The feature for ``nap.compute_tuning_curves(rec.latent, rec.trial_feature("noise"), ...)``.
        """
        nap = require("pynapple")
        if name not in self.trials.metadata_columns:
            msg = f"name should be one of the trial metadata {list(self.trials.metadata_columns)}, got {name!r}."
            raise ValueError(msg)
        values = np.asarray(self.trials.get_info(name))
        if values.dtype.kind not in "biuf":
            msg = f"name should be numeric trial metadata for a Tsd; {name!r} has dtype {values.dtype}."
            raise ValueError(msg)
        series = self._signal(signal)
        index = np.asarray(self.trials.in_interval(series)).astype(np.int64)
        return nap.Tsd(t=series.t, d=values[index], time_support=series.time_support)

    def save(self, folder: str | os.PathLike) -> Path:
        """Write one ``.npz`` per object as the folder ``folder`` (read back with ``nap.load_folder``).

        The folder is written as a whole (:func:`neurogen._files.atomic_dir`): staged beside it
        and swapped in when complete, so an interrupted export (disk full, SIGTERM) leaves the
        previous export as it was, never new files beside old ones. An existing folder is
        replaced only when it is empty or a previous export (it holds only these ``.npz`` files);
        a folder of other files is refused.
        """
        folder = Path(folder)
        with atomic_dir(folder, replaceable=PYNAPPLE_FILES, marker=False) as stage:
            for name in ("latent", "trials", "data"):
                obj = getattr(self, name)
                if obj is not None:
                    check_terminated()
                    obj.save(str(stage / f"{name}.npz"))
        return folder

    def _signal(self, signal: str) -> Any:
        if signal not in ("latent", "data") or getattr(self, signal) is None:
            msg = f"signal should be 'latent' or a recorded 'data', got {signal!r}."
            raise ValueError(msg)
        return getattr(self, signal)


def to_pynapple(recording: Recording | xr.Dataset) -> PynappleRecording:
    """The recording as pynapple objects (the same as ``nap.load_file`` gives for :func:`to_nwb`'s file).

    Parameters
    ----------
    recording : Recording or xarray.Dataset
        Any recording with at least one trial.

    Returns
    -------
    PynappleRecording
        ``latent`` (TsdFrame), ``trials`` (IntervalSet with the trial coords as metadata), ``data``;
        ``per_trial()`` gives one TsdFrame per trial, ``trial_feature(name)`` a Tsd for tuning curves.

    Examples
    --------
    >>> p = to_pynapple(rec)  # doctest: +SKIP
    >>> nap.compute_tuning_curves(p.latent, p.trial_feature("noise"), bins=[0, 0.15, 0.25])  # doctest: +SKIP
    """
    nap = require("pynapple")
    ds = as_dataset(recording)
    sample_times, start, stop = layout(ds["time"].values, ds.sizes["trial"])
    meta = {str(k): (ds[k].values.astype(str) if ds[k].dtype.kind in "UO" else ds[k].values)
            for k in ds.coords if ds[k].dims == ("trial",) and k not in ("start", "end")}
    trials = nap.IntervalSet(start=start, end=stop, metadata=meta)
    support = nap.IntervalSet(start=start, end=stop)
    out = {}
    for name, dim in SIGNAL_DIM.items():
        if name not in ds:
            continue
        values = np.asarray(ds[name].values).reshape(sample_times.size, -1)
        cols = ds[dim].values if dim in ds.coords else np.arange(values.shape[1])
        side = int(round(np.sqrt(values.shape[1])))
        if name == "data" and side * side == values.shape[1] and side > 1:
            out[name] = nap.TsdTensor(t=sample_times.ravel(), d=values.reshape(-1, side, side),
                                      time_support=support)
        else:
            out[name] = nap.TsdFrame(t=sample_times.ravel(), d=values, columns=cols, time_support=support)
    return PynappleRecording(latent=out.get("latent"), trials=trials, data=out.get("data"))


# ---------------------------------------------------------------------------------- CLI
def export(recording_path: str | os.PathLike, to: str, out: str | os.PathLike, *, hierarchy: Any = None,
           **nwb_metadata: Any) -> Path:
    """Convert a saved recording (``.nc``) for other tools; the work of ``neurogen export``.

    Parameters
    ----------
    recording_path : path-like
        A recording saved by neurogen (netCDF4).
    to : {"nwb", "pynapple-npz"}
        ``"nwb"`` writes one NWB file; ``"pynapple-npz"`` a folder of ``latent.npz``,
        ``trials.npz`` (and ``data.npz``), read back with ``pynapple.load_folder(out)``.
    out : path-like
        The file or folder written.
    hierarchy : ConceptHierarchy, optional
        ``"nwb"`` only: stored with the recording (see :func:`to_nwb`).
    **nwb_metadata
        ``"nwb"`` only: ``session_description`` and the NWB metadata of :func:`to_nwb`
        (``experimenter``, ``institution``, ``lab``, ``session_id``, ...).

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    if to not in EXPORT_FORMATS:
        msg = f"to should be one of {EXPORT_FORMATS}, got {to!r}."
        raise ValueError(msg)
    if to != "nwb" and (hierarchy is not None or nwb_metadata):
        msg = f"hierarchy and NWB metadata are written to NWB files only (to='nwb'), not to {to!r}."
        raise ValueError(msg)
    require("pynwb" if to == "nwb" else "pynapple")
    if to == "nwb":
        check_metadata({k: v for k, v in nwb_metadata.items() if k != "session_description"})
    with Recording.load(recording_path, lazy=False) as rec:
        check_terminated()
        if to == "nwb":
            return to_nwb(rec, out, hierarchy=hierarchy, **nwb_metadata)
        return to_pynapple(rec).save(out)
