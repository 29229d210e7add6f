"""Shared fixtures for the neurogen test suite: tiny data, a tiny network, an isolated cache.

Everything here is small on purpose (200 training images, 100 test images, a VAE with Nz = 4 and
16 hidden units) so that the suite runs in seconds on a busy two-core machine.

Fixtures
--------
idx_dir           session-wide folder with the four IDX files (200 train / 100 test); read only.
tiny_digits       the same 200 training images as a :class:`~neurogen.data.Digits` (float32).
tiny_test_digits  the same 100 test images as a :class:`~neurogen.data.Digits`.
tiny_network      a fresh untrained ``Network(NetworkConfig(n_latent=4, n_hidden=16), seed=0)``.
neurogen_cache    an empty cache folder, set as ``NEUROGEN_CACHE`` for the test.
torch_one_thread  runs torch single-threaded for a module (tiny GEMMs; thread pools only cost).
digits_pair       (train, test) synthetic digits for the studies, with a module-private cache.
local_cluster     a dask.distributed LocalCluster's Client for a module's sweeps.
check_study_files checks a study's figure (PNG, PDF) and netCDF data files.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch
import xarray as xr
from hypothesis import HealthCheck, settings

from neurogen.data import Digits, write_idx
from neurogen.network import Network, NetworkConfig

import builders  # noqa: E402  (tests/ is on sys.path: pytest's rootdir conftest)

# No deadlines: timings on a shared machine are noisy (example counts are set per test).
# HYPOTHESIS_PROFILE=<name> picks another profile.
settings.register_profile(
    "neurogen", deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("neurogen-thorough", parent=settings.get_profile("neurogen"),
                          max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "neurogen"))

N_TRAIN = 200
N_TEST = 100
TINY_CONFIG = NetworkConfig(n_latent=4, n_hidden=16)


def make_uint8_digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` digit-like uint8 images ``(n, 28, 28)`` and int64 labels 0–9 (``n // 10`` each).

    Each label has its own random sparse prototype; an image is its prototype with 5 % of the
    pixels flipped and grey levels jittered, so the images have learnable structure (a VAE's
    ELBO improves on them within a few epochs) and use the whole 0..255 range.
    """
    rng = np.random.default_rng(seed)
    protos = np.random.default_rng(1234).random((10, 784)) < 0.2  # same prototypes for all splits
    labels = rng.permutation(np.arange(n) % 10).astype(np.int64)
    on = protos[labels] ^ (rng.random((n, 784)) < 0.05)
    grey = np.where(on, rng.integers(160, 256, (n, 784)), rng.integers(0, 60, (n, 784)))
    return grey.astype(np.uint8).reshape(n, 28, 28), labels


@pytest.fixture(scope="session")
def idx_arrays() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """The raw uint8 images and labels behind :func:`idx_dir`, by split."""
    return {"train": make_uint8_digits(N_TRAIN, seed=1), "test": make_uint8_digits(N_TEST, seed=2)}


@pytest.fixture(scope="session")
def idx_dir(tmp_path_factory: pytest.TempPathFactory, idx_arrays) -> Path:
    """A folder with the four standard (uncompressed) IDX files: 200 train, 100 test images.

    Shared by the whole session: copy it before changing anything in it.
    """
    folder = tmp_path_factory.mktemp("idx")
    for split, (images, labels) in idx_arrays.items():
        write_idx(folder, split, images, labels)
    return folder


def _as_digits(images: np.ndarray, labels: np.ndarray, name: str) -> Digits:
    x = images.reshape(len(images), 784).astype(np.float32) / np.float32(255.0)
    return Digits(x, labels, name=name)


@pytest.fixture(scope="session")
def tiny_digits(idx_arrays) -> Digits:
    """200 digit-like training images (float32 in [0, 1]), labels 0–9, 20 of each."""
    return _as_digits(*idx_arrays["train"], name="tiny-train")


@pytest.fixture(scope="session")
def tiny_test_digits(idx_arrays) -> Digits:
    """100 digit-like test images (float32 in [0, 1]), labels 0–9, 10 of each."""
    return _as_digits(*idx_arrays["test"], name="tiny-test")


@pytest.fixture
def tiny_network() -> Network:
    """A fresh, untrained VAE with Nz = 4 and 16 hidden units (seed 0); safe to train or change."""
    return Network(TINY_CONFIG, seed=0)


@pytest.fixture
def neurogen_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty folder used as ``NEUROGEN_CACHE`` for this test only."""
    cache = tmp_path / "cache"
    cache.mkdir()
    monkeypatch.setenv("NEUROGEN_CACHE", str(cache))
    return cache


@pytest.fixture(scope="module")
def torch_one_thread():
    """Run torch single-threaded for the module using it, then restore the thread count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def digits_pair(tmp_path_factory):
    """Synthetic digits for the studies: ten binary prototypes with 5 % of pixels flipped (600
    training images, the first 100 as test images), with a private ``NEUROGEN_CACHE`` for the module."""
    cache = tmp_path_factory.mktemp("cache")
    old = os.environ.get("NEUROGEN_CACHE")
    os.environ["NEUROGEN_CACHE"] = str(cache)
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(10), 60)
    protos = rng.random((10, 784)) < 0.25
    images = (protos[labels] ^ (rng.random((600, 784)) < 0.05)).astype(np.float32)
    yield Digits(images, labels, name="synthetic"), Digits(images[:100], labels[:100], name="synthetic-test")
    if old is None:
        os.environ.pop("NEUROGEN_CACHE", None)
    else:
        os.environ["NEUROGEN_CACHE"] = old


@pytest.fixture(scope="module")
def local_cluster():
    """A real dask.distributed LocalCluster (2 worker processes, 1 thread each) and its Client, for
    the module's sweeps; a worker that dies is replaced and its task rerun (allowed-failures 2)."""
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.scheduler.allowed-failures": 2}):
        cluster = LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                               dashboard_address=":0", silence_logs=50)
    c = Client(cluster)
    yield c
    c.close()
    cluster.close()


def _check_study_files(result: dict, out: Path, name: str) -> None:
    for ext in ("png", "pdf"):
        assert (out / f"{name}.{ext}").stat().st_size > 1000
    ncs = [f for f in result["files"] if f.endswith(".nc")]
    assert ncs
    for f in ncs:
        with xr.open_dataset(f) as ds:
            assert len(ds.data_vars) > 0
            assert ds.attrs["neurogen_format"].startswith("neurogen-")


@pytest.fixture
def check_study_files():
    """``check(result, out, name)``: the study wrote ``name``.png/.pdf and readable neurogen netCDF files."""
    return _check_study_files


# ----------------------------------------------------------- experiment fixtures (tests/builders.py)

@pytest.fixture(scope="module")
def digits() -> Digits:
    """100 random digits, labels 0–9, original indices 0..99."""
    return builders.make_digits()


@pytest.fixture(scope="module")
def network() -> Network:
    """The tiny VAE (do not train or move it in a test)."""
    return builders.make_network()


@pytest.fixture(scope="module")
def recording() -> "builders.Recording":
    """A small in-memory recording with latent and data, 5 time points."""
    return builders.make_recording()
