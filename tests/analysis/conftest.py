"""Shared settings and builders for the neurogen.analysis tests."""

from __future__ import annotations

import os

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, settings

# Modest, deadline-free settings so that the analysis suite runs in well under a minute
# on a shared machine. Choose another registered profile with HYPOTHESIS_PROFILE=<name>.
# The profile is process-wide once loaded, so it keeps the root profile's health-check
# suppressions (tests elsewhere use function-scoped fixtures with @given).
settings.register_profile(
    "neurogen-analysis",
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
    print_blob=True,
)
# Opt-in, for hunting bugs: HYPOTHESIS_PROFILE=neurogen-analysis-thorough (a few minutes).
settings.register_profile("neurogen-analysis-thorough", parent=settings.get_profile("neurogen-analysis"), max_examples=400)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "neurogen-analysis"))


def make_latent(n_trials: int = 4, n_times: int = 5, n_units: int = 3, seed: int = 0) -> xr.DataArray:
    """A small recorded latent (trial, time, unit) with label/source/noise coords."""
    rng = np.random.default_rng(seed)
    return xr.DataArray(
        rng.normal(size=(n_trials, n_times, n_units)).astype(np.float32),
        dims=("trial", "time", "unit"),
        coords={
            "time": np.arange(n_times),
            "unit": np.arange(n_units),
            "label": ("trial", np.arange(n_trials, dtype=np.int64) % 2),
            "source": ("trial", np.arange(n_trials, dtype=np.int64) + 100),
            "noise": ("trial", np.repeat([0.1, 0.3], (n_trials + 1) // 2)[:n_trials]),
        },
        name="latent",
    )


def make_hierarchy(n_units: int = 3, seed: int = 1) -> xr.Dataset:
    """Memories of sources 100..103 (label = source % 2, stored out of order), concepts, abstract."""
    rng = np.random.default_rng(seed)
    memory = rng.normal(size=(4, n_units))
    samples = np.array([103, 101, 100, 102])
    labels = samples % 2
    concept = np.stack([memory[labels == k].mean(0) for k in (0, 1)])
    return xr.Dataset(
        {
            "memory": (("sample", "unit"), memory),
            "concept": (("label", "unit"), concept),
            "abstract": (("unit",), concept.mean(0)),
        },
        coords={"sample": samples, "label": [0, 1], "sample_label": ("sample", labels)},
    )


@pytest.fixture
def latent() -> xr.DataArray:
    return make_latent()


@pytest.fixture
def hier() -> xr.Dataset:
    return make_hierarchy()
