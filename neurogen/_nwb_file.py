"""The NWB side of :mod:`neurogen.nwb`: the time base and building / reading the NWB objects.

Private: :mod:`neurogen.nwb` is the public face (and documents the layout). This module owns the
time base (one inference step = ``STEP_SECONDS``), the mapping of a recording's Dataset to pynwb
objects (``build_file``) and back (``read_dataset``, ``read_hierarchy_dataset``).
"""

from __future__ import annotations

import importlib
import json
import uuid
import warnings
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import xarray as xr

from neurogen._checks import load_json
from neurogen._files import check_terminated
from neurogen._version import __version__
from neurogen.recording import Recording, RecordingError

__all__ = ["EXTRA", "ITI_STEPS", "METADATA", "MODULE", "NWBWarning", "SIGNAL_DIM", "STEP_SECONDS", "as_dataset",
           "build_file", "check_metadata", "layout", "read_dataset", "read_hierarchy_dataset", "require", "timing"]

#: Seconds per inference step in NWB files and pynapple objects.
STEP_SECONDS = 1.0
#: Empty steps between two trials.
ITI_STEPS = 1

EXTRA = "pip install 'neurogen[nwb]'"
SIGNAL_DIM = {"latent": "unit", "data": "pixel"}
_COLUMN_DOC = {
    "label": "class label of the clean source image",
    "source": "index of the clean source image in its dataset split",
    "noise": "pixel-swap noise fraction p of the stimulus",
    "mode": "pixel-swap mode (invert, permute, uniform or salt_pepper)",
    "repeat": "repeat number of the source image (independent noise per repeat)",
    "trial": "neurogen's trial coordinate",
}
_SIGNAL_DOC = {
    "latent": "z(t) = E_q[z | x(t)]: the subject's latent units (columns) over repeated inference",
    "data": "x(t) = E_p[x | z(t-1)]: the subject's input / reconstruction over repeated inference; "
            "x(0) is the noisy stimulus",
}
_TIME_DOC = (f"Time base: one inference step = {STEP_SECONDS:g} s. Trials are concatenated: trial k "
             f"starts at k*(T+1+{ITI_STEPS}) s, T the last recorded step; see the trials table.")
_PUBLICATIONS = ["doi:10.1038/s41598-020-72593-4", "doi:10.48550/arXiv.1712.04195"]

#: The processing module of the concept hierarchy (a name nwbinspector accepts); files of
#: neurogen 0.2.0.dev and before call it ``concepts``, with a one-row table ``abstract``.
MODULE = "misc"
#: ``pynwb.NWBFile`` arguments :func:`neurogen.nwb.to_nwb` passes on (DANDI asks for the first few).
METADATA = ("experimenter", "institution", "lab", "session_id", "keywords", "experiment_description",
            "identifier", "session_start_time", "related_publications", "protocol", "stimulus_notes",
            "data_collection", "pharmacology", "surgery", "virus", "slices", "subject",
            "timestamps_reference_time", "file_create_date", "was_generated_by")
#: What neurogen writes itself and reads back: not to be given.
_RESERVED = {"notes": "it holds the recording's attrs as JSON, read back by from_nwb",
             "source_script": "from_nwb recognises neurogen's files by it",
             "source_script_file_name": "from_nwb recognises neurogen's files by it"}


class NWBWarning(UserWarning):
    """An NWB file neurogen writes that nwbinspector (and DANDI's validation) would flag."""


def check_metadata(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The ``**nwbfile_kwargs`` of :func:`neurogen.nwb.to_nwb`: names of :data:`METADATA` only."""
    for key in kwargs:
        if key in _RESERVED:
            msg = f"to_nwb() does not take {key!r}: neurogen writes it itself ({_RESERVED[key]})."
            raise TypeError(msg)
        if key not in METADATA:
            msg = (f"to_nwb() got an unexpected keyword argument {key!r}; the NWBFile metadata it takes are "
                   f"{', '.join(METADATA)}. Data containers (acquisition, processing, ...) are written by "
                   "neurogen; add others to the file with pynwb afterwards.")
            raise TypeError(msg)
    if isinstance(kwargs.get("experimenter"), str):
        kwargs = {**kwargs, "experimenter": [kwargs["experimenter"]]}
    return {k: v for k, v in kwargs.items() if v is not None}


def require(module: str) -> ModuleType:
    """Import ``module`` (pynwb, pynapple), or say which extra brings it."""
    try:
        return importlib.import_module(module)
    except ImportError as err:
        msg = f"neurogen.nwb needs {module}, which is not installed: {EXTRA}"
        raise ImportError(msg) from err


def as_dataset(recording: Recording | xr.Dataset, name: str = "recording") -> xr.Dataset:
    """The Dataset of a Recording (or a Dataset, checked as one); at least one trial."""
    if isinstance(recording, xr.Dataset):
        recording = Recording(recording)
    if not isinstance(recording, Recording):
        msg = f"{name} should be a neurogen Recording or xarray.Dataset, got {type(recording).__name__}."
        raise TypeError(msg)
    ds = recording.dataset
    if ds.sizes["trial"] == 0:
        msg = f"{name} has no trials; an NWB trials table needs at least one."
        raise ValueError(msg)
    return ds


# ---------------------------------------------------------------------------------- time base
def layout(time: np.ndarray, n_trials: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sample times (trial, time) and trial start / stop times in seconds (see neurogen.nwb)."""
    steps = np.asarray(time, dtype=np.float64)
    slot = (steps[-1] + 1 + ITI_STEPS) * STEP_SECONDS
    start = np.arange(n_trials, dtype=np.float64) * slot
    stop = start + (steps[-1] + 1) * STEP_SECONDS
    return start[:, None] + steps[None, :] * STEP_SECONDS, start, stop


def timing(times: np.ndarray) -> dict[str, Any]:
    """``starting_time`` + ``rate`` for regular samples (as nwbinspector asks), else ``timestamps``."""
    dt = np.diff(times)
    if times.size > 1 and np.allclose(dt, dt[0], rtol=0, atol=1e-9) and dt[0] > 0:
        return {"starting_time": float(times[0]), "rate": float(1.0 / dt[0])}
    return {"timestamps": times}


def _jsonable(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


# ---------------------------------------------------------------------------------- writing
def _rows(da: xr.DataArray, shape: tuple[int, ...], block: int = 256) -> Iterator[np.ndarray]:
    """Samples (trial-major) of a (trial, time, feature) array, read a block of trials at a time."""
    for lo in range(0, da.sizes["trial"], block):
        check_terminated()  # a SIGTERM whose exception was swallowed stops the write here
        values = np.asarray(da.isel(trial=slice(lo, lo + block)).values)
        yield from values.reshape((-1, *shape))


def _series(nwb: ModuleType, ds: xr.Dataset, name: str, times: np.ndarray) -> Any:
    from hdmf.backends.hdf5 import H5DataIO
    from hdmf.data_utils import DataChunkIterator

    da = ds[name]
    n_feat = da.sizes[SIGNAL_DIM[name]]
    side = int(round(np.sqrt(n_feat)))
    image = name == "data" and side * side == n_feat and n_feat > 1
    shape = (side, side) if image else (n_feat,)
    n = da.sizes["trial"] * da.sizes["time"]
    it = DataChunkIterator(data=_rows(da, shape), maxshape=(n, *shape), dtype=np.dtype(da.dtype),
                           buffer_size=max(1, min(n, 4096)))
    kwargs = {"name": name, "data": H5DataIO(it, compression="gzip", compression_opts=4),
              "unit": "a.u.", "description": f"{_SIGNAL_DOC[name]}. {_TIME_DOC}",
              "comments": f"neurogen {name}({', '.join(da.dims)}) flattened trial-major to samples "
                          f"({'row, col' if image else SIGNAL_DIM[name]}).",
              **timing(times)}
    if image:
        return nwb.image.ImageSeries(**kwargs)
    return nwb.TimeSeries(**kwargs)


def _table(name: str, description: str, columns: dict[str, tuple[np.ndarray, str]]) -> Any:
    from hdmf.common import DynamicTable, VectorData

    cols = [VectorData(name=k, description=doc, data=v) for k, (v, doc) in columns.items()]
    return DynamicTable(name=name, description=description, columns=cols)


def _trials(nwb: ModuleType, ds: xr.Dataset, start: np.ndarray, stop: np.ndarray) -> Any:
    from hdmf.common import VectorData

    cols = [VectorData(name="start_time", description="start of the trial (step 0) in s", data=start),
            VectorData(name="stop_time", description="end of the trial's last step in s", data=stop)]
    for name in ds.coords:
        if ds[name].dims != ("trial",):
            continue
        values = ds[name].values
        if values.dtype.kind in "UO":
            values = values.astype(str).tolist()
        doc = ds[name].attrs.get("long_name") or _COLUMN_DOC.get(name, f"neurogen trial coordinate {name}")
        cols.append(VectorData(name=str(name), description=doc, data=values))
    return nwb.epoch.TimeIntervals(name="trials", columns=cols,
                                   description="one row per neurogen trial (a presented stimulus)")


def _hierarchy_module(nwb: ModuleType, hierarchy: Any, n_units: int | None) -> Any:
    hds = getattr(hierarchy, "dataset", hierarchy)
    if not isinstance(hds, xr.Dataset) or not {"memory", "concept", "abstract"} <= set(hds.data_vars):
        msg = ("hierarchy should be a ConceptHierarchy or its Dataset (memory, concept, abstract), "
               f"got {type(hierarchy).__name__}.")
        raise TypeError(msg)
    if n_units is not None and hds.sizes["unit"] != n_units:
        msg = (f"hierarchy should have the recording's {n_units} latent units, got {hds.sizes['unit']}; "
               "build it from the same subject.")
        raise ValueError(msg)
    module = nwb.ProcessingModule(name=MODULE, description=(
        "neurogen ConceptHierarchy (paper eq. 8, 9, 12): memories xi(i), concepts (class means) and "
        "the abstract concept, as patterns over the latent units (columns of acquisition/latent); "
        "tables 'memories' and 'concepts' (its last row, is_abstract, is the abstract concept)"))
    mem = hds["memory"].transpose("sample", "unit")
    module.add(_table("memories", "memories xi(i) = E_q[z | x(i)] of training images, eq. 9", {
        "sample": (hds["sample"].values, "index of the image in the training split"),
        "label": (hds["sample_label"].values, "class label of the image"),
        "pattern": (mem.values, "the memory pattern over latent units")}))
    concept = hds["concept"].transpose("label", "unit").values
    n = concept.shape[0]
    module.add(_table("concepts", "concepts: class means of the memories (eq. 8), then the abstract concept: "
                                  "the mean of the concepts (eq. 12)", {
        "label": (np.append(hds["label"].values, -1), "class label of the concept (-1: the abstract concept)"),
        "is_abstract": (np.arange(n + 1) == n, "whether the row is the abstract concept"),
        "pattern": (np.concatenate([concept, hds["abstract"].values[None, :].astype(concept.dtype)]),
                    "the concept pattern over latent units")}))
    return module


def _session_start(attrs_: dict[str, Any]) -> datetime:
    """When the recording was made (attr ``created``), else now; never in the future."""
    now = datetime.now(timezone.utc)
    try:
        when = datetime.fromisoformat(str(attrs_["created"]))
    except (KeyError, ValueError):
        return now
    return min(when if when.tzinfo else when.replace(tzinfo=timezone.utc), now)


def _listed(values: np.ndarray, most: int = 10) -> str:
    shown = [f"{v:g}" if isinstance(v, float) else str(v) for v in values[:most].tolist()]
    return ", ".join(shown) + (f", … ({len(values)} in all)" if len(values) > most else "")


def _sentences(ds: xr.Dataset, a: dict[str, Any]) -> dict[str, str]:
    """Plain sentences for the NWB file's descriptions (the JSON attrs go to ``notes`` only)."""
    subject, sha = str(a.get("subject", "a neurogen subject")), str(a.get("network_sha256", ""))
    n_trials, steps = ds.sizes["trial"], ds["time"].values
    labels = np.unique(ds["label"].values) if "label" in ds.coords else np.array([])
    noise = np.unique(ds["noise"].values) if "noise" in ds.coords else np.array([])
    modes = np.unique(ds["mode"].values.astype(str)) if "mode" in ds.coords else np.array(["invert"])
    def who(digits: int) -> str:
        about = [f"{a['n_latent']} latent units"] if "n_latent" in a else []
        about += [f"network sha256 {sha[:digits]}"] if sha else []
        return subject + (f" ({', '.join(about)})" if about else "")

    what = (f"{n_trials} trials (digit labels {_listed(labels)}; pixel-swap noise p = {_listed(noise, 6)}, "
            f"mode {_listed(modes)})")
    when = f"{steps.size} time points, inference steps {int(steps[0])} to {int(steps[-1])}"
    config = None
    if "network_config" in a:
        try:
            config = load_json(str(a["network_config"]), "the network_config attribute")
        except ValueError:  # not JSON, or nested too deep: left out of the sentence
            config = None
    arch = ""
    if isinstance(config, dict):
        arch = ", ".join(f"{k.replace('n_', '').replace('_', ' ')} {v}" for k, v in config.items()
                         if isinstance(v, (int, float, str)))
    seed = f"; stimulus seed {a['seed']}" if "seed" in a else ""
    return {
        "session": f"Repeated inference of the deep generative model {who(12)} from noisy digit images: {what}, "
                   f"recorded at {when}.",
        "stimulus": (f"x(0) is a clean digit image with a fraction p of its pixels swapped "
                     f"({_listed(modes)}); p = {_listed(noise, 6)}{seed}."),
        "protocol": (f"Recorded {', '.join(str(v) for v in ds.data_vars)} at {when} (one step = "
                     f"{STEP_SECONDS:g} s in this file)."),
        "subject": (f"An artificial subject studied like a brain: {who(64)}" + (f"; architecture: {arch}" if arch else "")
                    + ". Species is NCBI 'synthetic construct'; sex 'O' (not applicable); age unknown."),
    }


def _nwbfile(nwb: ModuleType, ds: xr.Dataset, session_description: str | None, metadata: dict[str, Any]) -> Any:
    a = {str(k): _jsonable(v) for k, v in ds.attrs.items()}
    subject = str(a.get("subject", "unknown subject"))
    sha = str(a.get("network_sha256", ""))
    text = _sentences(ds, a)
    sub = nwb.file.Subject(
        subject_id=f"{subject}-{sha[:12]}" if sha else subject,
        species="http://purl.obolibrary.org/obo/NCBITaxon_32630",  # NCBI Taxon: synthetic construct
        sex="O", age="P0D/", description=text["subject"])
    kwargs = {
        "session_description": session_description or text["session"], "identifier": str(uuid.uuid4()),
        "session_start_time": _session_start(a),
        "experiment_description": ("Repeated inference in a deep generative model (neurogen): x(0) is a noisy "
                                   "image, z(t) = E_q[z|x(t)], x(t+1) = E_p[x|z(t)]. " + _TIME_DOC),
        "stimulus_notes": text["stimulus"], "protocol": text["protocol"], "subject": sub,
        "related_publications": _PUBLICATIONS,
        "keywords": ["neurogen", "variational autoencoder", "repeated inference", "concept formation"],
        **metadata,
        "notes": json.dumps(a), "source_script": f"neurogen {__version__}", "source_script_file_name": "neurogen",
    }
    return nwb.NWBFile(**kwargs)


def _orientation(ds: xr.Dataset) -> None:
    """Warn when a series would have fewer samples than features (nwbinspector: CRITICAL)."""
    n = ds.sizes["trial"] * ds.sizes["time"]
    for name in (s for s in SIGNAL_DIM if s in ds):
        width = ds.sizes[SIGNAL_DIM[name]]
        side = int(round(np.sqrt(width)))
        if name == "data" and side * side == width and width > 1:
            width, what = side, "image rows"
        else:
            what = f"{SIGNAL_DIM[name]}s"
        if n < width:
            need = -(-width // ds.sizes["time"])
            msg = (f"acquisition/{name} has {n:,} samples (trials × time points) but {width:,} {what}: "
                   "nwbinspector (which `dandi validate` runs) reports this as CRITICAL "
                   "(check_data_orientation: time should be the longest axis); record at least "
                   f"{need:,} trials at {ds.sizes['time']:,} time points for a file DANDI accepts.")
            warnings.warn(msg, NWBWarning, stacklevel=4)


def build_file(nwb: ModuleType, ds: xr.Dataset, hierarchy: Any, session_description: str | None,
               metadata: dict[str, Any] | None = None) -> Any:
    """The ``pynwb.NWBFile`` of a recording's Dataset (see :mod:`neurogen.nwb` for the layout)."""
    sample_times, start, stop = layout(ds["time"].values, ds.sizes["trial"])
    concepts = None if hierarchy is None else _hierarchy_module(nwb, hierarchy, ds.sizes.get("unit"))
    _orientation(ds)
    f = _nwbfile(nwb, ds, session_description, metadata or {})
    for name in (s for s in SIGNAL_DIM if s in ds):
        f.add_acquisition(_series(nwb, ds, name, sample_times.ravel()))
        dim = SIGNAL_DIM[name]
        if dim in ds.coords:
            f.add_acquisition(_table(f"{name}_{dim}s", f"the {dim} coordinate of acquisition/{name}'s columns",
                                     {dim: (ds[dim].values, f"neurogen {dim} coordinate")}))
    f.trials = _trials(nwb, ds, start, stop)
    if concepts is not None:
        f.add_processing_module(concepts)
    return f


# ---------------------------------------------------------------------------------- reading
def _times_of(series: Any) -> np.ndarray:
    if series.timestamps is not None:
        return np.asarray(series.timestamps[:], dtype=np.float64)
    return series.starting_time + np.arange(series.data.shape[0]) / series.rate


def _steps(seconds: np.ndarray, where: Path) -> np.ndarray:
    steps = seconds / STEP_SECONDS
    rounded = np.round(steps)
    if np.allclose(steps, rounded, rtol=0, atol=1e-6):
        return rounded.astype(np.int64)
    msg = f"{where}: sample times are not whole inference steps; not written by neurogen.to_nwb."
    raise RecordingError(msg)


def read_dataset(f: Any, path: Path) -> xr.Dataset:
    """The recording's Dataset from an open ``pynwb.NWBFile`` written by ``build_file``."""
    try:
        attrs_ = load_json(f.notes or "", f"{path}: the NWB notes")
    except ValueError as err:
        if "nested more than" in str(err):
            raise RecordingError(str(err)) from None
        attrs_ = None
    if not str(f.source_script or "").startswith("neurogen") or not isinstance(attrs_, dict) \
            or f.trials is None:
        msg = f"{path}: not an NWB file written by neurogen.to_nwb (source_script, notes or trials)."
        raise RecordingError(msg)
    trials = f.trials
    start = np.asarray(trials["start_time"].data[:], dtype=np.float64)
    n_trials = start.size
    coords: dict[str, Any] = {}
    for col in trials.colnames:
        if col in ("start_time", "stop_time"):
            continue
        values = np.asarray(trials[col].data[:])
        if values.dtype.kind in "OSU":
            values = np.array([v.decode() if isinstance(v, bytes) else v for v in values], dtype=str)
        coords[col] = values if col == "trial" else ("trial", values)
    variables = {}
    for name, dim in SIGNAL_DIM.items():
        if name not in f.acquisition:
            continue
        series = f.acquisition[name]
        values = np.asarray(series.data[:])
        n_time = values.shape[0] // n_trials
        if n_time * n_trials != values.shape[0]:
            msg = f"{path}: '{name}' has {values.shape[0]} samples, not a multiple of the {n_trials} trials."
            raise RecordingError(msg)
        times = _times_of(series).reshape(n_trials, n_time)
        steps = _steps(times - start[:, None], path)
        if np.any(steps != steps[0]):
            msg = f"{path}: trials of '{name}' are recorded at different steps."
            raise RecordingError(msg)
        coords["time"] = steps[0]
        variables[name] = (("trial", "time", dim), values.reshape(n_trials, n_time, -1))
        if f"{name}_{dim}s" in f.acquisition:
            coords[dim] = np.asarray(f.acquisition[f"{name}_{dim}s"][dim].data[:])
    return xr.Dataset(variables, coords=coords, attrs=attrs_)


def read_hierarchy_dataset(f: Any) -> xr.Dataset | None:
    """The concept hierarchy Dataset of the processing module :data:`MODULE`, or of a file of
    neurogen 0.2.0.dev and before (module ``concepts``, tables ``memory``, ``concept``, ``abstract``), or None."""
    if MODULE in f.processing and {"memories", "concepts"} <= set(f.processing[MODULE].data_interfaces):
        mod = f.processing[MODULE]
        mem, con = mod["memories"], mod["concepts"]
        abstract = np.asarray(con["is_abstract"].data[:], dtype=bool)
        patterns = np.asarray(con["pattern"].data[:])
        concept, label, top = patterns[~abstract], np.asarray(con["label"].data[:])[~abstract], patterns[abstract][0]
    elif "concepts" in f.processing:
        mod = f.processing["concepts"]
        mem, con = mod["memory"], mod["concept"]
        concept, label = np.asarray(con["pattern"].data[:]), np.asarray(con["label"].data[:])
        top = np.asarray(mod["abstract"]["pattern"].data[0])
    else:
        return None
    return xr.Dataset(
        {"memory": (("sample", "unit"), np.asarray(mem["pattern"].data[:])),
         "concept": (("label", "unit"), concept),
         "abstract": (("unit",), top)},
        coords={"sample": np.asarray(mem["sample"].data[:]),
                "sample_label": ("sample", np.asarray(mem["label"].data[:])),
                "label": label})
