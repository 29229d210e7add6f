"""netCDF4 files of neurogen (private): self-describing attributes, checksummed writes, checked reads.

Shared by recordings (:mod:`neurogen.recording`), concept hierarchies (:mod:`neurogen.concepts`)
and the studies' data files. It owns:

* what a file says about itself, in CF and ACDD style: :func:`cf_global_attrs` / :func:`base_attrs`
  (``title``, ``references``, ``history``, ``source``, ``Conventions``, provenance) and
  :func:`describe_variables` (``long_name`` and ``units`` on every variable and coordinate, from
  :data:`VARIABLES` or given);
* writing: :func:`write_dataset` (atomic, compressed, HDF5 ``fletcher32`` checksums) and
  :func:`release` / :func:`write_error`, which free a temporary that the HDF5 library could not
  close (disk full) and say what went wrong in one line;
* reading: :func:`open_neurogen` (coordinates in memory, data variables lazy, a checksum or
  decompression failure raised as :class:`RecordingError` naming the file and the variable).
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shlex
import shutil
import sys
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from xarray.backends import BackendArray

from neurogen._files import atomic_path
from neurogen._version import __version__

__all__ = ["CONVENTIONS", "REFERENCES", "VARIABLES", "RecordingError", "base_attrs", "cf_global_attrs", "corrupt",
           "check_complevel", "describe_variables", "history_entry", "open_neurogen", "release",
           "to_json", "write_dataset", "write_error"]

CONVENTIONS = "CF-1.8, ACDD-1.3"
REFERENCES = "arXiv:1712.04195; doi:10.1038/s41598-020-72593-4"

#: long_name and units of the names neurogen writes ("1": dimensionless, CF).
VARIABLES: dict[str, tuple[str, str]] = {
    "latent": ("posterior mean E_q[z|x(t)]", "1"),
    "data": ("input image x(t): x(0) the corrupted stimulus, x(t+1) = E_p[x|z(t)]", "1"),
    "time": ("inference step", "1"),
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
                    summary: str | None = None, neurogen_format: str | None = None) -> dict[str, str]:
    """The global attributes every neurogen file carries (CF and ACDD).

    Parameters
    ----------
    title : str
        What the file holds, e.g. ``"neurogen study fig4: minimum distances per noise level"``.
    history : str, optional
        Default: :func:`history_entry` of this process's command line.
    source : str, optional
        How the data were made. Default: ``"neurogen <version>"``.
    summary : str, optional
    neurogen_format : str, optional
        The file kind, e.g. ``"neurogen-study-data-1"``.

    Returns
    -------
    dict
        ``title``, ``Conventions``, ``references``, ``history``, ``source``, ``neurogen_version``,
        ``created`` / ``date_created`` (ISO 8601, UTC), and ``summary`` / ``neurogen_format``
        when given.
    """
    if not isinstance(title, str) or not title.strip():
        msg = f"'title' must be a non-empty string: {title!r}"
        raise ValueError(msg)
    created = datetime.now(timezone.utc).isoformat(timespec="seconds")
    out = {"title": title, "Conventions": CONVENTIONS, "references": REFERENCES,
           "history": history_entry() if history is None else history,
           "source": source or f"neurogen {__version__}", "neurogen_version": __version__,
           "created": created, "date_created": created}
    if summary:
        out["summary"] = summary
    if neurogen_format:
        out["neurogen_format"] = neurogen_format
    return out


def base_attrs(extra: Mapping[str, Any] | None = None, *, title: str = "neurogen recording",
               neurogen_format: str = "neurogen-recording-1", source: str | None = None) -> dict[str, Any]:
    """:func:`cf_global_attrs` plus ``extra`` made storable.

    Strings and numbers are kept, bools become ints, and anything else (a ``Stimulus``, a
    ``Probe``, a dict) is stored as JSON text (:func:`to_json`).
    """
    extra = dict(extra or {})
    if source is None and "subject" in extra:
        source = f"neurogen {__version__}: repeated inference of {extra['subject']}"
    out: dict[str, Any] = cf_global_attrs(title, source=source, neurogen_format=neurogen_format)
    for k, v in extra.items():
        if isinstance(v, (bool, np.bool_)):
            out[k] = int(v)
        elif isinstance(v, (str, int, float, np.integer, np.floating)):
            out[k] = v
        else:
            out[k] = to_json(v)
    return out


def describe_variables(ds: xr.Dataset, long_names: Mapping[str, str] | None = None,
                       units: Mapping[str, str] | None = None, *, strict: bool = True) -> xr.Dataset:
    """A copy of ``ds`` whose every variable and coordinate has ``long_name`` and ``units``.

    Parameters
    ----------
    ds : xarray.Dataset
    long_names, units : dict, optional
        By variable name; they win over the attrs already there, which win over :data:`VARIABLES`.
        A variable given a ``long_name`` without a unit gets ``units = "1"`` (dimensionless).
    strict : bool
        Raise if a variable is left without a ``long_name``. With ``False`` such variables are
        left as they are.

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
        var.attrs = {**attrs, "long_name": long_name, "units": unit}
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


class _CheckedArray(BackendArray):
    """A lazily read file variable whose read errors become :class:`RecordingError`."""

    def __init__(self, variable: xr.Variable, path: Path, name: str, dtype: np.dtype) -> None:
        self._var, self._path, self._name = variable, path, name
        self.shape, self.dtype = variable.shape, np.dtype(dtype)

    def __getitem__(self, key: Any) -> Any:
        from xarray.core import indexing

        return indexing.explicit_indexing_adapter(key, self.shape, indexing.IndexingSupport.BASIC, self._read)

    def _read(self, key: tuple) -> np.ndarray:
        try:
            return np.asarray(self._var[key].values).astype(self.dtype, copy=False)
        except (RuntimeError, OSError) as err:
            raise corrupt(self._path, self._name, err) from err


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


def _eager(var: xr.Variable, path: Path, name: str) -> xr.Variable:
    try:
        out = var.load()
    except (RuntimeError, OSError) as err:
        raise corrupt(path, name, err) from err
    if out.attrs.get("neurogen_dtype") == "float16":
        out = out.astype(np.float16)
        out.attrs = {k: v for k, v in var.attrs.items() if k != "neurogen_dtype"}
    if out.dtype == object:
        out = out.astype(str)
    return out


def open_neurogen(path: str | os.PathLike, lazy: bool | None = None, kind: str = "recording") -> xr.Dataset:
    """Open a neurogen netCDF file: coordinates in memory, data variables lazy (or all eager).

    Parameters
    ----------
    lazy : bool, optional
        ``None``: data variables dask-backed when dask is installed, else read on first access.
        ``True``: dask-backed (needs dask). ``False``: everything read now, the file closed.
    kind : str
        What the file should be, for messages (``"recording"``, ``"concept hierarchy"``).

    Raises
    ------
    RecordingError
        Missing, truncated, foreign or corrupt file (naming the variable that fails its checksum).
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
    try:
        raw = xr.open_dataset(path, engine="netcdf4", chunks=None, cache=False)
    except Exception as err:
        msg = f"{path}: not a readable netCDF4 {kind} (truncated or foreign file?): {err}"
        raise RecordingError(msg) from err
    try:
        if not str(raw.attrs.get("neurogen_format", "")).startswith("neurogen-"):
            msg = f"{path}: not a neurogen {kind} (no 'neurogen_format' attribute)."
            raise RecordingError(msg)
        coords = {str(k): _eager(raw[k].variable, path, str(k)) for k in raw.coords}
        if lazy is False:
            data = {str(k): _eager(v.variable, path, str(k)) for k, v in raw.data_vars.items()}
        else:
            data = {str(k): _lazy(v.variable, path, str(k), use_dask) for k, v in raw.data_vars.items()}
        ds = xr.Dataset(data, coords=coords, attrs=raw.attrs)
    except BaseException:
        raw.close()
        raise
    if lazy is False:
        raw.close()
    else:
        ds.set_close(raw.close)
    return ds
