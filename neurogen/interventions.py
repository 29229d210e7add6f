"""Interventions on the subject during repeated inference: :class:`Lesion`, :class:`Clamp`, :class:`Noise`.

A physiologist silences a population (a lesion, muscimol) or drives it (microstimulation) and sees
what changes. Here an intervention is a frozen value object that :func:`neurogen.run` applies at
every step of repeated inference, in the order given, either to the recorded state z(t) after
``encode`` (``signal="latent"``, the default) or to the input x(t) before ``encode``
(``signal="data"``, units are then pixels). The recording shows the intervened state and says in
its attrs (``attrs["interventions"]``, JSON) what was done. This module owns the value objects,
their unit selections (:class:`Units`), the resolution of ``Lesion(value="mean")`` against a
:class:`~neurogen.concepts.ConceptHierarchy`, JSON round trips, and the parsers the CLI uses.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Iterable, Sequence
from typing import Any, Union

import attrs
import numpy as np
import xarray as xr

__all__ = ["MAX_UNITS", "Clamp", "Intervention", "Lesion", "Noise", "Units", "as_units", "from_json", "parse_clamp",
           "parse_lesion_value", "parse_units", "resolve", "to_json", "validate"]

SIGNALS = ("latent", "data")
_NOISE_TAG = 0x4E6F697365  # mixed into Noise seeds so that they never replay a Stimulus' stream


# --------------------------------------------------------------------------- units


@attrs.frozen
class Units:
    """A validated selection of units: indices (in the order given) and, for a mask, its length.

    Build with :func:`as_units` (every intervention does so for its ``units``).

    Parameters
    ----------
    indices : tuple of int
        Distinct indices >= 0.
    size : int or None
        The mask's length when built from a boolean mask: :func:`neurogen.run` then checks that
        the subject has exactly that many units.
    """

    indices: tuple[int, ...] = ()
    size: int | None = None

    def __len__(self) -> int:
        return len(self.indices)

    def __iter__(self):  # noqa: ANN204
        return iter(self.indices)


def _int_or_error(v: Any, name: str) -> int:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Integral, np.integer)):
        msg = f"{name} should hold integer unit indices, got {v!r} ({type(v).__name__})."
        raise TypeError(msg)
    return int(v)


def as_units(value: Any, name: str = "units") -> Units:
    """Normalise a unit selection: an int, a sequence of ints, a boolean mask, or a DataArray.

    Parameters
    ----------
    value : int, sequence of int, range, bool array, xarray.DataArray or Units
        A boolean mask selects its True positions; a 1-D DataArray mask (e.g. the output of
        :func:`neurogen.analysis.active_units`) selects the ``unit`` coordinate's values where True
        when it has one, else the positions. An integer DataArray gives indices.
    name : str
        The argument's name in error messages.

    Examples
    --------
    >>> as_units([3, 7, 12]).indices
    (3, 7, 12)
    >>> as_units(np.array([True, False, True]))
    Units(indices=(0, 2), size=3)
    """
    if isinstance(value, Units):
        return value
    size = None
    if isinstance(value, xr.DataArray):
        if value.ndim != 1:
            msg = f"{name} should be a 1-D DataArray over units, got dims {value.dims}."
            raise ValueError(msg)
        dim = value.dims[0]
        if value.dtype == bool:
            size = int(value.size)
            coord = value.coords.get(dim)
            where = np.flatnonzero(value.values)
            value = coord.values[where] if coord is not None else where
            if coord is not None and coord.values.tolist() != list(range(size)):
                size = None  # labelled units: the mask's length is not the subject's width
        else:
            value = value.values
    if isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_)):
        value = [value]
    if isinstance(value, (str, bytes)) or not isinstance(value, (Iterable, np.ndarray)):
        msg = (f"{name} should be unit indices, a boolean mask or a DataArray over 'unit', "
               f"got {value!r} ({type(value).__name__}).")
        raise TypeError(msg)
    arr = np.asarray(list(value) if not isinstance(value, np.ndarray) else value)
    if arr.ndim != 1 and arr.size:
        msg = f"{name} should be one-dimensional, got shape {arr.shape}."
        raise ValueError(msg)
    if arr.dtype == bool:
        size, arr = int(arr.size), np.flatnonzero(arr)
    indices = tuple(_int_or_error(v, name) for v in arr.tolist())
    if any(i < 0 for i in indices):
        msg = f"{name} should be indices >= 0, got {[i for i in indices if i < 0]}."
        raise ValueError(msg)
    if len(set(indices)) != len(indices):
        msg = f"{name} should not repeat a unit, got {list(indices)}."
        raise ValueError(msg)
    return Units(indices, size)


# --------------------------------------------------------------------------- validators


def _check_signal(instance: Any, attribute: attrs.Attribute, value: str) -> None:
    if value not in SIGNALS:
        msg = f"signal should be one of {SIGNALS}, got {value!r}."
        raise ValueError(msg)


def _as_times(value: Any) -> tuple[int, int | None] | None:
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != 2:
        msg = f"times should be None or a (t0, t1) window of steps, got {value!r}."
        raise TypeError(msg)
    t0 = _int_or_error(value[0], "times")
    t1 = None if value[1] is None else _int_or_error(value[1], "times")
    if t0 < 0 or (t1 is not None and t1 <= t0):
        msg = f"times should be (t0, t1) with 0 <= t0 < t1 (t1 None: to the end), got {value!r}."
        raise ValueError(msg)
    return (t0, t1)


def _finite(v: Any, name: str) -> float:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (numbers.Real, np.number)):
        msg = f"{name} should be a number, got {v!r} ({type(v).__name__})."
        raise TypeError(msg)
    if not math.isfinite(float(v)):
        msg = f"{name} should be finite, got {v!r}."
        raise ValueError(msg)
    return float(v)


def _as_values(value: Any, name: str) -> float | tuple[float, ...]:
    if isinstance(value, (str, bytes)):
        msg = f"{name} should be a number or one number per unit, got {value!r}."
        raise TypeError(msg)
    if isinstance(value, (Iterable, np.ndarray)):
        return tuple(_finite(v, name) for v in np.asarray(value).ravel().tolist())
    return _finite(value, name)


def _as_lesion_value(value: Any) -> str | float | tuple[float, ...]:
    if isinstance(value, str):
        if value != "mean":
            msg = f"value should be 'mean', a number or one number per unit, got {value!r}."
            raise ValueError(msg)
        return value
    return _as_values(value, "value")


def _per_unit(instance: Any, name: str, value: float | tuple[float, ...]) -> None:
    if isinstance(value, tuple) and len(value) != len(instance.units):
        msg = f"{name} should hold one value per unit ({len(instance.units)}), got {len(value)}."
        raise ValueError(msg)


class _Base:
    """What every intervention has: its JSON form."""

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``{"kind": ..., "units": [...], ...}``."""
        d = attrs.asdict(self, recurse=False)
        units = d.pop("units")
        return {"kind": type(self).__name__, "units": list(units.indices), "units_size": units.size,
                **{k: (list(v) if isinstance(v, tuple) else v) for k, v in d.items()}}


@attrs.frozen
class Lesion(_Base):
    """Hold ``units`` at a value at every step.

    Parameters
    ----------
    units : indices, boolean mask or DataArray
        See :func:`as_units`.
    value : "mean", float or sequence of float
        ``"mean"`` (default): each unit's mean over the training memories (``memory(sample,
        unit)`` of a :class:`~neurogen.concepts.ConceptHierarchy`), filled in by :meth:`resolve`
        or by ``run(..., hierarchy=...)``; a number (``0.0`` silences a ±1 Hopfield unit); or one
        number per unit.
    signal : {"latent", "data"}
        ``"latent"``: z(t) after encode; ``"data"``: x(t) before encode (units are pixels).

    Examples
    --------
    >>> Lesion([3, 7], value=0.0).to_dict()["units"]
    [3, 7]
    """

    units: Units = attrs.field(converter=as_units)
    value: str | float | tuple[float, ...] = attrs.field(default="mean", converter=_as_lesion_value)
    signal: str = attrs.field(default="latent", validator=_check_signal)

    @value.validator
    def _check_value(self, attribute: attrs.Attribute, value: Any) -> None:
        if value != "mean":
            _per_unit(self, "value", value)

    @property
    def resolved(self) -> bool:
        """False while ``value == "mean"`` awaits :meth:`resolve`."""
        return not isinstance(self.value, str)

    def resolve(self, means: Any) -> Lesion:
        """Fill in ``value="mean"`` from a ConceptHierarchy (latent) or an array of per-unit means.

        Parameters
        ----------
        means : ConceptHierarchy or array-like (width,)
            A hierarchy gives each unit's mean over its memories; for ``signal="data"`` pass e.g.
            ``digits.images.mean(0)``.

        Returns
        -------
        Lesion
            ``self`` when already resolved, else a copy with one value per unit.
        """
        if self.resolved:
            return self
        if hasattr(means, "memory") and hasattr(means, "dataset"):
            if self.signal != "latent":
                msg = ("a ConceptHierarchy holds latent means; for a signal='data' lesion pass the "
                       "pixels' means, e.g. lesion.resolve(digits.images.mean(0)).")
                raise ValueError(msg)
            means = means.dataset["memory"].mean("sample").values
        arr = np.asarray(means, dtype=np.float64)
        if arr.ndim != 1 or (self.units.indices and max(self.units.indices) >= arr.size):
            msg = (f"means should be one value per unit covering units {list(self.units.indices)}, "
                   f"got shape {arr.shape}.")
            raise ValueError(msg)
        return attrs.evolve(self, value=arr[list(self.units.indices)])


@attrs.frozen
class Clamp(_Base):
    """Drive ``units`` to ``values`` during a window of steps.

    Parameters
    ----------
    units : indices, boolean mask or DataArray
    values : float or sequence of float
        One number for all units, or one per unit.
    times : (t0, t1), optional
        Steps t with t0 <= t < t1 (``t1=None``: to the end); ``None`` (default): every step.
    signal : {"latent", "data"}
    """

    units: Units = attrs.field(converter=as_units)
    values: float | tuple[float, ...] = attrs.field(converter=lambda v: _as_values(v, "values"))
    times: tuple[int, int | None] | None = attrs.field(default=None, converter=_as_times)
    signal: str = attrs.field(default="latent", validator=_check_signal)

    @values.validator
    def _check_values(self, attribute: attrs.Attribute, value: Any) -> None:
        _per_unit(self, "values", value)


@attrs.frozen
class Noise(_Base):
    """Add Gaussian noise of standard deviation ``sd`` to ``units`` at each step.

    Trial ``i``'s noise comes from a generator seeded by ``(seed, i)`` alone, so a recording does
    not depend on the batch size (as a :class:`~neurogen.stimulus.Stimulus`' corruption does not).

    Parameters
    ----------
    units : indices, boolean mask or DataArray
    sd : float
        Standard deviation, >= 0.
    seed : int
        >= 0.
    times : (t0, t1), optional
        As for :class:`Clamp`; the draw at step t does not depend on the window.
    signal : {"latent", "data"}
    """

    units: Units = attrs.field(converter=as_units)
    sd: float = attrs.field(converter=lambda v: _finite(v, "sd"))
    seed: int = attrs.field(default=0, converter=lambda v: _int_or_error(v, "seed"))
    times: tuple[int, int | None] | None = attrs.field(default=None, converter=_as_times)
    signal: str = attrs.field(default="latent", validator=_check_signal)

    @sd.validator
    def _check_sd(self, attribute: attrs.Attribute, value: float) -> None:
        if value < 0:
            msg = f"sd should be >= 0, got {value!r}."
            raise ValueError(msg)

    @seed.validator
    def _check_seed(self, attribute: attrs.Attribute, value: Any) -> None:
        if value < 0:
            msg = f"seed should be an int >= 0, got {value!r}."
            raise ValueError(msg)

    def sample(self, start: int, stop: int, steps: int) -> np.ndarray:
        """The noise of trials ``start:stop`` at steps 0..``steps``: float32 (trials, steps + 1, units)."""
        out = np.empty((stop - start, steps + 1, len(self.units)), dtype=np.float32)
        for j, i in enumerate(range(start, stop)):
            rng = np.random.default_rng([_NOISE_TAG, int(self.seed), i])
            out[j] = rng.standard_normal((steps + 1, len(self.units)), dtype=np.float32)
        out *= np.float32(self.sd)
        return out


Intervention = Union[Lesion, Clamp, Noise]
KINDS: dict[str, type] = {"Lesion": Lesion, "Clamp": Clamp, "Noise": Noise}


# --------------------------------------------------------------------------- lists of interventions


def validate(interventions: Any) -> tuple[Intervention, ...]:
    """Check ``interventions`` (None, one intervention, or a sequence of them) and return a tuple."""
    if interventions is None:
        return ()
    if isinstance(interventions, tuple(KINDS.values())):
        return (interventions,)
    if isinstance(interventions, (str, bytes)) or not isinstance(interventions, Iterable):
        msg = f"interventions should be a list of Lesion, Clamp or Noise, got {type(interventions).__name__}."
        raise TypeError(msg)
    items = tuple(interventions)
    bad = [type(v).__name__ for v in items if not isinstance(v, tuple(KINDS.values()))]
    if bad:
        msg = f"interventions should hold only Lesion, Clamp or Noise objects, got {bad}."
        raise TypeError(msg)
    return items


def resolve(interventions: Any, hierarchy: Any = None) -> tuple[Intervention, ...]:
    """Resolve every ``Lesion(value="mean")`` with ``hierarchy``; error if one is left unresolved."""
    items = validate(interventions)
    out = []
    for v in items:
        if isinstance(v, Lesion) and not v.resolved:
            if hierarchy is None:
                msg = ("Lesion(value='mean') needs the units' means: pass hierarchy=ConceptHierarchy "
                       "to run(), or call lesion.resolve(hierarchy) first.")
                raise ValueError(msg)
            v = v.resolve(hierarchy)
        out.append(v)
    return tuple(out)


def to_json(interventions: Any) -> str:
    """The interventions as a JSON list (what a recording stores in ``attrs["interventions"]``)."""
    return json.dumps([v.to_dict() for v in validate(interventions)])


def from_json(text: str) -> list[Intervention]:
    """Rebuild interventions from :func:`to_json` output (e.g. a recording's attrs)."""
    out = []
    for d in json.loads(text):
        d = dict(d)
        kind = KINDS.get(d.pop("kind", None))
        if kind is None:
            msg = f"an intervention's kind should be one of {sorted(KINDS)}, got {d!r}."
            raise ValueError(msg)
        d["units"] = Units(tuple(d["units"]), d.pop("units_size", None))
        if d.get("times") is not None:
            d["times"] = tuple(d["times"])
        out.append(kind(**d))
    return out


# --------------------------------------------------------------------------- CLI parsers


#: Units one ``--lesion`` / ``--clamp`` may name when the subject's width is not given.
MAX_UNITS = 1_000_000


def parse_units(text: str, name: str = "--lesion", *, width: int | None = None) -> tuple[int, ...]:
    """``"3,7,12"`` or ranges ``"0:30"`` (half-open), comma-separated → unit indices.

    Every index is checked against ``width`` (the subject's units; :data:`MAX_UNITS` when not
    given) before any range is expanded, so ``0:20000000`` costs nothing.

    Examples
    --------
    >>> parse_units("3,7,12")
    (3, 7, 12)
    >>> parse_units("0:3,10")
    (0, 1, 2, 10)
    """
    limit = MAX_UNITS if width is None else int(width)
    spans: list[tuple[int, int]] = []
    for part in str(text).split(","):
        part = part.strip()
        try:
            if ":" in part:
                a, b = part.split(":")
                lo, hi = int(a), int(b)
                if hi <= lo:
                    raise ValueError
            else:
                lo = int(part)
                hi = lo + 1
        except ValueError:
            msg = (f"{name} should be unit indices like 3,7,12 or ranges like 0:30 (half-open), "
                   f"got {text!r}.")
            raise ValueError(msg) from None
        if hi > limit:
            if width is None:
                msg = f"{name} {text}: names unit {hi - 1:,}; at most {MAX_UNITS:,} units can be named."
            else:
                msg = (f"{name} {text}: names unit {hi - 1:,}, but the subject has {width:,} units "
                       f"(0 to {width - 1:,}).")
            raise ValueError(msg)
        spans.append((lo, hi))
    if sum(hi - lo for lo, hi in spans) > limit:
        msg = f"{name} {text}: names more units than the subject's {limit:,}; a unit may be named once."
        raise ValueError(msg)
    out = [i for lo, hi in spans for i in range(lo, hi)]
    return as_units(out, name).indices


def parse_lesion_value(text: str, name: str = "--lesion-value") -> str | float:
    """``"mean"`` or a number."""
    if str(text).strip() == "mean":
        return "mean"
    try:
        return _finite(float(text), name)
    except ValueError:
        msg = f"{name} should be 'mean' or a finite number, got {text!r}."
        raise ValueError(msg) from None


def parse_clamp(text: str, name: str = "--clamp", *, width: int | None = None) -> Clamp:
    """``"UNITS=VALUE[@T0:T1]"`` → :class:`Clamp`; UNITS as for :func:`parse_units`, T1 may be empty.

    Examples
    --------
    >>> parse_clamp("3=0.5@10:20")
    Clamp(units=Units(indices=(3,), size=None), values=0.5, times=(10, 20), signal='latent')
    """
    msg = f"{name} should look like UNIT=VALUE or UNIT=VALUE@T0:T1 (e.g. 3=0.5@10:20), got {text!r}."
    head, _, window = str(text).partition("@")
    units, eq, value = head.partition("=")
    if not eq or not units.strip() or not value.strip():
        raise ValueError(msg)
    times = None
    if window:
        t0, colon, t1 = window.partition(":")
        try:
            times = (int(t0), int(t1) if t1.strip() else None)
        except ValueError:
            raise ValueError(msg) from None
        if not colon:
            raise ValueError(msg)
    try:
        v = float(value)
    except ValueError:
        raise ValueError(msg) from None
    return Clamp(parse_units(units, name, width=width), v, times=times)
