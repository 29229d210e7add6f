"""Oversized requests are refused before anything is allocated: noise grids, trials, steps,
memory budgets, recordings larger than memory or disk."""

from __future__ import annotations

import numpy as np
import pytest

import neurogen._checks as checks
from neurogen._checks import MAX_STEPS, MAX_TRIALS, check_request
from neurogen.stimulus import PixelSwap, Stimulus, noise_grid

WIDTHS = {"latent": 100}


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [({"steps": 10**9}, ValueError, r"'steps' is 1,000,000,000, more than the limit of 100,000; pass force=True"),
     ({"n_trials": 2_000_002}, ValueError, r"has 2,000,002 trials, more than the limit of 1,000,000"),
     ({"memory_budget": -1}, ValueError, r"^'memory_budget' must be >= 1: -1$"),
     ({"memory_budget": 0}, ValueError, r"^'memory_budget' must be >= 1: 0$"),
     ({"memory_budget": 1.5}, TypeError, r"^'memory_budget' must be an int, got float 1\.5\.$"),
     ({"steps": -1}, ValueError, r"^'steps' must be >= 0: -1$"),
     ({"every": 0}, ValueError, r"^'every' must be >= 1: 0$"),
     ({"dtype": "float64"}, ValueError, r"^'dtype' must be one of 'float32', 'float16': 'float64'$"),
     ({"n_trials": 0}, ValueError, r"^'n_trials' must be >= 1: 0$")],
    ids=["steps-1e9", "trials-2e6", "budget-minus-1", "budget-0", "budget-float", "steps-negative",
         "every-0", "dtype", "no-trials"],
)
def test_bad_requests_are_refused(kwargs, error, match):
    """Each oversized or invalid request is refused with a message naming it."""
    args = {"n_trials": 10, "steps": 80, "widths": WIDTHS, **kwargs}
    with pytest.raises(error, match=match):
        check_request(args.pop("n_trials"), args.pop("steps"), args.pop("widths"), **args)


def test_force_lifts_documented_limits_but_not_memory(monkeypatch):
    """force=True allows steps=10**6; a recording kept in memory that exceeds the available memory
    is refused even with force, naming both sizes and the way out (out=)."""
    est = check_request(10, 10**6, WIDTHS, force=True, out="x.nc")
    assert est["times"] == 10**6 + 1
    monkeypatch.setattr(checks, "available_memory", lambda: 2**30)
    with pytest.raises(ValueError, match=r"needs 38\.2 GB of memory \(100,000 trials × 1,025 time points\); "
                                         r"this machine has 1\.0 GB available \(.*pass out="):
        check_request(100_000, 1024, WIDTHS, force=True)


def test_estimates_are_exact():
    """The estimate counts recorded time points (every k-th and the last) and bytes per value."""
    est = check_request(300, 80, {"latent": 100, "data": 784}, "float16", every=3)
    assert est["times"] == len(range(0, 81, 3)) + 1  # 0, 3, ..., 78, and 80
    assert est["bytes"] == 300 * est["times"] * 884 * 2
    assert est["memory"] == est["bytes"] and est["disk"] == 0


def test_disk_estimate_refuses_when_uncompressed_output_cannot_fit(tmp_path, monkeypatch):
    """An uncompressed recording larger than the free disk is refused before any work."""
    import shutil
    from collections import namedtuple

    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: usage(10**9, 10**9 - 10**6, 10**6))
    with pytest.raises(ValueError, match=r"out\.nc: this recording needs .* on disk \(uncompressed\); .* has 976\.6 KB free"):
        check_request(1000, 80, WIDTHS, out=tmp_path / "out.nc", complevel=0)
    assert check_request(10, 1, {"latent": 2}, out=tmp_path / "out.nc", complevel=0)["disk"] == 10 * 2 * 2 * 4


def test_available_memory_is_positive():
    """available_memory reads the machine (MemAvailable, cgroup limit)."""
    assert 2**20 < checks.available_memory()


def test_noise_grid_of_a_billion_levels_is_refused_at_once():
    """0:1:1e-9 (22 GB before) is refused in microseconds; 0:1:1e-6 (2,000,002 trials for two
    images) too, unless forced."""
    import time

    t0 = time.perf_counter()
    with pytest.raises(ValueError, match="1,000,000,001 levels"):
        noise_grid(0, 1, 1e-9)
    with pytest.raises(ValueError, match="1,000,001 levels"):
        noise_grid(0, 1, 1e-6)
    assert time.perf_counter() - t0 < 0.1


def test_stimulus_of_two_million_trials_is_refused():
    """A stimulus of 2 images × 1,000,001 noise levels is refused naming its size."""
    noise = PixelSwap(np.linspace(0, 1, 1_000_001))
    with pytest.raises(ValueError, match=r"2,000,002 trials \(1,000,001 noise levels × 2 images × 1 repeats\)"):
        Stimulus(np.zeros((2, 784), np.float32), [0, 1], [0, 1], noise=noise)
    assert MAX_TRIALS == 1_000_000 and MAX_STEPS == 100_000
