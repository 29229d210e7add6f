"""The :class:`ConceptHierarchy`: memories ξ(i), concepts ξ̄_num and the abstract concept ξ̄_all.

Levels from detailed to coarse (paper eq. 8, 9, 12): ``memory(sample, unit)`` = E_q[z | x(i)]
for every training image, with ``label(sample)``; ``concept(label, unit)`` = the class means of
the memories; ``abstract(unit)`` = the mean of the concepts. Built from a subject and a dataset, or
from given patterns (e.g. the associative-memory subject's stored patterns).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
import xarray as xr

from neurogen._files import atomic_path
from neurogen.data import Digits
from neurogen.recording import base_attrs, open_neurogen

__all__ = ["ConceptHierarchy"]


class ConceptHierarchy:
    """Memories, concepts and the abstract concept of a subject, as an ``xarray.Dataset``.

    Attributes
    ----------
    dataset : xarray.Dataset
        ``memory(sample, unit)`` with coords ``sample`` (index into the training split) and
        ``label(sample)``; ``concept(label, unit)``; ``abstract(unit)``.
    """

    def __init__(self, dataset: xr.Dataset) -> None:
        for name, dims in (("memory", ("sample", "unit")), ("concept", ("label", "unit")),
                           ("abstract", ("unit",))):
            if name not in dataset or dataset[name].dims != dims:
                msg = f"a concept hierarchy needs '{name}' with dims {dims}."
                raise ValueError(msg)
        self.dataset = dataset

    @property
    def memory(self) -> xr.DataArray:
        """ξ(i): (sample, unit) with coord ``label(sample)``, eq. (9).

        (In :attr:`dataset` the per-sample label is stored as ``sample_label``, since ``label``
        is the concepts' dimension there.)
        """
        mem = self.dataset["memory"]
        return mem.assign_coords(label=("sample", mem["sample_label"].values)).drop_vars("sample_label")

    @property
    def concept(self) -> xr.DataArray:
        """ξ̄_num: (label, unit), eq. (8)."""
        return self.dataset["concept"]

    @property
    def abstract(self) -> xr.DataArray:
        """ξ̄_all: (unit,), eq. (12)."""
        return self.dataset["abstract"]

    def memory_of(self, recording: Any) -> xr.DataArray:
        """The memory of each trial of ``recording`` (matched through its ``source`` coord)."""
        ds = getattr(recording, "dataset", recording)
        sources = ds["source"].values
        try:
            mem = self.memory.sel(sample=sources)
        except KeyError as err:
            msg = "some trials' source images are not among this hierarchy's samples."
            raise KeyError(msg) from err
        return mem.rename(sample="trial").assign_coords(trial=ds["trial"]) if "trial" in ds.coords else \
            mem.rename(sample="trial").drop_vars("trial")

    @classmethod
    def from_patterns(cls, memories: np.ndarray, labels: np.ndarray, samples: np.ndarray | None = None,
                      concepts: np.ndarray | None = None, abstract: np.ndarray | None = None,
                      attrs: dict[str, Any] | None = None) -> ConceptHierarchy:
        """Build from given memory patterns (S, N) and their labels.

        Concepts default to the class means (eq. 8) and the abstract concept to the mean of the
        concepts (eq. 12); pass ``concepts`` / ``abstract`` to use other definitions (e.g. the
        generating parents of hierarchical Hopfield patterns).
        """
        memories = np.asarray(memories)
        labels = np.asarray(labels, dtype=np.int64)
        if memories.ndim != 2 or len(memories) == 0:
            msg = f"memories must be a non-empty (samples, units) array, got shape {memories.shape}."
            raise ValueError(msg)
        if labels.shape != (len(memories),):
            msg = f"labels must have shape ({len(memories)},), got {labels.shape}."
            raise ValueError(msg)
        classes = np.unique(labels)
        if concepts is None:
            concepts = np.stack([memories[labels == c].astype(np.float64).mean(0) for c in classes])
        if abstract is None:
            abstract = np.asarray(concepts, dtype=np.float64).mean(0)
        samples = np.arange(len(memories)) if samples is None else np.asarray(samples, dtype=np.int64)
        ds = xr.Dataset(
            {"memory": (("sample", "unit"), memories),
             "concept": (("label", "unit"), np.asarray(concepts, dtype=memories.dtype)),
             "abstract": (("unit",), np.asarray(abstract, dtype=memories.dtype))},
            coords={"sample": samples, "label": classes,
                    "sample_label": ("sample", labels)},
            attrs={**base_attrs(attrs), "neurogen_format": "neurogen-concepts-1"},
        )
        return cls(ds)

    @classmethod
    def from_network(cls, network: Any, data: Digits, batch_size: int = 2000) -> ConceptHierarchy:
        """Encode every image of ``data`` with ``network`` (eq. 9) and average (eq. 8, 12)."""
        if not isinstance(data, Digits):
            msg = f"data must be a neurogen.data.Digits, got {type(data).__name__}."
            raise TypeError(msg)
        outs = []
        with torch.inference_mode():
            for i in range(0, len(data), batch_size):
                x = torch.as_tensor(data.images[i : i + batch_size], device=network.device)
                outs.append(network.encode(x).float().cpu().numpy())
        memories = np.concatenate(outs)
        attrs = {**network.describe(), "data": data.name, "data_sha256": data.sha256}
        return cls.from_patterns(memories, data.labels, samples=data.index, attrs=attrs)

    def save(self, path: str | os.PathLike) -> Path:
        """Write netCDF4 atomically."""
        path = Path(path)
        ds = self.dataset.copy()
        ds.attrs["neurogen_format"] = "neurogen-concepts-1"
        with atomic_path(path) as tmp:
            ds.to_netcdf(tmp, engine="netcdf4")
        return path

    @classmethod
    def load(cls, path: str | os.PathLike) -> ConceptHierarchy:
        """Read a file written by :meth:`save` (eagerly)."""
        ds = open_neurogen(path, lazy=False, kind="concept hierarchy").load()
        ds.close()
        return cls(ds)

    def __repr__(self) -> str:
        s = self.dataset.sizes
        return f"<ConceptHierarchy {s['sample']} memories, {s['label']} concepts, {s['unit']} units>"

