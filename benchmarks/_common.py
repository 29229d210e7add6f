"""Shared measurement helpers for the benchmarks: the machine's float32 matmul peak and FLOP counts."""

from __future__ import annotations

import os
import platform
import time

import torch

__all__ = ["matmul_peak", "machine", "vae_train_flops", "vae_step_flops"]


def matmul_peak(n: int = 2048, repeats: int = 10) -> float:
    """Best float32 GFLOP/s of an n×n @ n×n matmul over ``repeats`` runs (after a warm-up)."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    for _ in range(2):
        a @ b
    best = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        a @ b
        best = max(best, 2 * n**3 / (time.perf_counter() - t0) / 1e9)
    return best


def machine() -> str:
    """One line naming the machine, threads and torch build."""
    cpu = ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    except OSError:
        pass
    return (f"{platform.machine()} {cpu}, {os.cpu_count()} cores, torch {torch.__version__}, "
            f"{torch.get_num_threads()} threads")


def vae_train_flops(n_visible: int = 784, n_hidden: int = 1024, n_latent: int = 100, n_samples: int = 2) -> float:
    """FLOPs per training sample, counted as 3 × forward (2 FLOPs a multiply-add) over the GEMMs."""
    fwd_macs = n_visible * n_hidden + n_hidden * 2 * n_latent + n_samples * (n_latent * n_hidden + n_hidden * n_visible)
    return 3 * 2 * fwd_macs


def vae_step_flops(n_visible: int = 784, n_hidden: int = 1024, n_latent: int = 100) -> float:
    """FLOPs per trial and step of repeated inference: encoder to μ, then decoder."""
    return 2 * (n_visible * n_hidden + n_hidden * n_latent + n_latent * n_hidden + n_hidden * n_visible)
