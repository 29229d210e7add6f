"""Faults in the data: a damaged or rewritten MNIST cache, and NaN data reaching training."""

from __future__ import annotations

import gzip
import hashlib
import pickle
from pathlib import Path

import numpy as np
import pytest

import neurogen.data as data_mod
from neurogen.data import DataError, Digits, load_mnist
from neurogen.network import Network, NetworkConfig
from neurogen.training import train


def _install_fake_mnist(tmp_path: Path, monkeypatch) -> Path:
    """A tiny verified 'embedded' MNIST (6 + 4 train, 3 test images); returns the cache path."""
    rng = np.random.default_rng(5)
    parts = tuple((rng.random((n, 784)).astype(np.float32), rng.integers(0, 10, n)) for n in (6, 4, 3))
    src = tmp_path / "mnist.pkl.gz"
    src.write_bytes(gzip.compress(pickle.dumps(parts)))
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    monkeypatch.setattr(data_mod, "MNIST_SHA256", digest)
    monkeypatch.setattr(data_mod, "_embedded_pickle", lambda: src)
    load_mnist("train")
    return data_mod.cache_dir() / f"mnist-{digest[:12]}.npz"


def test_every_flipped_byte_in_the_cache_is_caught(tmp_path, monkeypatch, neurogen_cache):
    """Flip one bit at 60 positions across the cached .npz: no load returns changed data (each
    either raises DataError or returns exactly the original arrays)."""
    cached = _install_fake_mnist(tmp_path, monkeypatch)
    ref = load_mnist("train")
    raw = cached.read_bytes()
    refused = 0
    for pos in np.linspace(0, len(raw) - 1, 60).astype(int):
        b = bytearray(raw)
        b[pos] ^= 0x04
        cached.write_bytes(bytes(b))
        try:
            got = load_mnist("train")
        except DataError as err:
            assert str(cached.name) in str(err)
            refused += 1
            continue
        np.testing.assert_array_equal(got.images, ref.images)
        np.testing.assert_array_equal(got.labels, ref.labels)
    assert refused >= 30, refused


def test_cache_without_record_and_without_pickle(tmp_path, monkeypatch, neurogen_cache):
    """An old cache (no hash record) when the verified pickle is gone: DataError saying how to
    get good data, not silent use of unverified arrays."""
    cached = _install_fake_mnist(tmp_path, monkeypatch)
    cached.with_suffix(".json").unlink()
    monkeypatch.setattr(data_mod, "_embedded_pickle", lambda: (_ for _ in ()).throw(DataError("not installed")))
    with pytest.raises(DataError, match="not installed"):
        load_mnist("train")


def test_one_nan_pixel_never_reaches_training(tiny_digits):
    """One NaN pixel is refused when the Digits is made, and again by train() if it sneaks in
    afterwards; no NaN weights are ever produced."""
    images = tiny_digits.images.copy()
    images[0, 0] = np.nan
    with pytest.raises(ValueError, match=r"'images' must be finite"):
        Digits(images, tiny_digits.labels)
    data = Digits(tiny_digits.images.copy(), tiny_digits.labels)
    data.images[0, 0] = np.nan
    net = Network(NetworkConfig(n_latent=4, n_hidden=16), seed=0)
    with pytest.raises(ValueError, match=r"'data\.images' must be finite"):
        train(net, data, 1, batch_size=50, device="cpu", progress=False)
    assert all(np.isfinite(v.numpy()).all() for v in net.state_dict().values())
