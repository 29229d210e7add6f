"""Tiny builders shared by the tests (plain functions and classes, no fixtures).

The fixtures built from them (``digits``, ``network``, ``recording``) live in ``tests/conftest.py``;
test modules import the builders they call: ``from builders import make_digits``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from neurogen import Digits, Network, NetworkConfig, Probe, Recording, Stimulus, run

N_LATENT = 4


def make_digits(n: int = 100, seed: int = 0, index_offset: int = 0) -> Digits:
    """``n`` random 784-pixel images in [0, 1] with labels 0–9 (each label ``n // 10`` times).

    ``index_offset`` shifts the original-split indices so that tests can tell positions from
    indices.
    """
    rng = np.random.default_rng(seed)
    images = rng.random((n, 784), dtype=np.float32)
    labels = rng.permutation(np.arange(n) % 10)
    return Digits(images, labels, index=np.arange(n) + index_offset, name="tiny-random")


def make_network(seed: int = 0) -> Network:
    """A tiny untrained VAE (Nz = 4, 16 hidden units)."""
    return Network(NetworkConfig(n_latent=N_LATENT, n_hidden=16), seed=seed)


def make_recording(steps: int = 4, signals: tuple[str, ...] = ("latent", "data"),
                   noise: Any = (0.1, 0.3), seed: int = 3, **probe: Any) -> Recording:
    """A small in-memory recording: labels 1 and 2, 2 images each, 2 repeats, 2 noise levels."""
    stim = Stimulus.from_dataset(make_digits(), label=[1, 2], n=2, noise=list(noise), repeats=2,
                                 seed=seed)
    return run(make_network(), stim, steps=steps, probe=Probe(signals, **probe), progress=False)


def part_files(folder: Path) -> list[Path]:
    """Temporary ``.part`` files left in ``folder``."""
    return sorted(p for p in Path(folder).iterdir() if p.name.endswith(".part"))


class LinearSubject:
    """A user-defined subject that is no ``Network``: z = x W, x' = sigmoid(z Wᵀ)."""

    def __init__(self, n_in: int = 784, n_out: int = 3, seed: int = 0) -> None:
        g = torch.Generator().manual_seed(seed)
        self.weight = torch.randn(n_in, n_out, generator=g) / np.sqrt(n_in)

    @property
    def device(self) -> torch.device:
        return torch.device("cpu")

    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return x @ self.weight

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(z @ self.weight.T)

    def describe(self) -> dict[str, Any]:
        return {"subject": "LinearSubject", "n_latent": self.weight.shape[1]}
