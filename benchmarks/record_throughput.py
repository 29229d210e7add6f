"""Recording throughput: ``neurogen.run`` (batched, streaming to netCDF4) against a per-trial loop.

A Fig. 4-sized recording (21 noise levels × 500 trials × T = 80, latent only, Nz = 100) is made by
``run(..., out=file)``; a straightforward per-trial Python loop (the way a user first writes it)
does the same steps on a subset of trials, in the same process. Reports trial-steps/s, achieved
GFLOP/s against the float32 matmul peak measured here, and peak memory (RSS).

    python benchmarks/record_throughput.py [--trials 500] [--levels 21] [--steps 80] [--big]

``--big`` also records latent + data for 5,000 trials × 80 steps, streamed to disk.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time

import numpy as np
import torch

from _common import machine, matmul_peak, vae_step_flops
from neurogen import Network, NetworkConfig, Probe, Stimulus, run
from neurogen.data import Digits
from neurogen.stimulus import PixelSwap


def per_trial_loop(net: Network, stim: Stimulus, steps: int, n: int) -> float:
    """Trial-steps/s of the loop a user would first write: one trial at a time, one step at a time."""
    out = np.empty((n, steps + 1, net.config.n_latent), dtype=np.float32)
    t0 = time.perf_counter()
    with torch.no_grad():
        for i in range(n):
            x = torch.as_tensor(stim.inputs(i, i + 1))
            for t in range(steps + 1):
                z = net.encode(x)
                out[i, t] = z[0].numpy()
                if t < steps:
                    x = net.decode(z)
    return n * steps / (time.perf_counter() - t0)


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=500)
    ap.add_argument("--levels", type=int, default=21)
    ap.add_argument("--steps", type=int, default=80)
    ap.add_argument("--loop-trials", type=int, default=200)
    ap.add_argument("--big", action="store_true")
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    images = (rng.random((a.trials, 784)) < 0.2).astype(np.float32)  # binary-ish digit-like images
    digits = Digits(images, rng.integers(0, 10, a.trials))
    net = Network(NetworkConfig(), seed=0)
    p = np.linspace(0, 1, a.levels)
    stim = Stimulus.from_dataset(digits, noise=PixelSwap(p))
    peak = matmul_peak()
    flops = vae_step_flops()
    loop_rate = per_trial_loop(net, stim, a.steps, a.loop_trials)
    rss0 = rss_mb()
    print(f"machine: {machine()}")
    print(f"matmul peak (2048², float32): {peak:.0f} GFLOP/s")
    print(f"per-trial loop: {loop_rate:,.0f} trial-steps/s ({loop_rate * flops / 1e9:.0f} GFLOP/s)")
    with tempfile.TemporaryDirectory() as tmp:
        for complevel in (1, 0):  # 1 is run()'s default
            path = os.path.join(tmp, f"fig4-{complevel}.nc")
            t0 = time.perf_counter()
            rec = run(net, stim, steps=a.steps, out=path, complevel=complevel, progress=False)
            wall = time.perf_counter() - t0
            size = os.path.getsize(path) / 1e6
            values_mb = rec.latent.size * 4 / 1e6
            rate = stim.n_trials * a.steps / wall
            print(f"run(complevel={complevel}): {stim.n_trials} trials × {a.steps} steps in {wall:.1f} s = "
                  f"{rate:,.0f} trial-steps/s ({rate * flops / 1e9:.0f} GFLOP/s, {rate * flops / 1e9 / peak:.0%} "
                  f"of peak), streamed to netCDF4 ({size:.0f} MB on disk, {values_mb:.0f} MB of values); "
                  f"{rate / loop_rate:.1f}× the per-trial loop")
            rec.close()
        print(f"peak RSS: {rss_mb():.0f} MB (before the runs: {rss0:.0f} MB; recorded values {values_mb:.0f} MB)")
        if a.big:
            big = Stimulus.from_dataset(digits, noise=PixelSwap([0.2]), repeats=max(1, 5000 // a.trials))
            t0 = time.perf_counter()
            rec = run(net, big, steps=a.steps, probe=Probe(["latent", "data"]), out=os.path.join(tmp, "big.nc"),
                      progress=False)
            wall = time.perf_counter() - t0
            gb = (rec.latent.size + rec.data.size) * 4 / 1e9
            print(f"big: {big.n_trials} trials × {a.steps} steps, latent + data ({gb:.2f} GB of values) "
                  f"in {wall:.1f} s; peak RSS {rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
