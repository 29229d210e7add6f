"""netCDF4 files of neurogen (private): self-describing attributes, checksummed writes, checked reads.

Shared by recordings (:mod:`neurogen.recording`), concept hierarchies (:mod:`neurogen.concepts`)
and the studies' data files. It owns:

* what a file says about itself, in CF and ACDD style: :func:`cf_global_attrs` / :func:`base_attrs`
  (``title``, ``summary``, ``keywords``, ``license``, ``creator_name``, ``references``,
  ``history``, ``source`` saying what made the file, ``Conventions``, ``created`` /
  ``date_created``, provenance) and :func:`describe_variables` / :func:`variable_attrs`
  (``long_name`` on every variable and coordinate, ``units`` on numeric ones, ``axis = "T"`` on
  ``time``, from :data:`VARIABLES` or given);
* writing: :func:`write_dataset` (atomic, compressed, HDF5 ``fletcher32`` checksums) and
  :func:`release` / :func:`write_error`, which free a temporary that the HDF5 library could not
  close (disk full) and say what went wrong in one line;
* reading: :func:`open_neurogen` (coordinates in memory, data variables lazy, a checksum or
  decompression failure raised as :class:`RecordingError` naming the file and the variable).
  Before xarray reads a byte, :func:`check_storage` refuses any variable whose values are not
  stored inside the file (HDF5 external storage, a virtual dataset), any external or soft link,
  and any HDF5 filter neurogen does not write (deflate, shuffle and fletcher32 only); a file
  written by neurogen 0.2 or later must carry fletcher32 checksums on every variable, and a
  signal holding NaN or inf is refused when it is read.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shlex
import shutil
import sys
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from xarray.backends import BackendArray

from neurogen._files import atomic_path
from neurogen._version import __version__

__all__ = ["AXES", "CONVENTIONS", "KEYWORDS", "LICENSE", "REFERENCES", "VARIABLES", "RecordingError", "base_attrs",
           "cf_global_attrs", "corrupt", "check_complevel", "check_storage", "describe_variables", "history_entry",
           "open_neurogen", "release", "to_json", "variable_attrs", "write_dataset", "write_error"]

CONVENTIONS = "CF-1.8, ACDD-1.3"
REFERENCES = "arXiv:1712.04195; doi:10.1038/s41598-020-72593-4"
#: ACDD ``keywords`` of every neurogen file.
KEYWORDS = ("neurogen, deep generative model, variational autoencoder, repeated inference, concept formation, "
            "MNIST")
#: ACDD ``license`` unless given: the data's licence is for whoever publishes the file to say.
LICENSE = "unspecified: set by whoever publishes this file (the neurogen software is MIT-licensed)"
#: ACDD ``creator_name`` unless given.
CREATOR = "neurogen"
#: CF ``axis`` of the coordinates that have one (tools such as cf_xarray find the T axis by it).
AXES = {"time": "T"}

#: long_name and units of the names neurogen writes ("1": dimensionless, CF).
VARIABLES: dict[str, tuple[str, str]] = {
    "latent": ("posterior mean E_q[z|x(t)]", "1"),
    "data": ("input image x(t): x(0) the corrupted stimulus, x(t+1) = E_p[x|z(t)]", "1"),
    "time": ("inference step", "1"),
    "trial": ("trial number, in recording order", "1"),
    "unit": ("latent unit index", "1"),
    "pixel": ("pixel index of the flattened image, row by row", "1"),
    "label": ("digit label", "1"),
    "source": ("index into the MNIST training split", "1"),
    "noise": ("pixel-swap fraction p", "1"),
    "repeat": ("presentation of the source image under independent noise", "1"),
    "mode": ("pixel-swap mode", "1"),
    "memory": ("memory xi(i) = E_q[z|x(i)] of a training image (eq. 9)", "1"),
    "concept": ("concept: mean memory of one label (eq. 8)", "1"),
    "abstract": ("abstract concept: mean of the concepts (eq. 12)", "1"),
    "sample": ("index into the MNIST training split", "1"),
    "sample_label": ("digit label of the memory's image", "1"),
    "seed": ("training seed of the subject", "1"),
}

#: ACDD ``summary`` and what made the file (``source``) by ``neurogen_format``; ``{subject}`` and
#: ``{data}`` are filled from the file's attrs.
_KINDS: dict[str, tuple[str, str]] = {
    "neurogen-recording-1": (
        "Repeated inference of {subject}, a trained deep generative model (VAE), from noisy digit images x(0): "
        "latent(trial, time, unit) holds z(t) = E_q[z|x(t)] and data(trial, time, pixel), when recorded, "
        "x(t+1) = E_p[x|z(t)]; each trial's label, source image, noise and mode are coordinates.",
        "repeated inference (neurogen.run) of {subject}"),
    "neurogen-concepts-1": (
        "The concept hierarchy of {subject}: memories xi(i) = E_q[z|x(i)] of the images of {data} (eq. 9), "
        "concepts, their class means (eq. 8), and the abstract concept, the mean of the concepts (eq. 12).",
        "ConceptHierarchy.from_network: {subject} encoding every image of {data}"),
    "neurogen-fixed-points-1": ("Fixed and slow points of the inference map z -> E_q[z|E_p[x|z]] of {subject}.",
                                "find_fixed_points on the inference map of {subject}"),
    "neurogen-jacobian-spectrum-1": ("Eigenvalues of the Jacobian of the inference map of {subject}.",
                                     "jacobian_spectrum of the inference map of {subject}"),
    "neurogen-study-data-1": ("The data behind one figure of a neurogen study (the title names it).", ""),
}
_SUMMARY = ("Data written by neurogen, which studies a trained deep generative model as an experimental subject "
            "(arXiv:1712.04195).")


class RecordingError(ValueError):
    """A file that is not a (complete, intact) neurogen recording or concepts file."""


# ----------------------------------------------------------------------------- attributes


def history_entry(argv: list[str] | None = None) -> str:
    """``<UTC time> <command line> (neurogen <version>)``: one line of a CF ``history``."""
    argv = list(sys.argv if argv is None else argv)
    if argv:
        argv[0] = os.path.basename(argv[0]) or argv[0]
    when = datetime.now(timezone.utc).isoformat(timespec="seconds")
    return f"{when} {shlex.join(argv) or 'python'} (neurogen {__version__})"


def to_json(value: Any) -> str:
    """JSON text of a value: attrs instances by their fields (large arrays by shape), dicts, lists."""
    return json.dumps(_plain(value), default=str, ensure_ascii=False)


def _plain(value: Any) -> Any:
    import attrs

    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist() if value.size <= 64 else {"shape": list(value.shape), "dtype": str(value.dtype)}
    if attrs.has(type(value)):
        out = {"type": type(value).__name__}
        out.update({f.name: _plain(getattr(value, f.name)) for f in attrs.fields(type(value))})
        return out
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def cf_global_attrs(title: str, *, history: str | None = None, source: str | None = None,
                    summary: str | None = None, neurogen_format: str | None = None, license: str | None = None,
                    creator_name: str | None = None) -> dict[str, str]:
    """The global attributes every neurogen file carries (CF and ACDD).

    Parameters
    ----------
    title : str
        What the file holds, briefly, e.g. ``"neurogen study fig4: minimum distances per noise level"``.
    history : str, optional
        Default: :func:`history_entry` of this process's command line.
    source : str, optional
        How the data were made. Default: ``"neurogen <version>"``.
    summary : str, optional
        A paragraph on what the file holds. Default: by ``neurogen_format``, else a general one.
    neurogen_format : str, optional
        The file kind, e.g. ``"neurogen-study-data-1"``.
    license : str, optional
        Default: :data:`LICENSE` (to be set by whoever publishes the file).
    creator_name : str, optional
        Default: :data:`CREATOR`.

    Returns
    -------
    dict
        ``title``, ``summary``, ``keywords``, ``license``, ``creator_name``, ``Conventions``,
        ``references``, ``history``, ``source``, ``neurogen_version``, ``created`` /
        ``date_created`` (ISO 8601, UTC), and ``neurogen_format`` when given.
    """
    if not isinstance(title, str) or not title.strip():
        msg = f"'title' must be a non-empty string: {title!r}"
        raise ValueError(msg)
    created = datetime.now(timezone.utc).isoformat(timespec="seconds")
    kind = _KINDS.get(neurogen_format or "")
    default_summary = kind[0].replace("{subject}", "a neurogen subject").replace("{data}", "the data") if kind else None
    out = {"title": title, "summary": summary or default_summary or _SUMMARY, "keywords": KEYWORDS,
           "license": license or LICENSE, "creator_name": creator_name or CREATOR,
           "Conventions": CONVENTIONS, "references": REFERENCES,
           "history": history_entry() if history is None else history,
           "source": source or f"neurogen {__version__}", "neurogen_version": __version__,
           "created": created, "date_created": created}
    if neurogen_format:
        out["neurogen_format"] = neurogen_format
    return out


def base_attrs(extra: Mapping[str, Any] | None = None, *, title: str = "neurogen recording",
               neurogen_format: str = "neurogen-recording-1", source: str | None = None) -> dict[str, Any]:
    """:func:`cf_global_attrs` plus ``extra`` made storable.

    ``summary`` and ``source`` say what made the file, from its kind (``neurogen_format``) and the
    ``subject`` / ``data`` in ``extra``. Strings and numbers are kept, bools become ints, and
    anything else (a ``Stimulus``, a ``Probe``, a dict) is stored as JSON text (:func:`to_json`).
    """
    extra = dict(extra or {})
    summary, made = _KINDS.get(neurogen_format, ("", ""))
    fill = {"subject": str(extra.get("subject", "a neurogen subject")), "data": str(extra.get("data", "the data"))}
    if source is None and made and ("subject" in extra or neurogen_format == "neurogen-recording-1"):
        source = f"neurogen {__version__}: " + made.format(**fill)
    elif source is None and neurogen_format == "neurogen-concepts-1":
        source = f"neurogen {__version__}: ConceptHierarchy.from_patterns (memory patterns given)"
    out: dict[str, Any] = cf_global_attrs(title, source=source, neurogen_format=neurogen_format,
                                          summary=summary.format(**fill) if summary else None)
    for k, v in extra.items():
        if isinstance(v, (bool, np.bool_)):
            out[k] = int(v)
        elif isinstance(v, (str, int, float, np.integer, np.floating)):
            out[k] = v
        else:
            out[k] = to_json(v)
    return out


def variable_attrs(name: str, dtype: Any, long_name: str | None = None, units: str | None = None) -> dict[str, str]:
    """CF attributes of a variable: ``long_name`` (given, else :data:`VARIABLES`), ``units`` for
    numbers only (CF: none on text), and ``axis`` from :data:`AXES`."""
    known = VARIABLES.get(str(name))
    long_name = long_name or (known[0] if known else None)
    out = {} if long_name is None else {"long_name": long_name}
    if np.dtype(dtype).kind not in "USO":
        out["units"] = units or (known[1] if known and known[0] == long_name else "1")
    if str(name) in AXES:
        out["axis"] = AXES[str(name)]
    return out


def describe_variables(ds: xr.Dataset, long_names: Mapping[str, str] | None = None,
                       units: Mapping[str, str] | None = None, *, strict: bool = True,
                       string_units: bool = True) -> xr.Dataset:
    """A copy of ``ds`` whose every variable and coordinate has ``long_name`` and ``units``.

    Parameters
    ----------
    ds : xarray.Dataset
    long_names, units : dict, optional
        By variable name; they win over the attrs already there, which win over :data:`VARIABLES`.
        A variable given a ``long_name`` without a unit gets ``units = "1"`` (dimensionless).
        Coordinates named in :data:`AXES` (``time``) also get their CF ``axis``.
    strict : bool
        Raise if a variable is left without a ``long_name``. With ``False`` such variables are
        left as they are.
    string_units : bool
        ``False``: text variables get no ``units`` (CF: units do not apply to text) and lose any
        they had, as in recordings. ``True`` (the studies' files): they get ``units`` too.

    Raises
    ------
    ValueError
        With ``strict``: the names still lacking a ``long_name``, and how to give them.
    """
    if not isinstance(ds, xr.Dataset):
        msg = f"ds must be an xarray.Dataset, got {type(ds).__name__}."
        raise TypeError(msg)
    long_names, units = dict(long_names or {}), dict(units or {})
    unknown = sorted((set(long_names) | set(units)) - set(map(str, ds.variables)))
    if unknown:
        msg = f"long_names/units name variables the dataset lacks: {unknown}; it has {sorted(map(str, ds.variables))}."
        raise ValueError(msg)
    out = ds.copy(deep=False)
    missing = []
    for name, var in out.variables.items():
        attrs = var.attrs
        known = VARIABLES.get(str(name))
        long_name = long_names.get(name) or attrs.get("long_name") or (known[0] if known else None)
        if long_name is None:
            missing.append(str(name))
            continue
        unit = units.get(name) or attrs.get("units") or (known[1] if known and known[0] == long_name else "1")
        axis = {"axis": AXES[str(name)]} if str(name) in AXES else {}
        if string_units or var.dtype.kind not in "USO":
            var.attrs = {**attrs, "long_name": long_name, "units": unit, **axis}
        else:
            var.attrs = {**{k: v for k, v in attrs.items() if k != "units"}, "long_name": long_name, **axis}
    if strict and missing:
        msg = (f"no long_name for {missing}: pass describe_variables(ds, long_names={{'{missing[0]}': "
               f"'...'}}, units={{'{missing[0]}': '1'}}) or set ds['{missing[0]}'].attrs['long_name'].")
        raise ValueError(msg)
    return out


# ----------------------------------------------------------------------------- writing


def check_complevel(complevel: Any) -> int:
    """``complevel`` as an int in [0, 9] (zlib's levels; 0: no compression)."""
    if isinstance(complevel, bool) or not isinstance(complevel, (int, np.integer)):
        msg = f"'complevel' must be an int in [0, 9], got {type(complevel).__name__} {complevel!r}."
        raise TypeError(msg)
    if not 0 <= complevel <= 9:
        msg = f"'complevel' must be in [0, 9] (zlib levels; 0: no compression): {complevel}"
        raise ValueError(msg)
    return int(complevel)


def release(path: str | os.PathLike) -> None:
    """Point every descriptor this process holds on ``path`` at ``/dev/null``.

    When HDF5 cannot flush a file (disk full) it keeps the file open and retries on every close.
    Redirecting its descriptor frees the (deleted) temporary's blocks, so the process can write
    again, while the library's later writes go nowhere instead of into a reused descriptor.
    Does nothing where ``/proc/self/fd`` does not exist.
    """
    fd_dir = "/proc/self/fd"
    if not os.path.isdir(fd_dir):
        return
    real = os.path.realpath(path)
    null = os.open(os.devnull, os.O_RDWR)
    try:
        for fd in os.listdir(fd_dir):
            with contextlib.suppress(OSError, ValueError):
                if os.readlink(f"{fd_dir}/{fd}") in (real, f"{real} (deleted)") and int(fd) != null:
                    os.dup2(null, int(fd))
    finally:
        os.close(null)


def write_error(err: BaseException, path: str | os.PathLike) -> OSError:
    """One-line ``OSError`` for a failed netCDF write of ``path`` (netCDF says only "HDF error")."""
    if isinstance(err, OSError) and err.errno is not None:
        return OSError(err.errno, os.strerror(err.errno), str(path))
    folder = Path(path).resolve().parent
    with contextlib.suppress(OSError):
        if shutil.disk_usage(folder).free < 4 * 2**20:
            return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
    return OSError(errno.EIO, f"netCDF write failed ({err})", str(path))


def _encoding(ds: xr.Dataset, complevel: int) -> dict[str, dict[str, Any]]:
    enc: dict[str, dict[str, Any]] = {}
    for name, var in ds.variables.items():
        if var.ndim == 0:
            continue
        e: dict[str, Any] = {"fletcher32": True}
        if var.dtype.kind in "biuf" and complevel > 0:
            e.update(zlib=True, complevel=complevel, shuffle=True)
        enc[str(name)] = e
    return enc


def write_dataset(ds: xr.Dataset, path: str | os.PathLike, *, complevel: int = 4) -> Path:
    """Write ``ds`` as netCDF4 atomically: zlib ``complevel``, shuffle and fletcher32 checksums.

    On any failure the temporary is removed and released (see :func:`release`); a netCDF error
    becomes a one-line ``OSError`` naming ``path`` (``[Errno 28] No space left on device`` when
    the disk is full). Give the dataset its attributes first (:func:`describe_variables`,
    :func:`cf_global_attrs`).
    """
    complevel = check_complevel(complevel)
    path = Path(path)
    with atomic_path(path) as tmp:
        try:
            ds.to_netcdf(tmp, engine="netcdf4", format="NETCDF4", encoding=_encoding(ds, complevel))
        except BaseException as err:
            release(tmp)
            if isinstance(err, Exception) and not isinstance(err, (ValueError, TypeError)):
                raise write_error(err, path) from err
            raise
    return path


# ----------------------------------------------------------------------------- reading


def corrupt(path: str | os.PathLike, name: str, err: BaseException) -> RecordingError:
    """The error for a variable whose bytes fail their checksum or do not decompress."""
    return RecordingError(f"{path}: variable '{name}' is corrupt (HDF5 checksum or decompression "
                          f"failed: {err}); the file cannot be trusted, record or download it again.")


def _not_finite(path: str | os.PathLike, name: str, values: np.ndarray) -> RecordingError | None:
    if values.dtype.kind != "f" or not values.size:
        return None
    bad = int(values.size - np.count_nonzero(np.isfinite(values)))
    if not bad:
        return None
    return RecordingError(f"{path}: variable '{name}' holds NaN or inf ({bad:,} values); neurogen never "
                          "writes such values: the file was changed after it was written.")


# ----------------------------------------------------------------------------- storage

#: HDF5 filters neurogen writes (and NWB's gzip): deflate, shuffle, fletcher32.
_FILTERS = {1: "deflate", 2: "shuffle", 3: "fletcher32"}
#: Objects walked in one file before it is refused as unreasonable (a neurogen file has tens).
_MAX_OBJECTS = 100_000


def _legacy(attrs: Mapping[str, Any]) -> bool:
    """Written by neurogen 0.1, which wrote no checksums."""
    return bool(re.match(r"^0\.1(\.|$)", str(attrs.get("neurogen_version", ""))))


def check_storage(path: str | os.PathLike, kind: str = "file") -> bool:
    """Refuse an HDF5 file whose values are not all stored inside it; True when checked.

    Walks every group (never following a link) with h5py and refuses, naming the object:
    an external link (to another file) or a soft or user-defined link; a dataset whose layout is
    not chunked, contiguous or compact, i.e. a virtual dataset (its values come from other
    files); a dataset with HDF5 external storage (its values are the bytes of another file, e.g.
    ``/etc/passwd``); a dataset using an HDF5 filter neurogen does not write (a filter plugin
    would be loaded to read it). Returns False, checking nothing, when h5py is not installed
    (:func:`open_neurogen` then requires every variable to be chunked, which HDF5 forbids
    together with external storage and virtual layout) or the file is not HDF5.

    Raises
    ------
    RecordingError
    """
    try:
        import h5py
    except ImportError:
        return False
    path = Path(path)
    try:
        f = h5py.File(path, "r")
    except (OSError, ValueError):  # not HDF5 (netCDF-3, truncated): the reader says what it is
        return False
    with f:
        seen, stack, count = set(), [(f, "")], 0
        while stack:
            group, where = stack.pop()
            for name in group:
                full = f"{where}/{name}"
                count += 1
                if count > _MAX_OBJECTS:
                    msg = f"{path}: more than {_MAX_OBJECTS:,} HDF5 objects; not a neurogen {kind}."
                    raise RecordingError(msg)
                link = group.get(name, getlink=True)
                if isinstance(link, h5py.ExternalLink):
                    msg = (f"{path}: '{full}' is an HDF5 external link to {link.filename}:{link.path}; "
                           f"a neurogen {kind} holds all its data itself. Refusing to read another file.")
                    raise RecordingError(msg)
                if not isinstance(link, h5py.HardLink):
                    msg = (f"{path}: '{full}' is an HDF5 {type(link).__name__}; neurogen never writes "
                           f"links. Not a neurogen {kind}.")
                    raise RecordingError(msg)
                obj = group.get(name)
                if obj is None or obj.id in seen:
                    continue
                seen.add(obj.id)
                if isinstance(obj, h5py.Group):
                    stack.append((obj, full))
                elif isinstance(obj, h5py.Dataset):
                    _check_dataset(path, full, obj, kind)
    return True


def _check_dataset(path: Path, name: str, ds: Any, kind: str) -> None:
    import h5py

    dcpl = ds.id.get_create_plist()
    layout = dcpl.get_layout()
    if layout == getattr(h5py.h5d, "VIRTUAL", 3):
        msg = (f"{path}: variable '{name.lstrip('/')}' is an HDF5 virtual dataset (its values are read from "
               f"other files); a neurogen {kind} holds all its data itself. Refusing to read it.")
        raise RecordingError(msg)
    n_external = dcpl.get_external_count()
    if n_external:
        target = dcpl.get_external(0)[0]
        target = target.decode(errors="replace") if isinstance(target, bytes) else str(target)
        msg = (f"{path}: variable '{name.lstrip('/')}' keeps its values in external file {target!r} "
               f"(HDF5 external storage); a neurogen {kind} holds all its data itself. Refusing to read "
               "another file.")
        raise RecordingError(msg)
    if layout not in (h5py.h5d.CHUNKED, h5py.h5d.CONTIGUOUS, h5py.h5d.COMPACT):
        msg = f"{path}: variable '{name.lstrip('/')}' has an unknown HDF5 layout ({layout}); refusing to read it."
        raise RecordingError(msg)
    for i in range(dcpl.get_nfilters()):
        code = int(dcpl.get_filter(i)[0])
        if code not in _FILTERS:
            msg = (f"{path}: variable '{name.lstrip('/')}' uses HDF5 filter {code}; neurogen writes only "
                   f"{', '.join(_FILTERS.values())}. Refusing to load a filter plugin for it.")
            raise RecordingError(msg)


def _storage_of(path: Path, kind: str) -> tuple[dict[str, tuple[int, bool, bool]], bool]:
    """``{variable: (ndim, chunked, fletcher32)}`` of the root group, and whether the file says it
    was written by neurogen 0.1; read with netCDF4 without reading any values."""
    import netCDF4

    try:
        with netCDF4.Dataset(path, "r") as nc:
            info = {}
            for name, var in nc.variables.items():
                chunking = var.chunking()
                info[name] = (var.ndim, chunking != "contiguous", bool(var.filters().get("fletcher32")))
            legacy = _legacy({"neurogen_version": getattr(nc, "neurogen_version", "")})
    except Exception as err:  # not netCDF4 at all: xarray's open says so
        msg = f"{path}: not a readable netCDF4 {kind} (truncated or foreign file?): {one_line(err)}"
        raise RecordingError(msg) from err
    return info, legacy


def _check_unchecked_storage(path: Path, info: dict[str, tuple[int, bool, bool]], legacy: bool,
                             coords: set[str]) -> None:
    """Without h5py: every variable must be chunked, which HDF5 forbids together with external
    storage and virtual layout (only 0.1 files' unchunked coordinates are let through)."""
    for name, (ndim, chunked, _) in info.items():
        if chunked or (legacy and name in coords and ndim == 1):
            continue
        msg = (f"{path}: variable '{name}' is stored unchunked; without h5py neurogen cannot rule out "
               "that its values live in another file (HDF5 external storage). Install h5py "
               "(pip install h5py) to read this file.")
        raise RecordingError(msg)


def _require_checksums(path: Path, info: dict[str, tuple[int, bool, bool]], legacy: bool, kind: str) -> None:
    """Every non-scalar variable of a file of neurogen 0.2 or later carries fletcher32."""
    if legacy:
        return
    for name, (ndim, _, fletcher32) in info.items():
        if ndim and not fletcher32:
            msg = (f"{path}: variable '{name}' has no HDF5 checksum (fletcher32), which every neurogen "
                   f"file since 0.2 carries: the file was re-saved by another tool, and a damaged byte "
                   f"in it could not be found. Save the {kind} again with neurogen.")
            raise RecordingError(msg)


class _CheckedArray(BackendArray):
    """A lazily read file variable whose read errors (and NaN / inf) become :class:`RecordingError`."""

    def __init__(self, variable: xr.Variable, path: Path, name: str, dtype: np.dtype) -> None:
        self._var, self._path, self._name = variable, path, name
        self.shape, self.dtype = variable.shape, np.dtype(dtype)

    def __getitem__(self, key: Any) -> Any:
        from xarray.core import indexing

        return indexing.explicit_indexing_adapter(key, self.shape, indexing.IndexingSupport.BASIC, self._read)

    def _read(self, key: tuple) -> np.ndarray:
        try:
            out = np.asarray(self._var[key].values).astype(self.dtype, copy=False)
        except (RuntimeError, OSError) as err:
            raise corrupt(self._path, self._name, err) from err
        bad = _not_finite(self._path, self._name, out)
        if bad is not None:
            raise bad
        return out


def _lazy(var: xr.Variable, path: Path, name: str, dask: bool) -> xr.Variable:
    from xarray.core import indexing

    dtype = np.float16 if var.attrs.get("neurogen_dtype") == "float16" else var.dtype
    checked = _CheckedArray(var, path, name, dtype)
    attrs = {k: v for k, v in var.attrs.items() if k != "neurogen_dtype"}
    out = xr.Variable(var.dims, indexing.LazilyIndexedArray(checked), attrs)
    if dask:
        sizes = var.encoding.get("chunksizes") or var.shape
        out = out.chunk(dict(zip(var.dims, sizes)))
    return out


def _eager(var: xr.Variable, path: Path, name: str, finite: bool = False) -> xr.Variable:
    try:
        out = var.load()
    except (RuntimeError, OSError) as err:
        raise corrupt(path, name, err) from err
    if finite:
        bad = _not_finite(path, name, np.asarray(out.values))
        if bad is not None:
            raise bad
    if out.attrs.get("neurogen_dtype") == "float16":
        out = out.astype(np.float16)
        out.attrs = {k: v for k, v in var.attrs.items() if k != "neurogen_dtype"}
    if out.dtype == object:
        out = out.astype(str)
    return out


def open_neurogen(path: str | os.PathLike, lazy: bool | None = None, kind: str = "recording",
                  validate: Callable[[xr.Dataset], Any] | None = None) -> xr.Dataset:
    """Open a neurogen netCDF file: coordinates in memory, data variables lazy (or all eager).

    Parameters
    ----------
    lazy : bool, optional
        ``None``: data variables dask-backed when dask is installed, else read on first access.
        ``True``: dask-backed (needs dask). ``False``: everything read now, the file closed.
    kind : str
        What the file should be, for messages (``"recording"``, ``"concept hierarchy"``).
    validate : callable, optional
        Called with the opened Dataset before the checksums are required (the schema's checks,
        so that a file of the wrong kind is named as such); a ``ValueError`` or ``TypeError``
        from it becomes a :class:`RecordingError` naming the file.

    Raises
    ------
    RecordingError
        Missing, truncated, foreign or corrupt file (naming the variable that fails its
        checksum), a file whose values are not all inside it (:func:`check_storage`), one of
        neurogen 0.2 or later without checksums, or a data variable holding NaN or inf.
    """
    path = Path(path)
    if not path.is_file():
        msg = f"{path}: file not found." if not path.exists() else f"{path}: not a file."
        raise RecordingError(msg)
    use_dask = False
    if lazy is not False:
        try:
            import dask  # noqa: F401

            use_dask = True
        except ImportError:
            if lazy:
                msg = "lazy=True needs dask: pip install 'neurogen[lazy]'."
                raise ImportError(msg) from None
    h5_checked = check_storage(path, kind)
    info, legacy = _storage_of(path, kind)
    if not h5_checked:
        import netCDF4

        with netCDF4.Dataset(path, "r") as nc:
            dims = set(nc.dimensions)
            coords = dims | {c for v in nc.variables.values() for c in str(getattr(v, "coordinates", "")).split()}
        _check_unchecked_storage(path, info, legacy, coords)
    try:
        raw = xr.open_dataset(path, engine="netcdf4", chunks=None, cache=False)
    except Exception as err:
        msg = f"{path}: not a readable netCDF4 {kind} (truncated or foreign file?): {one_line(err)}"
        raise RecordingError(msg) from err
    try:
        if not str(raw.attrs.get("neurogen_format", "")).startswith("neurogen-"):
            msg = f"{path}: not a neurogen {kind} (no 'neurogen_format' attribute)."
            raise RecordingError(msg)
        coords = {str(k): _eager(raw[k].variable, path, str(k)) for k in raw.coords}
        if lazy is False:
            data = {str(k): _eager(v.variable, path, str(k), finite=True) for k, v in raw.data_vars.items()}
        else:
            data = {str(k): _lazy(v.variable, path, str(k), use_dask) for k, v in raw.data_vars.items()}
        ds = xr.Dataset(data, coords=coords, attrs=raw.attrs)
        if validate is not None:
            try:
                validate(ds)
            except RecordingError:
                raise
            except (ValueError, TypeError, KeyError) as err:
                text = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
                raise RecordingError(f"{path}: {text}") from None
        _require_checksums(path, info, legacy, kind)
    except BaseException:
        raw.close()
        raise
    if lazy is False:
        raw.close()
    else:
        ds.set_close(raw.close)
    return ds


def one_line(err: BaseException) -> str:
    """An exception's message on one line (netCDF and HDF5 errors span several)."""
    text = err.args[0] if isinstance(err, KeyError) and err.args else str(err)
    return " ".join(str(text).split()) or type(err).__name__
