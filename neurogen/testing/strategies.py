"""Hypothesis strategies for neurogen's labelled data (modelled on ``xarray.testing.strategies``).

Each strategy draws its shape first, then data to match, and produces objects
that follow neurogen's data contracts exactly:

* :func:`latents`: a recorded ``latent`` DataArray ``(trial, time, unit)`` with
  ``label``, ``source`` and ``noise`` coordinates on ``trial``;
* :func:`hierarchies`: a concept-hierarchy Dataset (``memory``, ``concept``,
  ``abstract``) whose concepts are the class means of the memories (eq. 8)
  and whose abstract concept is the mean of the concepts (eq. 12);
* :func:`patterns`: a stack of patterns ``(label, unit)`` or ``(sample, unit)``;
* :func:`level_distances`: per-trial minimum distances to the three levels,
  stacked over noise levels (the input of ``neurogen.analysis.stages``);
* :func:`distance_curves`: distance-to-concept curves of a known shape
  (``"no_approach"``, ``"approaches_and_stays"``, ``"settles"``, ``"runs_away"``).

Size arguments take an ``int``, a strategy of ints, or ``None`` (a small
default range); they are kept small so that property tests stay fast.
Requires ``hypothesis`` (a test dependency).
"""

from __future__ import annotations

from typing import Any

try:
    import hypothesis.extra.numpy as npst
    import hypothesis.strategies as st
except ImportError:  # one line naming the extra, as for every optional feature
    raise ImportError("neurogen.testing.strategies needs hypothesis: pip install 'neurogen[test]'") from None
import numpy as np
import xarray as xr

__all__ = [
    "CURVE_KINDS",
    "distance_curves",
    "hierarchies",
    "latents",
    "level_distances",
    "patterns",
]



_DTYPES = st.sampled_from([np.float32, np.float64])
_NOISE_LEVELS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.8)


def _sizes(value: int | st.SearchStrategy[int] | None, default: st.SearchStrategy[int], name: str):
    """Normalise a size argument to a strategy (int → ``just``; None → default)."""
    if value is None:
        return default
    if isinstance(value, st.SearchStrategy):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        if value < 0:
            msg = f"{name} must be >= 0: {value}"
            raise ValueError(msg)
        return st.just(int(value))
    msg = (
        f"{name} must be an int, a hypothesis strategy of ints, or None, got "
        f"{type(value).__name__}. To fix a value, pass an int or st.just(value)."
    )
    raise TypeError(msg)


def _elements(dtype: Any, low: float = -10.0, high: float = 10.0) -> st.SearchStrategy[float]:
    """Finite, normal (no subnormal) floats in [low, high] representable in ``dtype``."""
    width = 32 if np.dtype(dtype) == np.float32 else 64
    return st.floats(
        low, high, width=width, allow_nan=False, allow_infinity=False, allow_subnormal=False
    )


def _array(draw: st.DrawFn, shape: tuple[int, ...], dtype: Any, elements: Any) -> np.ndarray:
    elements = _elements(dtype) if elements is None else elements
    return draw(npst.arrays(dtype=dtype, shape=shape, elements=elements))


@st.composite
def patterns(
    draw: st.DrawFn,
    *,
    n_patterns: int | st.SearchStrategy[int] | None = None,
    n_units: int | st.SearchStrategy[int] | None = None,
    dim: str = "label",
    dtype: Any = None,
    elements: st.SearchStrategy[float] | None = None,
    nonzero: bool = False,
) -> xr.DataArray:
    """Generate a stack of activity patterns ``(dim, "unit")``.

    Parameters
    ----------
    n_patterns, n_units : int or strategy, optional
        Sizes; default 1–5 patterns of 1–6 units.
    dim : str, default "label"
        Name of the pattern dimension (coordinate 0..K−1).
    dtype : numpy dtype, optional
        float32 or float64 (drawn if None).
    elements : strategy of floats, optional
        Element strategy; default finite floats in [−10, 10].
    nonzero : bool, default False
        Guarantee every pattern has norm ≥ 1e-3 (needed by cosine similarity).
    """
    k = draw(_sizes(n_patterns, st.integers(1, 5), "n_patterns"))
    n = draw(_sizes(n_units, st.integers(1, 6), "n_units"))
    dtype = draw(_DTYPES) if dtype is None else dtype
    values = _array(draw, (k, n), dtype, elements)
    if nonzero and n:
        small = np.linalg.norm(values.astype(np.float64), axis=1) < 1e-3
        values[small, 0] = 1.0
    return xr.DataArray(
        values, dims=(dim, "unit"), coords={dim: np.arange(k), "unit": np.arange(n)}, name="pattern"
    )


@st.composite
def hierarchies(
    draw: st.DrawFn,
    *,
    n_labels: int | st.SearchStrategy[int] | None = None,
    n_units: int | st.SearchStrategy[int] | None = None,
    max_per_label: int = 3,
    dtype: Any = None,
    elements: st.SearchStrategy[float] | None = None,
) -> xr.Dataset:
    """Generate a concept hierarchy Dataset (the layout of ``ConceptHierarchy.dataset``).

    Variables: ``memory(sample, unit)`` ξ(i) (eq. 9), ``concept(label, unit)``
    = the mean memory of each label (eq. 8), ``abstract(unit)`` = the mean
    concept (eq. 12). Coordinates: ``sample`` (distinct indices into a
    training split, in random order), ``label`` = 0..K−1 and
    ``sample_label(sample)`` (every label has 1..``max_per_label`` memories).
    Use ``ds["memory"].assign_coords(label=ds["sample_label"])`` for the
    memories with a ``label(sample)`` coordinate, as ``ConceptHierarchy.memory``
    gives them.
    """
    k = draw(_sizes(n_labels, st.integers(1, 4), "n_labels"))
    n = draw(_sizes(n_units, st.integers(1, 6), "n_units"))
    dtype = draw(_DTYPES) if dtype is None else dtype
    counts = draw(st.lists(st.integers(1, max_per_label), min_size=k, max_size=k))
    labels = np.repeat(np.arange(k), counts)
    order = np.array(draw(st.permutations(range(labels.size))), dtype=np.int64)
    labels = labels[order]
    samples = draw(
        st.lists(st.integers(0, 59_999), min_size=labels.size, max_size=labels.size, unique=True)
    )
    memory = _array(draw, (labels.size, n), dtype, elements)
    concept = np.stack([memory[labels == c].astype(np.float64).mean(axis=0) for c in range(k)])
    abstract = concept.mean(axis=0)
    return xr.Dataset(
        {
            "memory": (("sample", "unit"), memory),
            "concept": (("label", "unit"), concept.astype(dtype)),
            "abstract": (("unit",), abstract.astype(dtype)),
        },
        coords={
            "sample": np.asarray(samples, dtype=np.int64),
            "label": np.arange(k, dtype=np.int64),
            "sample_label": ("sample", labels.astype(np.int64)),
            "unit": np.arange(n),
        },
    )


@st.composite
def latents(
    draw: st.DrawFn,
    *,
    hierarchy: xr.Dataset | None = None,
    n_trials: int | st.SearchStrategy[int] | None = None,
    n_times: int | st.SearchStrategy[int] | None = None,
    n_units: int | st.SearchStrategy[int] | None = None,
    n_labels: int | st.SearchStrategy[int] | None = None,
    noise_levels: st.SearchStrategy[float] | None = None,
    dtype: Any = None,
    elements: st.SearchStrategy[float] | None = None,
    with_mode: bool = False,
) -> xr.DataArray:
    """Generate a recorded latent trajectory (the ``Recording.latent`` contract).

    A DataArray named ``latent`` with dims ``("trial", "time", "unit")``,
    float32 or float64; coordinates ``time`` = 0..T and ``unit`` = 0..Nz−1,
    and on ``trial``: ``label`` (int64), ``source`` (int64) and ``noise``
    (float64), plus ``mode`` (str) if ``with_mode``.

    Parameters
    ----------
    hierarchy : xarray.Dataset, optional
        A hierarchy (e.g. drawn from :func:`hierarchies`). If given, the unit
        count is its own, and every trial's ``source`` is one of its
        ``sample`` values with the matching ``label``, so that distances to
        memories and concepts can be matched.
    n_trials, n_times, n_units, n_labels : int or strategy, optional
        Sizes; defaults 1–5 trials, 1–6 time points, 1–6 units, 1–4 labels.
    noise_levels : strategy of floats, optional
        Noise fraction of each trial; default a few values in [0, 0.8].
    dtype, elements
        As for :func:`patterns`.
    with_mode : bool, default False
        Add a ``mode`` coordinate ("invert" or "permute").
    """
    n_tr = draw(_sizes(n_trials, st.integers(1, 5), "n_trials"))
    n_t = draw(_sizes(n_times, st.integers(1, 6), "n_times"))
    dtype = draw(_DTYPES) if dtype is None else dtype
    if hierarchy is not None:
        n = hierarchy.sizes["unit"]
        pick = draw(st.lists(st.integers(0, hierarchy.sizes["sample"] - 1), min_size=n_tr, max_size=n_tr))
        source = hierarchy["sample"].values[pick].astype(np.int64)
        label = hierarchy["sample_label"].values[pick].astype(np.int64)
    else:
        n = draw(_sizes(n_units, st.integers(1, 6), "n_units"))
        k = draw(_sizes(n_labels, st.integers(1, 4), "n_labels"))
        label = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n_tr, max_size=n_tr)), dtype=np.int64)
        source = np.array(draw(st.lists(st.integers(0, 59_999), min_size=n_tr, max_size=n_tr)), dtype=np.int64)
    levels = st.sampled_from(_NOISE_LEVELS) if noise_levels is None else noise_levels
    noise = np.array(draw(st.lists(levels, min_size=n_tr, max_size=n_tr)), dtype=np.float64)
    coords: dict[str, Any] = {
        "time": np.arange(n_t),
        "unit": np.arange(n),
        "label": ("trial", label),
        "source": ("trial", source),
        "noise": ("trial", noise),
    }
    if with_mode:
        modes = draw(st.lists(st.sampled_from(["invert", "permute"]), min_size=n_tr, max_size=n_tr))
        coords["mode"] = ("trial", np.array(modes, dtype=str))
    values = _array(draw, (n_tr, n_t, n), dtype, elements)
    return xr.DataArray(values, dims=("trial", "time", "unit"), coords=coords, name="latent")


@st.composite
def level_distances(
    draw: st.DrawFn,
    *,
    n_levels: int | st.SearchStrategy[int] | None = None,
    n_per_level: int | st.SearchStrategy[int] | None = None,
) -> xr.Dataset:
    """Generate per-trial minimum distances to memory, concept and abstract concept.

    A Dataset with ``memory``, ``concept``, ``abstract`` over ``trial``
    (float64, values in [0, 20]) and a ``noise`` coordinate on ``trial``
    taking ``n_levels`` distinct values in [0, 1], each for ``n_per_level``
    trials: the input of ``neurogen.analysis.stages``.
    """
    k = draw(_sizes(n_levels, st.integers(1, 5), "n_levels"))
    m = draw(_sizes(n_per_level, st.integers(1, 4), "n_per_level"))
    noise = np.array(
        sorted(draw(st.lists(st.integers(0, 100), min_size=k, max_size=k, unique=True))), dtype=np.float64
    ) / 100.0
    trial_noise = np.repeat(noise, m)
    values = {
        name: ("trial", _array(draw, (k * m,), np.float64, _elements(np.float64, 0.0, 20.0)))
        for name in ("memory", "concept", "abstract")
    }
    return xr.Dataset(values, coords={"trial": np.arange(k * m), "noise": ("trial", trial_noise)})


#: The curve shapes :func:`distance_curves` can draw (the outcomes of
#: ``neurogen.analysis.returns_to_concept`` for any 0 < ``tol`` ≤ 0.1, without an SEM).
CURVE_KINDS = ("no_approach", "approaches_and_stays", "settles", "runs_away")


@st.composite
def distance_curves(
    draw: st.DrawFn,
    kind: str | None = None,
    *,
    n_times: int | st.SearchStrategy[int] | None = None,
) -> xr.DataArray:
    """Generate a distance-to-concept curve over ``time`` of a known outcome.

    Parameters
    ----------
    kind : {"no_approach", "approaches_and_stays", "settles", "runs_away"}, optional
        The shape (drawn if None); stored in ``attrs["kind"]``. With d(0) drawn in [1, 10]:

        * ``"no_approach"``: never below d(0): non-decreasing, constant, or a hump
          that comes back to d(0);
        * ``"approaches_and_stays"``: falls to d_min ≤ 0.7·d(0) by a step inside
          the first half, then stays flat or creeps down by at most 4 % (d(T) is the minimum);
        * ``"settles"``: falls to d_min ≤ 0.65·d(0), rises linearly to an end value
          in [d_min + 0.3·d(0), 0.95·d(0)] and stays there;
        * ``"runs_away"``: falls to d_min ≤ 0.7·d(0), rises to end at (1 + e)·d(0),
          e in [0.05, 1].

        The margins make the expected outcome of ``returns_to_concept`` (no SEM)
        unambiguous for any 0 < ``tol`` ≤ 0.1.
    n_times : int or strategy, optional
        Number of time points, default 6–40 (at least 3).
    """
    if kind is None:
        kind = draw(st.sampled_from(CURVE_KINDS))
    if kind not in CURVE_KINDS:
        msg = f"kind must be one of {CURVE_KINDS!r} or None, got {kind!r}."
        raise ValueError(msg)
    n = draw(_sizes(n_times, st.integers(6, 40), "n_times"))
    if n < 3:
        msg = f"a distance curve needs n_times >= 3, got {n}."
        raise ValueError(msg)
    d0 = draw(st.floats(1.0, 10.0))
    t = np.arange(n, dtype=np.float64)
    t_min = draw(st.integers(1, max(1, n // 2)))
    depth = draw(st.floats(0.05, 0.7))
    down = np.interp(t[: t_min + 1], [0, t_min], [1.0, depth])
    rest = t[t_min + 1 :]
    if kind == "no_approach":
        shape = draw(st.sampled_from(["rising", "flat", "hump"]))
        amp = draw(st.floats(0.05, 1.0))
        rel = {"rising": 1.0 + amp * t / (n - 1), "flat": np.ones(n),
               "hump": 1.0 + amp * np.sin(np.pi * t / (n - 1))}[shape]
    elif kind == "approaches_and_stays":
        creep = draw(st.floats(0.0, 0.04))  # flat (0) or still creeping towards the concept
        rel = np.concatenate([down, depth * (1 - creep * (rest - t_min) / (n - 1 - t_min))])
    else:
        depth = min(depth, 0.65)
        down = np.interp(t[: t_min + 1], [0, t_min], [1.0, depth])
        end = draw(st.floats(depth + 0.3, 0.95)) if kind == "settles" else 1.0 + draw(st.floats(0.05, 1.0))
        t_end = draw(st.integers(t_min + 1, n - 1))
        rel = np.concatenate([down, np.interp(rest, [t_min, t_end], [depth, end])])
    return xr.DataArray(
        d0 * rel, dims="time", coords={"time": np.arange(n)}, name="distance", attrs={"kind": kind}
    )
