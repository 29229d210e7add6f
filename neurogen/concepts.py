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

from neurogen._netcdf import RecordingError, base_attrs, describe_variables, open_neurogen, write_dataset
from neurogen.data import Digits

__all__ = ["ConceptHierarchy"]

FORMAT = "neurogen-concepts-1"
_LEVELS = (("memory", ("sample", "unit")), ("concept", ("label", "unit")), ("abstract", ("unit",)))


class ConceptHierarchy:
    """Memories, concepts and the abstract concept of a subject, as an ``xarray.Dataset``.

    Attributes
    ----------
    dataset : xarray.Dataset
        ``memory(sample, unit)`` with coords ``sample`` (index into the training split) and
        ``label(sample)``; ``concept(label, unit)``; ``abstract(unit)``.
    """

    def __init__(self, dataset: xr.Dataset) -> None:
        if not isinstance(dataset, xr.Dataset):
            msg = f"dataset must be an xarray.Dataset, got {type(dataset).__name__}."
            raise TypeError(msg)
        for name, dims in _LEVELS:
            if name not in dataset or dataset[name].dims != dims:
                msg = f"a concept hierarchy needs '{name}' with dims {dims}."
                raise ValueError(msg)
        if "sample_label" not in dataset.coords or dataset["sample_label"].dims != ("sample",):
            msg = ("a concept hierarchy needs the coordinate 'sample_label' (the label of each memory) "
                   "with dims ('sample',); build it with ConceptHierarchy.from_patterns or from_network.")
            raise ValueError(msg)
        self.dataset = describe_variables(dataset, strict=False)

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
        given = samples is not None
        samples = np.asarray(samples, dtype=np.int64) if given else np.arange(len(memories))
        ds = xr.Dataset(
            {"memory": (("sample", "unit"), memories),
             "concept": (("label", "unit"), np.asarray(concepts, dtype=memories.dtype)),
             "abstract": (("unit",), np.asarray(abstract, dtype=memories.dtype))},
            coords={"sample": ("sample", samples, {} if given else {"long_name": "index of the memory pattern",
                                                                 "units": "1"}),
                    "label": classes,
                    "sample_label": ("sample", labels)},
            attrs=base_attrs(attrs, title="neurogen concept hierarchy: memories, concepts, abstract concept",
                             neurogen_format=FORMAT),
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

    def save(self, path: str | os.PathLike, complevel: int = 4) -> Path:
        """Write netCDF4 atomically: zlib ``complevel``, shuffle, fletcher32 checksums."""
        ds = describe_variables(self.dataset)
        ds.attrs["neurogen_format"] = FORMAT
        return write_dataset(ds, path, complevel=complevel)

    @classmethod
    def load(cls, path: str | os.PathLike) -> ConceptHierarchy:
        """Read a file written by :meth:`save` (eagerly; a corrupt variable raises RecordingError)."""
        ds = open_neurogen(path, lazy=False, kind="concept hierarchy", validate=cls)
        try:
            return cls(ds)
        except ValueError as err:
            raise RecordingError(f"{path}: {err}") from None

    def _header(self) -> str:
        s = self.dataset.sizes
        return f"<ConceptHierarchy {s['sample']} memories, {s['label']} concepts, {s['unit']} units>"

    def __repr__(self) -> str:
        ds, lines = self.dataset, [self._header()]
        labels = ds["label"].values.tolist()
        lines.append(f"  labels: {', '.join(map(str, labels[:12]))}{', …' if len(labels) > 12 else ''}")
        counts = np.unique(ds["sample_label"].values, return_counts=True)[1]
        lines.append(f"  memories per label: {counts.min()}..{counts.max()}")
        if "subject" in ds.attrs:
            lines.append(f"  subject: {ds.attrs['subject']}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        return f"<p><b>{html.escape(self._header())}</b></p>" + self.dataset._repr_html_()
