"""Fixed and slow points of the shipped VAEs near their concepts (a quick measurement, not a test).

For each subject of the zoo: the concept hierarchy of the 60,000 training images; starts at the
10 concepts and the abstract concept, at the end states (t = 80) of repeated inference from
5 digits per label under 20 % pixel swap, and at the states reached by 1,000 steps of repeated
inference from each concept; the fixed/slow points found, their distances to the concepts,
spectral radius and unstable directions, and the time taken. Prints one table per
subject. ``python scripts/measure_fixed_points.py [--nz 2 10 ...] [--threads 1]``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import xarray as xr

import neurogen as ng
from neurogen import fixed_points as fp


def measure(net: ng.Network, digits: ng.Digits, *, per_label: int = 5, steps: int = 80,
            iterate: int = 1000) -> dict:
    t0 = time.perf_counter()
    hier = ng.ConceptHierarchy.from_network(net, digits)
    stim = ng.Stimulus.from_dataset(digits, label=list(range(10)), n=per_label, noise=0.2, seed=0)
    rec = ng.run(net, stim, steps=steps, progress=False)
    starts = fp.starts_from(hier, rec, times=[steps])
    F = fp.inference_map(net)
    with torch.no_grad():
        z = torch.as_tensor(hier.concept.values, dtype=torch.float32)
        for _ in range(iterate):
            z = F(z)
    iterated = xr.DataArray(z.numpy(), dims=("start", "unit"), coords={
        "unit": starts["unit"].values, "origin": ("start", np.full(len(z), "iterated")),
        "origin_index": ("start", hier.concept["label"].values),
        "origin_time": ("start", np.full(len(z), iterate))})
    starts = xr.concat([starts, iterated], dim="start")
    t1 = time.perf_counter()
    pts = fp.find_fixed_points(net, starts, hierarchy=hier, progress=False)
    t2 = time.perf_counter()
    spec = fp.jacobian_spectrum(net, pts, progress=False)
    t3 = time.perf_counter()
    pts = pts.merge(spec[["spectral_radius", "n_unstable"]])
    return {"hier": hier, "pts": pts, "t_setup": t1 - t0, "t_find": t2 - t1, "t_spec": t3 - t2,
            "n_starts": starts.sizes["start"], "origins": starts["origin"].values,
            "labels": starts["origin_index"].values}


def report(nz: int, seed: int, m: dict) -> None:
    pts, hier = m["pts"], m["hier"]
    spread = pts.attrs["spread"]
    print(f"\n== Nz={nz} seed={seed}: {m['n_starts']} starts -> {pts.sizes['point']} points "
          f"({pts.attrs['n_fixed']} fixed, {pts.attrs['n_slow']} slow, {pts.attrs['n_unconverged']} unconverged "
          f"starts); spread (median memory-concept distance) {spread:.3f}; "
          f"setup {m['t_setup']:.1f}s, find {m['t_find']:.1f}s, spectra {m['t_spec']:.1f}s")
    z, con = pts["z"].values.astype(np.float64), hier.concept.values.astype(np.float64)
    d = np.linalg.norm(z[:, None] - con[None], axis=-1)  # (point, label)
    print(" label | nearest fixed: dist (/spread) rho unst | nearest slow: dist (/spread) q rho unst"
          " | reached from the concept: kind dist q rho unst | from 1000 steps of inference from it")
    for lab in range(con.shape[0]):
        row = [f"{lab:6d}"]
        for kind in ("fixed", "slow"):
            sel = np.flatnonzero(pts["kind"].values == kind)
            if not len(sel):
                row.append("  none" + " " * 26)
                continue
            i = sel[d[sel, lab].argmin()]
            extra = f" q={pts['q'].values[i]:.1e}" if kind == "slow" else ""
            row.append(f" {d[i, lab]:6.3f} ({d[i, lab] / spread:4.2f}){extra}"
                       f" rho={pts['spectral_radius'].values[i]:.3f} unst={int(pts['n_unstable'].values[i])}")
        for origin in ("concept", "iterated"):
            own = np.flatnonzero((m["origins"] == origin) & (m["labels"] == lab))[0]
            i = int(pts["point_of_start"].values[own])
            row.append(f" {pts['kind'].values[i]} {d[i, lab]:.3f} q={pts['q'].values[i]:.1e}"
                       f" rho={pts['spectral_radius'].values[i]:.3f} unst={int(pts['n_unstable'].values[i])}")
        print(" |".join(row))
    cats = {c: int((pts["category"].values == c).sum()) for c in np.unique(pts["category"].values)}
    print(" categories of the points:", cats)
    for kind in ("fixed", "slow"):
        sel = pts["kind"].values == kind
        if sel.any():
            r = pts["spectral_radius"].values[sel]
            print(f" {kind}: spectral radius median {np.median(r):.3f} [{r.min():.3f}, {r.max():.3f}], "
                  f"stable (rho<1): {int((r < 1).sum())}/{int(sel.sum())}, unstable directions median "
                  f"{np.median(pts['n_unstable'].values[sel]):.0f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nz", type=int, nargs="*", default=[2, 5, 10, 20, 100])
    ap.add_argument("--seeds", type=int, nargs="*", default=[0])
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    digits = ng.load_mnist("train")
    for nz in args.nz:
        for seed in args.seeds:
            report(nz, seed, measure(ng.Network.default(n_latent=nz, seed=seed), digits))


if __name__ == "__main__":
    main()
