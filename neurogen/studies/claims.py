"""Claims: one row of the report — what the paper says, what this run measured, the rule, the verdict.

A study's ``claims(dataset)`` returns a list of :class:`Claim`. Verdicts are computed by code from
the rule the claim states; a claim measured on several subjects (the zoo's seeds) says how many it
holds in (:func:`across`), and one that holds for some and not others is reported as
:data:`MIXED`, never averaged away.

Robustness (:func:`robustness`): every verdict is recomputed from the study's saved dataset under a
bootstrap over its trials (the ``trial`` dimension, resampled within each label / noise level) and
with every free parameter of its rule halved and doubled (rules read their parameters through
:func:`param`). A verdict that changes in more than 10 % of the resamples, or anywhere in that
parameter range, is **fragile** (:data:`FRAGILE`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import attrs
import numpy as np

__all__ = ["Claim", "HOLDS", "FAILS", "MIXED", "UNMEASURED", "VERDICTS", "FRAGILE", "ROBUST", "verdict", "across",
           "over_seeds", "param", "scaled", "robustness", "resample_trials", "trial_dims"]

HOLDS = "holds"
FAILS = "does not hold"
MIXED = "holds for some subjects"
UNMEASURED = "not measured"
VERDICTS = (HOLDS, FAILS, MIXED, UNMEASURED)
FRAGILE = "fragile"
ROBUST = "robust"
#: A verdict that changes in more than this share of the bootstrap resamples is fragile.
FRAGILE_SHARE = 0.10
#: Factors applied to every free rule parameter (:func:`param`) to test a verdict's robustness.
PARAMETER_FACTORS = (0.5, 2.0)

_SCALE: ContextVar[float] = ContextVar("neurogen_rule_scale", default=1.0)


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
    fragile : str
        :data:`FRAGILE`, :data:`ROBUST`, or ``""`` before :func:`robustness` ran.
    robustness : str
        What :func:`robustness` measured: bootstrap agreement and the verdicts over the parameter range.
    """

    study: str
    claim: str
    paper: str
    measured: str
    verdict: str = attrs.field(validator=attrs.validators.in_(VERDICTS))
    rule: str = ""
    subjects: str = ""
    reading: str = "—"
    fragile: str = ""
    robustness: str = ""


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


def param(value: float) -> float:
    """A free parameter of a verdict rule (a threshold, a z, a tolerance), scaled by :func:`scaled`.

    Rules read every free parameter through this function, so that :func:`robustness` can halve and
    double them all. Outside :func:`scaled` it returns ``value`` unchanged.
    """
    return float(value) * _SCALE.get()


@contextmanager
def scaled(factor: float) -> Iterator[None]:
    """Within the block, :func:`param` multiplies every rule parameter by ``factor``."""
    if not (np.isfinite(factor) and factor > 0):
        msg = f"factor must be > 0 and finite, got {factor}."
        raise ValueError(msg)
    token = _SCALE.set(float(factor))
    try:
        yield
    finally:
        _SCALE.reset(token)


#: Trial coordinates that define the strata of the bootstrap (resampled within each value).
STRATA = ("label", "trial_label", "noise", "source_label")


def trial_dims(ds: Any) -> list[str]:
    """The dimensions of independent trials in ``ds``: ``trial`` and every ``*_trial``."""
    return [str(d) for d in ds.dims if str(d) == "trial" or str(d).endswith("_trial")]


def resample_trials(ds: Any, rng: np.random.Generator, dims: Sequence[str] | None = None) -> Any:
    """``ds`` with every trial dimension resampled with replacement, within each stratum.

    ``dims``: the trial dimensions (default :func:`trial_dims`), each resampled independently. The
    strata of a dimension are the values of its coordinates named in :data:`STRATA` (or ending in
    ``_`` + one of them: ``hopfield_noise``): a label or a noise level keeps its number of trials.
    Every variable along a dimension is resampled with the same indices, so per-trial quantities
    stay paired; the coordinate values (labels, noise levels) are unchanged.
    """
    out = ds
    for dim in trial_dims(ds) if dims is None else dims:
        n = int(ds.sizes[dim])
        names = [str(c) for c in ds.coords if ds[c].dims == (dim,) and str(c) != dim
                 and any(str(c) == k or str(c).endswith("_" + k) for k in STRATA)]
        if names:
            keys = np.stack([np.asarray(ds[c].values).astype(str) for c in names], axis=1)
            _, group = np.unique(keys, axis=0, return_inverse=True)
            group = np.asarray(group).reshape(-1)
        else:
            group = np.zeros(n, dtype=int)
        idx = np.empty(n, dtype=np.int64)
        for g in np.unique(group):
            members = np.flatnonzero(group == g)
            idx[members] = rng.choice(members, size=members.size, replace=True)
        coords = {str(c): ds[c] for c in ds.coords if ds[c].dims == (dim,)}
        out = out.isel({dim: idx}).assign_coords(coords)
    return out


def _key(c: Claim) -> tuple[str, str]:
    return (c.claim, c.reading)


def robustness(claims_fn: Callable[[Any], list[Claim]], ds: Any, *, n_boot: int = 200, seed: int = 0,
               dim: str | None = None) -> list[Claim]:
    """The claims of ``claims_fn(ds)``, each with its ``fragile`` and ``robustness`` columns filled.

    Parameters
    ----------
    claims_fn : callable
        A study's ``claims(dataset)``.
    ds : xarray.Dataset
        The study's dataset (as saved).
    n_boot : int, default 200
        Bootstrap resamples over the trial dimensions (skipped when ``ds`` has none).
    seed : int
        Seed of the resampling.
    dim : str, optional
        Resample only this dimension (default: every one of :func:`trial_dims`).

    Returns
    -------
    list of Claim
        Fragile when the verdict differs from the base verdict in more than
        :data:`FRAGILE_SHARE` of the resamples, or under any factor of :data:`PARAMETER_FACTORS`.
    """
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 0:
        msg = f"n_boot must be an int >= 0, got {n_boot!r}."
        raise ValueError(msg)
    base = claims_fn(ds)
    keys = [_key(c) for c in base]
    agree = np.zeros(len(base), dtype=int)
    n_done = 0
    dims = [d for d in trial_dims(ds) if int(ds.sizes[d]) > 1] if dim is None else \
        ([dim] if dim in getattr(ds, "dims", {}) and int(ds.sizes[dim]) > 1 else [])
    if n_boot and dims:
        rng = np.random.default_rng(seed)
        for _ in range(int(n_boot)):
            got = {_key(c): c.verdict for c in claims_fn(resample_trials(ds, rng, dims))}
            agree += np.array([got.get(k) == c.verdict for k, c in zip(keys, base)], dtype=int)
            n_done += 1
    by_factor = {}
    for f in PARAMETER_FACTORS:
        with scaled(f):
            by_factor[f] = {_key(c): c.verdict for c in claims_fn(ds)}
    out = []
    for i, (k, c) in enumerate(zip(keys, base)):
        if c.verdict == UNMEASURED:
            out.append(attrs.evolve(c, fragile="—", robustness="not measured"))
            continue
        parts, fragile = [], False
        if n_done:
            share = 1 - agree[i] / n_done
            fragile |= share > FRAGILE_SHARE
            parts.append(f"bootstrap: {agree[i]} of {n_done} resamples agree")
        else:
            parts.append("bootstrap: no trials in this study's data")
        changed = {f: by_factor[f].get(k) for f in PARAMETER_FACTORS if by_factor[f].get(k) != c.verdict}
        fragile |= bool(changed)
        factors = ", ".join(f"×{f:g}" for f in PARAMETER_FACTORS)
        if changed:
            parts.append("rule parameters " + "; ".join(f"×{f:g}: {v}" for f, v in changed.items()))
        else:
            parts.append(f"rule parameters {factors}: same verdict")
        out.append(attrs.evolve(c, fragile=FRAGILE if fragile else ROBUST, robustness="; ".join(parts)))
    return out
