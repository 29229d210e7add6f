"""What is presented to the subject: clean images, corrupted by pixel swap, as seeded trials.

This module owns :class:`PixelSwap` (each pixel selected independently with probability p;
``mode="invert"``, the default, sets x → 1 − x on the selected pixels, the reading that reproduces
the paper's figures; ``mode="permute"`` shuffles the selected intensities among themselves) and
:class:`Stimulus` (which clean images, how many repeats under independent noise, over which noise
fractions). Trial ``i``'s corruption is drawn from a generator seeded by ``(seed, i)``, so a trial's
input does not depend on how trials are batched.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Iterator, Sequence

import attrs
import numpy as np

from neurogen.data import Digits

__all__ = ["PixelSwap", "Stimulus", "MODES"]

MODES = ("invert", "permute")


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
    mode : {"invert", "permute"}
        ``"invert"`` (default): x → 1 − x on the selected pixels. ``"permute"``: the selected
        intensities are shuffled among the selected positions (the multiset of intensities is kept).
    bounds : (float, float)
        The value range (lo, hi); ``invert`` maps x → lo + hi − x. ``(0, 1)`` for images,
        ``(-1, 1)`` for ±1 units (invert flips the sign).
    """

    p: tuple[float, ...] = attrs.field(default=(0.2,), converter=_as_fractions, validator=_check_fractions)
    mode: str = attrs.field(default="invert", validator=attrs.validators.in_(MODES))
    bounds: tuple[float, float] = attrs.field(default=(0.0, 1.0), converter=tuple)

    @bounds.validator
    def _check_bounds(self, attribute: attrs.Attribute, value: tuple[float, float]) -> None:
        if len(value) != 2 or not value[0] < value[1]:
            msg = f"'bounds' must be (lo, hi) with lo < hi: {value!r}"
            raise ValueError(msg)

    def corrupt(self, image: np.ndarray, p: float, rng: np.random.Generator) -> np.ndarray:
        """Return a corrupted copy of one image (or a batch along the first axis) at fraction ``p``."""
        x = np.array(image, dtype=np.float32, copy=True)
        flat = x.reshape(-1, x.shape[-1])
        for row in flat:
            mask = rng.random(row.shape[0]) < p
            if self.mode == "invert":
                row[mask] = (self.bounds[0] + self.bounds[1]) - row[mask]
            else:
                row[mask] = rng.permutation(row[mask])
        return x

    def __str__(self) -> str:
        ps = ", ".join(f"{v:g}" for v in self.p)
        extra = "" if self.bounds == (0.0, 1.0) else f", bounds={self.bounds}"
        return f"PixelSwap(p=[{ps}], mode={self.mode!r}{extra})"


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
    """

    images: np.ndarray = attrs.field(repr=False, converter=lambda a: np.asarray(a, dtype=np.float32))
    labels: np.ndarray = attrs.field(repr=False, converter=lambda a: np.asarray(a, dtype=np.int64))
    sources: np.ndarray = attrs.field(repr=False, converter=lambda a: np.asarray(a, dtype=np.int64))
    noise: PixelSwap = attrs.field(factory=PixelSwap, validator=attrs.validators.instance_of(PixelSwap))
    repeats: int = attrs.field(default=1, converter=operator.index, validator=attrs.validators.ge(1))
    seed: int = attrs.field(default=0, converter=operator.index)
    description: str = ""

    def __attrs_post_init__(self) -> None:
        if self.images.ndim != 2 or len(self.images) == 0:
            msg = f"images must be a non-empty (sources, features) array, got shape {self.images.shape}."
            raise ValueError(msg)
        if not (len(self.labels) == len(self.sources) == len(self.images)):
            msg = "images, labels and sources must have the same length."
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
        mode : {"invert", "permute"}, optional
        repeats : int
        seed : int

        Examples
        --------
        >>> stim = Stimulus.from_dataset(load_mnist(), label=6, n=300, noise=0.2)  # doctest: +SKIP
        """
        if not isinstance(data, Digits):
            msg = f"data must be a neurogen.data.Digits, got {type(data).__name__}."
            raise TypeError(msg)
        if not isinstance(noise, PixelSwap):
            noise = PixelSwap(noise, mode=mode or "invert")
        elif mode is not None and mode != noise.mode:
            noise = attrs.evolve(noise, mode=mode)
        if indices is not None:
            if label is not None or n is not None:
                msg = "give either indices= or label=/n=, not both."
                raise ValueError(msg)
            idx = np.asarray(indices, dtype=np.int64)
            if idx.size == 0:
                msg = "indices selects no images."
                raise ValueError(msg)
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
                   seed=seed, description=desc)

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
