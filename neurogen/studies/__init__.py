"""The paper's figures and the toolkit's own experiments as studies, all of one shape.

A study is a module with

* ``NAME`` and ``CAPTION`` (the paper's caption, or what the study shows);
* ``SIZES``: a :class:`~neurogen.studies._common.BySize` with one frozen sizes instance per profile
  (``tiny``, ``quick``, ``paper``); an unknown profile is an error;
* ``measure(context, sizes) -> xarray.Dataset``: every number the study reports, labelled, with
  provenance in attrs;
* ``plot(dataset) -> matplotlib.figure.Figure``: from the dataset alone, so a saved ``.nc``
  re-plots without recomputing (:func:`replot`);
* ``claims(dataset) -> list[Claim]`` (:mod:`neurogen.studies.claims`).

:func:`run_study` runs one (measure → save ``NAME.nc`` → plot → ``NAME.png``/``.pdf`` → claims);
:func:`neurogen.studies.report.replicate` runs them all and writes the report. Studies are
registered in :data:`STUDIES` by an explicit list; no study imports another.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import attrs
import xarray as xr

from neurogen.studies import (associative, attractors, concept_formation, fig1, fig2, fig3, fig4, fig6, fig7, figA1,
                              figB2, geometry, global_to_fine, lesions, readings)
from neurogen._netcdf import describe_variables
from neurogen.studies._measure import progress
from neurogen.studies._common import PROFILES, BySize, Profile, context, get_profile, save_data, save_figure
from neurogen.studies.claims import Claim, robustness

__all__ = ["STUDIES", "StudyResult", "run_study", "replot", "recompute_claims", "load_result", "PROFILES", "Profile", "BySize",
           "context", "get_profile", "Claim"]

#: Study name → module, in report order.
STUDIES: dict[str, ModuleType] = {m.NAME: m for m in (
    fig1, fig2, fig3, fig4, figA1, figB2, readings, lesions, concept_formation, associative, global_to_fine, fig6, fig7,
    geometry, attractors,
)}


@attrs.frozen(eq=False)
class StudyResult:
    """What :func:`run_study` returns: the dataset, the claims, the files written and the time taken."""

    name: str
    dataset: xr.Dataset
    claims: list[Claim]
    files: list[Path]
    seconds: float


def _module(name: str) -> ModuleType:
    if name not in STUDIES:
        msg = f"unknown study {name!r}; choose from {list(STUDIES)}."
        raise ValueError(msg)
    return STUDIES[name]


def run_study(name: str, profile: str | Profile = "quick", out: str | os.PathLike = ".",
              device: str = "auto", *, data: Any = None, quiet: bool = False) -> StudyResult:
    """Run one study: measure, save ``out/NAME.nc``, plot ``out/NAME.png`` and ``.pdf``, compute claims.

    Parameters
    ----------
    name : str
        A key of :data:`STUDIES`.
    profile : {"tiny", "quick", "paper"} or Profile
    out : path-like
        Folder for the files (created).
    device : {"auto", "cpu", "cuda"}
    data : (Digits, Digits), optional
        ``(train, test)`` replacing MNIST (tests use small synthetic digits).
    quiet : bool
        No progress bars (by default the recordings show one on a terminal).
    """
    module = _module(name)
    p = get_profile(profile)
    sizes = module.SIZES[p.name]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ctx = context(p, device, data)
    with progress(False if quiet else None):
        ds = describe_variables(module.measure(ctx, sizes), getattr(module, "LONG_NAMES", None))
    ds.attrs.update({"study": name, "profile": p.name, "sizes": repr(sizes), "caption": module.CAPTION,
                     **{k: v for k, v in ctx.network.describe().items() if k not in ds.attrs}})
    files = [save_data(ds, out, name)]
    files += save_figure(module.plot(ds), out, name)
    result_claims = robustness(module.claims, ds, n_boot=p.n_boot, seed=p.seed)
    return StudyResult(name, ds, result_claims, files, round(time.perf_counter() - t0, 1))


def load_result(path: str | os.PathLike) -> xr.Dataset:
    """A study's saved ``NAME.nc``, loaded into memory, with its name in ``attrs["study"]``.

    The file's storage is checked first (:func:`neurogen._netcdf.check_storage`: no external
    storage, links or virtual datasets); a file that is missing or not netCDF is one ``ValueError``.
    """
    from neurogen._netcdf import RecordingError, check_storage

    path = Path(path)
    if not path.is_file():
        msg = f"{path}: no such study file."
        raise ValueError(msg)
    try:
        check_storage(path, kind="study file")
        ds = xr.load_dataset(path, engine="netcdf4")
    except (OSError, RecordingError) as err:
        msg = f"{path}: not a readable study file ({err})."
        raise ValueError(msg) from None
    if "study" not in ds.attrs:
        msg = f"{path}: not a neurogen study file (no 'study' attribute)."
        raise ValueError(msg)
    return ds


def recompute_claims(ds: xr.Dataset) -> list[Claim]:
    """A saved study's claims, recomputed from its dataset alone, with their robustness (as the run did)."""
    module = _module(str(ds.attrs["study"]))
    p = get_profile(str(ds.attrs.get("profile", "quick")))
    return robustness(module.claims, ds, n_boot=p.n_boot, seed=p.seed)


def replot(path: str | os.PathLike) -> Any:
    """Re-draw a study's figure from its saved ``.nc`` alone (no recomputing); returns the Figure."""
    ds = load_result(path)
    return _module(str(ds.attrs["study"])).plot(ds)
