"""Training throughput: neurogen.train against a pytorch/examples-style reference loop.

Both train the paper's architecture (Nz=100, 1024 tanh, L=2, batch 100) with the same loss (eq. 5)
in the same process, interleaved A/B, on the same images. Achieved GFLOP/s (3 × forward GEMM
FLOPs) is compared with the float32 matmul peak measured here.

    python benchmarks/train_throughput.py [--samples 12000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn
from torch.nn import functional as F
from torch.utils.data import DataLoader, TensorDataset

from _common import machine, matmul_peak, vae_train_flops
from neurogen import Network, NetworkConfig, train
from neurogen.data import Digits


class ReferenceVAE(nn.Module):
    """The VAE of pytorch/examples ``vae/main.py``, at the paper's sizes (tanh, L=2)."""

    def __init__(self, nz: int = 100, nh: int = 1024) -> None:
        super().__init__()
        self.fc1, self.fc21, self.fc22 = nn.Linear(784, nh), nn.Linear(nh, nz), nn.Linear(nh, nz)
        self.fc3, self.fc4 = nn.Linear(nz, nh), nn.Linear(nh, 784)

    def forward(self, x: torch.Tensor, L: int = 2) -> torch.Tensor:
        h = torch.tanh(self.fc1(x))
        mu, logvar = self.fc21(h), self.fc22(h)
        std = torch.exp(0.5 * logvar)
        rec = 0.0
        for _ in range(L):
            z = mu + std * torch.randn_like(std)
            rec = rec + F.binary_cross_entropy_with_logits(self.fc4(torch.tanh(self.fc3(z))), x, reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return rec / L + kld


def reference_epoch(model: ReferenceVAE, opt: torch.optim.Optimizer, x: torch.Tensor, y: torch.Tensor) -> float:
    loader = DataLoader(TensorDataset(x, y), batch_size=100, shuffle=True)
    model.train()
    t0 = time.perf_counter()
    for data, _ in loader:
        data = data.to("cpu")
        opt.zero_grad()
        loss = model(data) / len(data)
        loss.backward()
        opt.step()
    return len(x) / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=12000)
    ap.add_argument("--rounds", type=int, default=3)
    a = ap.parse_args()
    torch.manual_seed(0)
    x = torch.rand(a.samples, 784)
    y = torch.randint(0, 10, (a.samples,))
    digits = Digits(x.numpy(), y.numpy())
    ref = ReferenceVAE()
    ref_opt = torch.optim.Adam(ref.parameters(), lr=1e-4)
    net = Network(NetworkConfig(), seed=0)
    peak = matmul_peak()
    ours_rates, ref_rates = [], []
    reference_epoch(ref, ref_opt, x[:2000], y[:2000])  # warm-up both
    train(net, digits.subset(range(2000)), 1, progress=False, device="cpu")
    for r in range(a.rounds):
        ref_rates.append(reference_epoch(ref, ref_opt, x, y))
        log = train(net, digits, 1, seed=r, progress=False, device="cpu")
        ours_rates.append(a.samples / float(log.seconds[0]))
    flops = vae_train_flops()
    ours, refm = statistics.median(ours_rates), statistics.median(ref_rates)
    print(f"machine: {machine()}")
    print(f"matmul peak (2048², float32): {peak:.0f} GFLOP/s")
    print(f"reference loop: {refm:,.0f} samples/s ({refm * flops / 1e9:.0f} GFLOP/s, "
          f"{refm * flops / 1e9 / peak:.0%} of peak)  runs: {[round(v) for v in ref_rates]}")
    print(f"neurogen.train: {ours:,.0f} samples/s ({ours * flops / 1e9:.0f} GFLOP/s, "
          f"{ours * flops / 1e9 / peak:.0%} of peak)  runs: {[round(v) for v in ours_rates]}")
    print(f"ratio neurogen / reference: {ours / refm:.2f}×  (FLOPs per sample: {flops / 1e6:.1f} M)")
    print(f"epoch of 60,000 images at this rate: {60000 / ours:.1f} s")


if __name__ == "__main__":
    main()
