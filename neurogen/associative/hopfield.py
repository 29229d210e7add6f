"""The Hopfield network as a neurogen subject: Hebbian couplings, one update per inference step.

This module owns :class:`HopfieldNetwork`. It satisfies :class:`~neurogen.subject.Subject`:
``encode(x)`` reads the state out (the identity, as float32) and ``decode(z)`` performs one update
of the whole network, so :func:`neurogen.run` records its trajectory s(0), s(1), … exactly as it
records the VAE's repeated inference. All trials advance together as one (trials, N) batch; an
update is a dense (trials, N) × (N, N) product, so N = 1,000–10,000 runs at interactive speed.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import torch

from neurogen.device import resolve_device

__all__ = ["HopfieldNetwork", "RULES", "UPDATES", "DYNAMICS"]

RULES = ("hebbian", "covariance")
UPDATES = ("synchronous", "asynchronous")
DYNAMICS = ("glauber", "mean_field")


def _choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        msg = f"'{name}' must be one of {allowed}, got {value!r}."
        raise ValueError(msg)
    return str(value)


def _number(name: str, value: Any, lo: float, hi: float = float("inf"), *, open_lo: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        msg = f"'{name}' must be a number, got {type(value).__name__}."
        raise TypeError(msg)
    v = float(value)
    above = v > lo if open_lo else v >= lo
    if not (np.isfinite(v) and above and v <= hi):
        msg = f"'{name}' must be finite and lie in {'(' if open_lo else '['}{lo}, {hi}]: {value!r}"
        raise ValueError(msg)
    return v


class HopfieldNetwork:
    """A fully connected network of binary units with couplings learnt from stored patterns.

    Parameters
    ----------
    patterns : array-like (P, N)
        The stored memories ξ^μ: ±1 for ``rule="hebbian"``, {0, 1} for ``rule="covariance"``.
    rule : {"hebbian", "covariance"}
        ``"hebbian"``: J = (1/N) Σ_μ ξ^μ ξ^μᵀ, states ±1, field h = J s − ``threshold``.
        ``"covariance"`` (sparse patterns of activity a): J = Σ_μ (ξ^μ − a)(ξ^μ − a)ᵀ / (N a (1 − a)),
        states {0, 1}, field h = J (s − a) − ``threshold``. The diagonal is zero in both.
    update : {"synchronous", "asynchronous"}
        ``"synchronous"``: every unit from the same field. ``"asynchronous"``: one sweep over all
        units in a random order drawn per call; the order is cut into blocks of ``block_size``
        units, and the units of one block are updated together from the current state (so each
        block sees all earlier blocks' new values). ``block_size=1`` is the classical one-unit-at-
        a-time sweep; larger blocks trade that exactness for speed (with couplings of order 1/N,
        updating B units together changes each other unit's field by O(B/N) before it is seen).
    temperature : float
        T ≥ 0 (β = 1/T). 0: deterministic s ← sign(h) (ties → +1; {0, 1} units: s ← [h > 0]).
    dynamics : {"glauber", "mean_field"}
        For T > 0. ``"glauber"``: s_i = ±1 with P(+1) = (1 + tanh(β h_i))/2 (seeded).
        ``"mean_field"``: m ← tanh(β h) (deterministic, graded states in [−1, 1]; for {0, 1}
        units, (1 + tanh(β h))/2).
    activity : float, optional
        a for the covariance rule (default: the patterns' mean activity).
    threshold : float, optional
        θ subtracted from the field; default 0 for the Hebbian rule. Under the covariance rule the
        field of a stored pattern is ≈ ξ_i − a (1 − a on its active units, −a on the others), so
        the default there is the midpoint 1/2 − a.
    block_size : int, optional
        Units per block of an asynchronous sweep; default ⌈N/64⌉ (64 blocks per sweep). Each block
        costs a (trials, N) × (N, block) product, so a sweep costs about what a synchronous step
        costs when blocks are wide and up to ~10× more when they are narrow; ``block_size=1`` (the
        exact sequential sweep) is for small N.
    seed : int
        Seeds the sweep orders and Glauber noise (a CPU ``torch.Generator``, so the same seed gives
        the same trajectory on any device). The generator advances with every ``decode`` call;
        :meth:`reset` rewinds it.
    device : str or torch.device
        ``"auto"``: CUDA when present.

    Notes
    -----
    With randomness (asynchronous updates or Glauber dynamics) a trial's trajectory depends on the
    calls made before it, so a :func:`neurogen.run` recording is reproducible for the same seed,
    stimulus and ``batch_size`` (call :meth:`reset` or build a fresh network between recordings).
    Synchronous zero-temperature and mean-field updates are deterministic.

    Energy. At zero temperature with ``block_size=1`` (and the Hebbian rule, ``threshold=0``) the
    energy E = −½ sᵀ J s (:meth:`energy`) never increases: a single unit set to sign(h_i) changes
    E by −(s_i' − s_i) h_i ≤ 0, since J is symmetric with a zero diagonal. This is what the tests
    check, sweep by sweep. Blocks of more than one unit (the default ``block_size``) and
    synchronous updates give no such guarantee: units updated together do not see each other's
    new values, so E can rise (and a synchronous run can end in a 2-cycle).

    Examples
    --------
    >>> from neurogen.associative import HierarchicalPatterns
    >>> pats = HierarchicalPatterns(1000, n_concepts=2, n_memories=3, b_memory=0.3)
    >>> net = HopfieldNetwork.from_patterns(pats)
    >>> x = torch.tensor(pats.memories, dtype=torch.float32)
    >>> bool((net.decode(x) == x).all())  # stored memories are fixed points
    True
    >>> rec = neurogen.run(net, pats.stimulus(0.1), steps=10)  # doctest: +SKIP
    """

    def __init__(self, patterns: Any, *, rule: str = "hebbian", update: str = "synchronous",
                 temperature: float = 0.0, dynamics: str = "glauber", activity: float | None = None,
                 threshold: float | None = None, block_size: int | None = None, seed: int = 0,
                 device: str | torch.device = "cpu") -> None:
        self.rule = _choice("rule", rule, RULES)
        self.update = _choice("update", update, UPDATES)
        self.dynamics = _choice("dynamics", dynamics, DYNAMICS)
        self.temperature = _number("temperature", temperature, 0.0)
        if block_size is not None and (isinstance(block_size, bool) or not isinstance(block_size, (int, np.integer))
                                       or block_size < 1):
            msg = f"'block_size' must be an int >= 1 or None: {block_size!r}"
            raise ValueError(msg)
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
            msg = f"'seed' must be an int >= 0: {seed!r}"
            raise ValueError(msg)
        self.seed = int(seed)
        xi = np.asarray(patterns)
        if xi.ndim == 1:
            xi = xi[None]
        if xi.ndim != 2 or xi.size == 0 or not np.issubdtype(xi.dtype, np.number):
            msg = f"patterns must be a non-empty numeric (patterns, units) array, got shape {xi.shape}."
            raise ValueError(msg)
        allowed = (-1, 1) if self.rule == "hebbian" else (0, 1)
        if not np.isin(xi, allowed).all():
            msg = f"patterns must hold only {allowed} for rule={self.rule!r}."
            raise ValueError(msg)
        self.n_patterns, self.n_units = xi.shape
        self.block_size = -(-self.n_units // 64) if block_size is None else int(block_size)
        xi = xi.astype(np.float64)
        if self.rule == "covariance":
            a = float(xi.mean()) if activity is None else _number("activity", activity, 0.0, 1.0, open_lo=True)
            if not 0.0 < a < 1.0:
                msg = f"'activity' must lie in (0, 1); the patterns' mean activity is {a}."
                raise ValueError(msg)
            self.activity = a
            self.threshold = 0.5 - a if threshold is None else _number("threshold", threshold, -np.inf)
            c = xi - a
            couplings = c.T @ c / (self.n_units * a * (1.0 - a))
        else:
            self.activity = None
            self.threshold = 0.0 if threshold is None else _number("threshold", threshold, -np.inf)
            couplings = xi.T @ xi / self.n_units
        np.fill_diagonal(couplings, 0.0)
        self.patterns_sha256 = hashlib.sha256(np.ascontiguousarray(xi.astype(np.int8)).tobytes()).hexdigest()
        self._device = resolve_device(device)
        self.couplings = torch.as_tensor(couplings, dtype=torch.float32, device=self._device)
        self._gen = torch.Generator(device="cpu")
        self.reset()

    @classmethod
    def from_patterns(cls, patterns: Any, **kwargs: Any) -> HopfieldNetwork:
        """Store ``patterns``: an array (P, N), or anything with a ``memories`` array
        (e.g. :class:`~neurogen.associative.HierarchicalPatterns`). Keywords as for the constructor."""
        return cls(getattr(patterns, "memories", patterns), **kwargs)

    # ------------------------------------------------------------------ Subject protocol

    @property
    def device(self) -> torch.device:
        """Where the couplings live and updates are computed."""
        return self._device

    def to(self, device: str | torch.device) -> HopfieldNetwork:
        """Move the couplings to ``device`` (in place); return self."""
        self._device = resolve_device(device)
        self.couplings = self.couplings.to(self._device)
        return self

    def reset(self) -> HopfieldNetwork:
        """Rewind the random generator to ``seed`` (sweep orders and Glauber noise)."""
        self._gen.manual_seed(self.seed)
        return self

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        """Read the state out: the identity on (trials, N) states, as float32."""
        x = torch.as_tensor(x, device=self._device)
        self._check(x, "x")
        return x.to(torch.float32)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """One update of every unit (one synchronous step or one asynchronous sweep): s(t) → s(t+1)."""
        s = torch.as_tensor(z, device=self._device)
        self._check(s, "z")
        s = s.to(torch.float32)
        if self.update == "synchronous":
            return self._activate(self.field(s))
        s = s.clone()
        order = torch.randperm(self.n_units, generator=self._gen).to(self._device)
        for block in torch.split(order, self.block_size):
            s[:, block] = self._activate(self._field_of(s, block))
        return s

    def describe(self) -> dict[str, Any]:
        """Provenance attributes for a recording."""
        return {"subject": type(self).__name__, "n_units": int(self.n_units), "n_latent": int(self.n_units),
                "n_patterns": int(self.n_patterns), "rule": self.rule, "update": self.update,
                "temperature": float(self.temperature), "dynamics": self.dynamics,
                "block_size": self.block_size, "activity": -1.0 if self.activity is None else self.activity,
                "threshold": float(self.threshold), "subject_seed": self.seed,
                "network_sha256": self.patterns_sha256}

    # ------------------------------------------------------------------ dynamics

    def field(self, s: torch.Tensor) -> torch.Tensor:
        """Local fields h (trials, N) of states s (trials, N)."""
        return self._field_of(s, None)

    def energy(self, s: torch.Tensor) -> torch.Tensor:
        """E = −½ sᵀ J s per trial (for ±1 states; the covariance rule uses s − a; no threshold term).

        Non-increasing under zero-temperature ``block_size=1`` sweeps with the Hebbian rule and
        ``threshold=0`` (see the class Notes); not a Lyapunov function of block or synchronous updates.
        """
        s = torch.as_tensor(s, device=self._device, dtype=torch.float32)
        u = s if self.activity is None else s - self.activity
        return -0.5 * ((u @ self.couplings) * u).sum(-1)

    def _field_of(self, s: torch.Tensor, block: torch.Tensor | None) -> torch.Tensor:
        u = s if self.activity is None else s - self.activity
        # J is symmetric, so the fields of a block are u J[B]ᵀ: whole rows, a cache-friendly gather
        h = u @ self.couplings if block is None else u @ self.couplings[block].T
        return h - self.threshold if self.threshold else h

    def _activate(self, h: torch.Tensor) -> torch.Tensor:
        binary01 = self.activity is not None
        if self.temperature == 0.0:
            return (h > 0).float() if binary01 else torch.where(h >= 0, 1.0, -1.0)
        bh = h / self.temperature
        if self.dynamics == "mean_field":
            m = torch.tanh(bh)
            return (1.0 + m) / 2.0 if binary01 else m
        u = torch.rand(h.shape, generator=self._gen).to(h.device)
        up = u < torch.sigmoid(2.0 * bh)  # (1 + tanh(βh))/2 = sigmoid(2βh)
        return up.float() if binary01 else torch.where(up, 1.0, -1.0)

    def _check(self, x: torch.Tensor, name: str) -> None:
        if x.ndim != 2 or x.shape[1] != self.n_units:
            msg = f"'{name}' must have shape (trials, {self.n_units}), got {tuple(x.shape)}."
            raise ValueError(msg)

    def __repr__(self) -> str:
        return (f"HopfieldNetwork(n_units={self.n_units}, n_patterns={self.n_patterns}, rule={self.rule!r}, "
                f"update={self.update!r}, temperature={self.temperature:g}, dynamics={self.dynamics!r}, "
                f"device={str(self._device)!r})")
