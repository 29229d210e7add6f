"""What is presented to the subject: clean images, corrupted by pixel swap, as seeded trials.

This module owns :class:`PixelSwap` (each pixel selected independently with probability p, then
one of four readings of the paper's "the image intensities of the selected pixels were swapped":
``invert``, the default, sets x → 1 − x; ``permute`` shuffles the selected intensities among
themselves; ``uniform`` gives each selected pixel an intensity drawn from U(0, 1); ``salt_pepper``
sets each selected pixel to 0 or 1 with equal probability), :class:`Stimulus` (which clean images,
how many repeats under independent noise, over which noise fractions) and :func:`noise_grid`
(``start:stop:step`` grids, counted before they are made). Trial ``i``'s corruption is drawn from a
generator seeded by ``(seed, i)``, so a trial's input does not depend on how trials are batched.

Requests are bounded: a grid beyond :data:`~neurogen._checks.MAX_NOISE_LEVELS` levels or a
stimulus beyond :data:`~neurogen._checks.MAX_TRIALS` trials is refused unless ``force=True``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import attrs
import numpy as np

from neurogen._checks import (MAX_NOISE_LEVELS, MAX_TRIALS, check_choice, check_int, check_int_array,
                              check_number, check_seed, validator)
from neurogen.data import Digits

__all__ = ["PixelSwap", "Stimulus", "MODES", "noise_grid"]

MODES = ("invert", "permute", "uniform", "salt_pepper")


def noise_grid(start: float, stop: float, step: float, *, force: bool = False) -> list[float]:
    """Noise fractions ``start, start + step, …, stop`` (stop included), rounded to 10 digits.

    The number of levels is computed before any list is made: more than
    :data:`~neurogen._checks.MAX_NOISE_LEVELS` is refused unless ``force=True`` (a grid like
    ``0:1:1e-9`` would otherwise take all memory).

    Examples
    --------
    >>> noise_grid(0.0, 0.2, 0.1)
    [0.0, 0.1, 0.2]
    """
    start = check_number("start", start, min=0.0, max=1.0)
    stop = check_number("stop", stop, min=0.0, max=1.0)
    step = check_number("step", step, min=0.0, open_min=True)
    if stop < start:
        msg = f"'stop' must be >= start ({start}): {stop}"
        raise ValueError(msg)
    count = math.floor((stop - start) / step + 0.5) + 1
    if count > MAX_NOISE_LEVELS and not force:
        msg = (f"the noise grid {start:g}:{stop:g}:{step:g} has {count:,} levels, more than the limit "
               f"of {MAX_NOISE_LEVELS:,}; use a larger step, or force=True (--force) if you mean it.")
        raise ValueError(msg)
    return np.round(np.arange(count) * step + start, 10).clip(max(start, 0.0), stop).tolist()


def _as_fractions(value: float | Sequence[float]) -> tuple[float, ...]:
    arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
    return tuple(float(v) for v in arr.ravel())


def _check_fractions(instance: object, attribute: attrs.Attribute, value: tuple[float, ...]) -> None:
    if len(value) == 0:
        msg = f"'{attribute.name}' must hold at least one noise fraction."
        raise ValueError(msg)
    bad = [v for v in value if not (math.isfinite(v) and 0.0 <= v <= 1.0)]
    if bad:
        msg = f"'{attribute.name}' must lie in [0, 1]: {bad}"
        raise ValueError(msg)


@attrs.frozen
class PixelSwap:
    """Pixel-swap corruption of the paper (section 2).

    Parameters
    ----------
    p : float or sequence of float
        Noise fraction(s): each of the 784 pixels is selected independently with probability p.
        Several values make a sweep (every source image is presented at every p).
    mode : {"invert", "permute", "uniform", "salt_pepper"}
        ``"invert"`` (default): x → 1 − x on the selected pixels. ``"permute"``: the selected
        intensities are shuffled among the selected positions (the multiset of intensities is kept).
        ``"uniform"``: each selected pixel takes an intensity drawn from U(lo, hi).
        ``"salt_pepper"``: each selected pixel is set to lo or hi with equal probability.
    bounds : (float, float)
        The value range (lo, hi); ``invert`` maps x → lo + hi − x. ``(0, 1)`` for images,
        ``(-1, 1)`` for ±1 units (invert flips the sign).
    """

    p: tuple[float, ...] = attrs.field(default=(0.2,), converter=_as_fractions, validator=_check_fractions)
    mode: str = attrs.field(default="invert", validator=validator(check_choice, choices=MODES))
    bounds: tuple[float, float] = attrs.field(default=(0.0, 1.0), converter=tuple)

    @bounds.validator
    def _check_bounds(self, attribute: attrs.Attribute, value: tuple[float, float]) -> None:
        if len(value) != 2 or not all(isinstance(v, (int, float, np.integer, np.floating)) and math.isfinite(v)
                                      for v in value) or not value[0] < value[1]:
            msg = f"'bounds' must be (lo, hi) with finite lo < hi: {value!r}"
            raise ValueError(msg)

    def corrupt(self, image: np.ndarray, p: float, rng: np.random.Generator) -> np.ndarray:
        """Return a corrupted copy of one image (or a batch along the first axis) at fraction ``p``."""
        x = np.array(image, dtype=np.float32, copy=True)
        flat = x.reshape(-1, x.shape[-1])
        lo, hi = self.bounds
        for row in flat:
            mask = rng.random(row.shape[0]) < p
            if self.mode == "invert":
                row[mask] = (lo + hi) - row[mask]
            elif self.mode == "permute":
                row[mask] = rng.permutation(row[mask])
            elif self.mode == "uniform":
                row[mask] = lo + (hi - lo) * rng.random(int(mask.sum()))
            else:  # salt_pepper
                row[mask] = np.where(rng.random(int(mask.sum())) < 0.5, lo, hi)
        return x

    def __str__(self) -> str:
        ps = ", ".join(f"{v:g}" for v in self.p)
        extra = "" if self.bounds == (0.0, 1.0) else f", bounds={self.bounds}"
        return f"PixelSwap(p=[{ps}], mode={self.mode!r}{extra})"


def _as_images(value: object) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float32)
    if arr.ndim != 2 or len(arr) == 0 or arr.shape[1] == 0:
        msg = f"images must be a non-empty (sources, features) array, got shape {arr.shape}."
        raise ValueError(msg)
    n_bad = int(np.count_nonzero(~np.isfinite(arr)))
    if n_bad:
        msg = f"'images' must be finite; they hold NaN or inf at {n_bad} position(s)."
        raise ValueError(msg)
    return arr


@attrs.frozen(eq=False)
class Stimulus:
    """A set of trials: clean source images × repeats × noise fractions, corrupted on demand.

    Build one with :meth:`from_dataset`. Trials are ordered noise-major: for each p, every source
    image, for each repeat.

    Parameters
    ----------
    images : ndarray (S, D)
        Clean source images (D = 784 for MNIST; any width works, e.g. ±1 Hopfield patterns).
    labels, sources : ndarray (S,)
        Each source's label and its index in the original split.
    noise : PixelSwap
    repeats : int
        Presentations of each source image under independent noise.
    seed : int
    force : bool
        Allow more than :data:`~neurogen._checks.MAX_TRIALS` trials.

    Raises
    ------
    ValueError
        Images empty, NaN/inf, or outside the noise bounds; negative labels or sources (digit
        labels beyond 9); too many trials.
    TypeError
        Float labels, sources, repeats or seed (never truncated).
    """

    images: np.ndarray = attrs.field(repr=False, converter=_as_images)
    labels: np.ndarray = attrs.field(repr=False, converter=lambda a: check_int_array("labels", a, min=0))
    sources: np.ndarray = attrs.field(repr=False, converter=lambda a: check_int_array("sources", a, min=0))
    noise: PixelSwap = attrs.field(factory=PixelSwap)
    repeats: int = attrs.field(default=1, validator=validator(check_int, min=1))
    seed: int = attrs.field(default=0, validator=validator(check_seed))
    description: str = ""
    force: bool = attrs.field(default=False, repr=False, kw_only=True)

    @noise.validator
    def _check_noise(self, attribute: attrs.Attribute, value: PixelSwap) -> None:
        if not isinstance(value, PixelSwap):
            msg = f"'noise' must be a PixelSwap, got {type(value).__name__}."
            raise TypeError(msg)

    def __attrs_post_init__(self) -> None:
        if not (len(self.labels) == len(self.sources) == len(self.images)):
            msg = "images, labels and sources must have the same length."
            raise ValueError(msg)
        if self.images.shape[1] == 784 and self.labels.max() > 9:
            msg = f"'labels' of 784-pixel digit images must be in [0, 9]: {sorted(set(self.labels[self.labels > 9].tolist()))[:10]}"
            raise ValueError(msg)
        if any(p > 0 for p in self.noise.p):
            lo, hi = self.noise.bounds
            amin, amax = float(self.images.min()), float(self.images.max())
            if amin < lo or amax > hi:
                msg = (f"'images' must lie within the noise bounds [{lo:g}, {hi:g}] (pixel swap assumes "
                       f"it); their values span [{amin:g}, {amax:g}].")
                raise ValueError(msg)
        if self.n_trials > MAX_TRIALS and not self.force:
            msg = (f"the stimulus has {self.n_trials:,} trials ({len(self.noise.p):,} noise levels × "
                   f"{len(self.images):,} images × {self.repeats} repeats), more than the limit of "
                   f"{MAX_TRIALS:,}; narrow it, or pass force=True (--force) if you mean it.")
            raise ValueError(msg)

    @classmethod
    def from_dataset(
        cls,
        data: Digits,
        *,
        label: int | Sequence[int] | None = None,
        n: int | None = None,
        indices: Sequence[int] | None = None,
        noise: PixelSwap | float | Sequence[float] = 0.2,
        mode: str | None = None,
        repeats: int = 1,
        seed: int = 0,
        force: bool = False,
    ) -> Stimulus:
        """Choose clean images from ``data`` and how they are corrupted.

        Parameters
        ----------
        data : Digits
        label : int or list of int, optional
            Only these labels (a label the data lacks raises ``ValueError``).
        n : int, optional
            Images per label (when ``label`` is given) or in all; drawn with ``seed``.
        indices : sequence of int, optional
            Explicit positions in ``data`` (exclusive with ``label``/``n``).
        noise : PixelSwap or float or list of float
            The corruption; a number or list gives ``PixelSwap(noise, mode=mode or "invert")``.
        mode : {"invert", "permute", "uniform", "salt_pepper"}, optional
        repeats : int
        seed : int
        force : bool
            Allow more than :data:`~neurogen._checks.MAX_TRIALS` trials.

        Examples
        --------
        >>> stim = Stimulus.from_dataset(load_mnist(), label=6, n=300, noise=0.2)  # doctest: +SKIP
        """
        if not isinstance(data, Digits):
            msg = f"data must be a neurogen.data.Digits, got {type(data).__name__}."
            raise TypeError(msg)
        seed = check_seed("seed", seed)
        repeats = check_int("repeats", repeats, min=1)
        if not isinstance(noise, PixelSwap):
            noise = PixelSwap(noise, mode=mode or "invert")
        elif mode is not None and mode != noise.mode:
            noise = attrs.evolve(noise, mode=mode)
        if indices is not None:
            if label is not None or n is not None:
                msg = "give either indices= or label=/n=, not both."
                raise ValueError(msg)
            if np.size(indices) == 0:
                msg = "indices selects no images."
                raise ValueError(msg)
            idx = check_int_array("indices", indices)
            if idx.min() < 0 or idx.max() >= len(data):
                msg = f"indices must lie in [0, {len(data) - 1}]."
                raise ValueError(msg)
            chosen = data.subset(idx)
        else:
            chosen = data.select(label=label, n=n, seed=seed)
        if len(chosen) == 0:
            msg = "the selection holds no images."
            raise ValueError(msg)
        desc = f"{data.name}: label={label!r}, n={n!r}, indices={'given' if indices is not None else None}"
        return cls(chosen.images, chosen.labels, chosen.index, noise=noise, repeats=repeats,
                   seed=seed, description=desc, force=force)

    # ---------------------------------------------------------------- trials

    @property
    def n_trials(self) -> int:
        """Number of trials: noise fractions × sources × repeats."""
        return len(self.noise.p) * len(self.images) * self.repeats

    def __len__(self) -> int:
        return self.n_trials

    def trial_coords(self) -> dict[str, np.ndarray]:
        """Per-trial coordinates: ``label``, ``source``, ``noise``, ``repeat``, ``mode``."""
        s, r = len(self.images), self.repeats
        k = len(self.noise.p)
        return {
            "label": np.tile(np.repeat(self.labels, r), k),
            "source": np.tile(np.repeat(self.sources, r), k),
            "noise": np.repeat(np.asarray(self.noise.p, dtype=np.float64), s * r),
            "repeat": np.tile(np.arange(r, dtype=np.int64), s * k),
            "mode": np.full(self.n_trials, self.noise.mode, dtype=object),
        }

    def inputs(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Corrupted inputs x(0) for trials ``start:stop`` (float32, (trials, D))."""
        stop = self.n_trials if stop is None else min(stop, self.n_trials)
        s, r = len(self.images), self.repeats
        out = np.empty((max(stop - start, 0), self.images.shape[1]), dtype=np.float32)
        for j, i in enumerate(range(start, stop)):
            p = self.noise.p[i // (s * r)]
            src = (i % (s * r)) // r
            rng = np.random.default_rng([self.seed, i])
            out[j] = self.noise.corrupt(self.images[src], p, rng)
        return out

    def batches(self, batch_size: int) -> Iterator[tuple[slice, np.ndarray]]:
        """Yield ``(trial slice, inputs)`` in batches of ``batch_size`` trials."""
        for start in range(0, self.n_trials, batch_size):
            sl = slice(start, min(start + batch_size, self.n_trials))
            yield sl, self.inputs(sl.start, sl.stop)

    def __str__(self) -> str:
        return (f"Stimulus({len(self.images)} sources × {self.repeats} repeats × "
                f"{len(self.noise.p)} noise levels = {self.n_trials} trials; {self.noise}; "
                f"seed={self.seed}; {self.description})")
