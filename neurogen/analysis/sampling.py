"""How many trials a design can draw per label: clipping a requested count to what the data hold.

Owns :func:`trials_per_label`, the rule every study uses before building a
stimulus of ``n`` images per label: ``n = min(trials, images of the rarest
requested label)``, so that each label gets the same number of trials.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import xarray as xr

__all__ = ["trials_per_label"]


def trials_per_label(labels: Any, trials: int, label: int | Iterable[int] | None = None) -> int:
    """The number of trials per label: ``trials`` clipped to the images of the rarest requested label.

    Rule: n = min(``trials``, min over the requested labels ℓ of #{i : labels[i] = ℓ}).

    Parameters
    ----------
    labels : array-like or xarray.DataArray
        The label of every available image (e.g. ``Digits.labels``), 1-D.
    trials : int
        The requested number of trials per label, ≥ 1.
    label : int, iterable of int, or None, default None
        The label(s) the design draws from; None means every label present
        in ``labels``.

    Returns
    -------
    int
        The clipped count, between 1 and ``trials``.

    Raises
    ------
    TypeError
        If ``trials`` or a ``label`` is not an int.
    ValueError
        If ``labels`` is not 1-D or is empty, ``trials`` < 1, ``label`` is an
        empty list, or a requested label has no image in ``labels``.

    Examples
    --------
    >>> labels = [0, 0, 0, 1, 1, 6, 6, 6, 6]
    >>> trials_per_label(labels, 300, 6)
    4
    >>> trials_per_label(labels, 300, [0, 6]), trials_per_label(labels, 300)
    (3, 2)
    >>> trials_per_label(labels, 2, 6)
    2
    """
    if isinstance(trials, bool) or not isinstance(trials, (int, np.integer)):
        msg = f"trials must be an int, got {type(trials).__name__}."
        raise TypeError(msg)
    if trials < 1:
        msg = f"trials must be >= 1: {trials}"
        raise ValueError(msg)
    values = np.asarray(labels.values if isinstance(labels, xr.DataArray) else labels)
    if values.ndim != 1 or values.size == 0:
        msg = f"labels must be a non-empty 1-D array of labels, got shape {values.shape}."
        raise ValueError(msg)
    present, counts = np.unique(values, return_counts=True)
    if label is None:
        wanted = present
    else:
        wanted = [label] if isinstance(label, (int, np.integer)) else list(label)
        bad = [w for w in wanted if isinstance(w, bool) or not isinstance(w, (int, np.integer))]
        if bad:
            msg = f"label must be an int, a list of ints or None, got {bad[0]!r} ({type(bad[0]).__name__})."
            raise TypeError(msg)
        if not wanted:
            msg = "label must name at least one label (or be None for every label)."
            raise ValueError(msg)
        missing = sorted({int(w) for w in wanted} - set(present.tolist()))
        if missing:
            msg = f"label(s) {missing} have no image in labels (present: {present.tolist()})."
            raise ValueError(msg)
    available = counts[np.searchsorted(present, np.asarray(wanted))]
    return int(min(int(trials), int(available.min())))
