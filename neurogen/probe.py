"""What is recorded, and when: the :class:`Probe` (a monitor in the Brian2 sense)."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import numpy as np

__all__ = ["Probe", "SIGNALS"]

#: Signals a probe can record: ``latent`` = z(t) (unit), ``data`` = x(t) (pixel).
SIGNALS = {"latent": "unit", "data": "pixel"}


def _signals(value: str | Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)


def _check_signals(instance: object, attribute: attrs.Attribute, value: tuple[str, ...]) -> None:
    bad = [s for s in value if s not in SIGNALS]
    if not value or bad or len(set(value)) != len(value):
        msg = f"'{attribute.name}' must be distinct names from {sorted(SIGNALS)}: {value!r}"
        raise ValueError(msg)


@attrs.frozen
class Probe:
    """Which signals to record, every how many steps, in which dtype.

    Parameters
    ----------
    signals : str or sequence of str
        ``"latent"`` (z(t), dims trial × time × unit) and/or ``"data"`` (x(t), trial × time × pixel).
    every : int
        Record steps 0, k, 2k, … (the last step T is always recorded).
    dtype : {"float32", "float16"}
    """

    signals: tuple[str, ...] = attrs.field(default=("latent",), converter=_signals, validator=_check_signals)
    every: int = attrs.field(default=1, validator=[attrs.validators.instance_of(int), attrs.validators.ge(1)])

    @every.validator
    def _not_bool(self, attribute: attrs.Attribute, value: int) -> None:
        if isinstance(value, bool):
            msg = f"'every' must be an int, not a bool: {value!r}"
            raise TypeError(msg)
    dtype: str = attrs.field(default="float32", validator=attrs.validators.in_(("float32", "float16")))

    def times(self, steps: int) -> np.ndarray:
        """Recorded time points for a run of ``steps`` steps (0..steps)."""
        t = np.arange(0, steps + 1, self.every, dtype=np.int64)
        if t[-1] != steps:
            t = np.append(t, steps)
        return t
