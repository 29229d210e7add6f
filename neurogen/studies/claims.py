"""Claims: one row of the report — what the paper says, what this run measured, the rule, the verdict.

A study's ``claims(dataset)`` returns a list of :class:`Claim`. Verdicts are computed by code from
the rule the claim states; a claim measured on several subjects (the zoo's seeds) says how many it
holds in (:func:`across`), and one that holds for some and not others is reported as
:data:`MIXED`, never averaged away.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs

__all__ = ["Claim", "HOLDS", "FAILS", "MIXED", "UNMEASURED", "VERDICTS", "verdict", "across", "over_seeds"]

HOLDS = "holds"
FAILS = "does not hold"
MIXED = "holds for some subjects"
UNMEASURED = "not measured"
VERDICTS = (HOLDS, FAILS, MIXED, UNMEASURED)


@attrs.frozen
class Claim:
    """One claim of the paper checked against this run.

    Parameters
    ----------
    study : str
        The study that measured it (``fig2``, ``readings``, ...).
    claim : str
        The claim in words.
    paper : str
        The paper's value or statement.
    measured : str
        What this run measured (numbers, per subject where several were used).
    verdict : str
        One of :data:`VERDICTS`, computed from ``rule``.
    rule : str
        The rule the verdict is computed by, in words.
    subjects : str
        Which subjects it was measured on, and in how many it holds.
    reading : str
        The pixel-swap reading (``PixelSwap`` mode) used, or ``"—"`` when none applies.
    """

    study: str
    claim: str
    paper: str
    measured: str
    verdict: str = attrs.field(validator=attrs.validators.in_(VERDICTS))
    rule: str = ""
    subjects: str = ""
    reading: str = "—"


def verdict(ok: bool | None) -> str:
    """:data:`HOLDS` / :data:`FAILS`, or :data:`UNMEASURED` for ``None``."""
    if ok is None:
        return UNMEASURED
    return HOLDS if bool(ok) else FAILS


def across(oks: Sequence[bool | None], names: Sequence[str]) -> tuple[str, str]:
    """Verdict over several subjects and a ``subjects`` text such as ``"seeds 0, 1, 2: holds in 2 of 3"``.

    All hold: :data:`HOLDS`; none: :data:`FAILS`; some: :data:`MIXED`; a subject that was not
    measured (``None``) is left out of the count and named.

    Examples
    --------
    >>> across([True, False, True], ["seed 0", "seed 1", "seed 2"])
    ('holds for some subjects', 'seed 0, seed 1, seed 2: holds in 2 of 3 (fails: seed 1)')
    """
    measured = [(n, bool(o)) for n, o in zip(names, oks) if o is not None]
    missing = [n for n, o in zip(names, oks) if o is None]
    k = sum(o for _, o in measured)
    n = len(measured)
    if n == 0:
        v = UNMEASURED
    elif k == n:
        v = HOLDS
    elif k == 0:
        v = FAILS
    else:
        v = MIXED
    text = f"{', '.join(names)}: holds in {k} of {n}"
    failing = [name for name, o in measured if not o]
    if 0 < k < n:
        text += f" (fails: {', '.join(failing)})"
    if missing:
        text += f"; not measured: {', '.join(missing)}"
    return v, text


def over_seeds(ds: Any, check: Callable[[Any], tuple[bool | None, str]]) -> tuple[str, str, str]:
    """Apply ``check(one_seed) -> (holds?, measured text)`` to each ``seed`` of ``ds``.

    Returns the verdict and ``subjects`` text of :func:`across` and the measured text
    ``"seed 0: …; seed 1: …"``.
    """
    seeds = [int(s) for s in ds["seed"].values]
    results = [check(ds.sel(seed=s)) for s in seeds]
    v, subjects = across([ok for ok, _ in results], [f"seed {s}" for s in seeds])
    return v, subjects, "; ".join(f"seed {s}: {text}" for s, (_, text) in zip(seeds, results))
