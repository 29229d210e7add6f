"""Interventions' cost: ``neurogen.run`` with and without lesions, a clamp and noise, in one process.

A Fig. 4-sized recording (21 noise levels × 500 trials × T = 80, latent only, Nz = 100, in memory)
is made by ``run`` alone and by ``run(..., interventions=[...])`` with a 30-unit lesion at per-unit
values, a 5-unit clamp during steps 10–30 and noise on 10 units (the issue's bound: within 10 %).
The two are alternated ``--repeats`` times and the best of each is reported, so that a busy machine
slows both alike. Prints trial-steps/s of each and their ratio.

    python benchmarks/interventions_throughput.py [--trials 500] [--levels 21] [--steps 80] [--repeats 3]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _common import machine, vae_step_flops
from neurogen import Network, NetworkConfig, Stimulus, run
from neurogen.data import Digits
from neurogen.interventions import Clamp, Lesion, Noise
from neurogen.stimulus import PixelSwap


def rate(net: Network, stim: Stimulus, steps: int, interventions: list) -> float:
    """Trial-steps/s of one in-memory recording."""
    t0 = time.perf_counter()
    run(net, stim, steps=steps, progress=False, interventions=interventions)
    return stim.n_trials * steps / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=500)
    ap.add_argument("--levels", type=int, default=21)
    ap.add_argument("--steps", type=int, default=80)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    images = (rng.random((a.trials, 784)) < 0.2).astype(np.float32)  # binary-ish digit-like images
    digits = Digits(images, rng.integers(0, 10, a.trials))
    net = Network(NetworkConfig(), seed=0).to(a.device)
    stim = Stimulus.from_dataset(digits, noise=PixelSwap(np.linspace(0, 1, a.levels)))
    units = rng.permutation(net.config.n_latent)
    items = [Lesion(units[:30], rng.normal(size=30)), Clamp(units[30:35], 1.0, times=(10, 30)),
             Noise(units[35:45], 0.1, seed=0)]
    flops = vae_step_flops()
    rate(net, Stimulus.from_dataset(digits.subset(np.arange(min(8, a.trials))), noise=0.2), 2, items)  # warm-up
    plain, with_iv = 0.0, 0.0
    for _ in range(a.repeats):
        plain = max(plain, rate(net, stim, a.steps, []))
        with_iv = max(with_iv, rate(net, stim, a.steps, items))
    print(f"machine: {machine()}; device {a.device}")
    print(f"recording: {stim.n_trials} trials × {a.steps} steps, latent only, in memory; best of {a.repeats}")
    print(f"run without interventions: {plain:,.0f} trial-steps/s ({plain * flops / 1e9:.0f} GFLOP/s)")
    print(f"run with {len(items)} interventions (30-unit lesion, 5-unit clamp, 10-unit noise): "
          f"{with_iv:,.0f} trial-steps/s ({with_iv * flops / 1e9:.0f} GFLOP/s)")
    print(f"ratio with/without: {with_iv / plain:.3f} (slowdown {1 - with_iv / plain:+.1%})")


if __name__ == "__main__":
    main()
