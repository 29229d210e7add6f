"""What is recorded, and when: the :class:`Probe` (a monitor in the Brian2 sense)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from neurogen._checks import check_choice, check_int, validator

__all__ = ["Probe", "SIGNALS", "Float16Overflow"]

#: Largest finite float16 value.
FLOAT16_MAX = 65504.0


class Float16Overflow(RuntimeWarning):
    """Recorded values beyond ±65504 became inf in a float16 recording."""

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
        float16 halves the size; values beyond ±65504 then overflow to inf, which
        :meth:`check_overflow` reports as a :class:`Float16Overflow` warning.
    """

    signals: tuple[str, ...] = attrs.field(default=("latent",), converter=_signals, validator=_check_signals)
    every: int = attrs.field(default=1, validator=validator(check_int, min=1))
    dtype: str = attrs.field(default="float32", validator=validator(check_choice, choices=("float32", "float16")))

    def check_overflow(self, signal: str, stored: Any, source: Any = None) -> bool:
        """Warn (:class:`Float16Overflow`) if values became inf when stored in float16.

        ``run`` calls this on each batch of a float16 probe: values beyond ±65504 cannot be stored
        in float16. With ``source`` (the float32 values), only infs that were finite there count.
        Returns True when an overflow was found; does nothing for float32.
        """
        if self.dtype != "float16":
            return False
        import torch

        inf = torch.isinf(torch.as_tensor(stored))
        if source is not None:
            inf &= torch.isfinite(torch.as_tensor(source).to(inf.device))
        n = int(inf.sum())
        if n == 0:
            return False
        warnings.warn(f"Probe(dtype='float16'): {n} value(s) of {signal!r} exceed ±{FLOAT16_MAX:g} and were "
                      "stored as inf; record with dtype='float32'.", Float16Overflow, stacklevel=2)
        return True

    def times(self, steps: int) -> np.ndarray:
        """Recorded time points for a run of ``steps`` steps (0..steps)."""
        t = np.arange(0, steps + 1, self.every, dtype=np.int64)
        if t[-1] != steps:
            t = np.append(t, steps)
        return t
