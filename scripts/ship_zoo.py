"""Install a finished ``neurogen train`` run as a subject of the shipped zoo.

    python scripts/ship_zoo.py build/zoo/nz5-seed0

Reads ``BUILD/network.pt`` (float32, as trained), stores its weights in float16 as
``neurogen/zoo/NAME.pt`` and writes ``neurogen/zoo/NAME.json``: the sha256 of the shipped file, the
training command, seed, versions, data sha256, the per-epoch log and times, the final train/test
ELBO, the test ELBO recomputed from the float32 and from the float16 weights, and the active units.
``scripts/train_zoo.sh`` calls it after each network; it is also the one rebuild command for a
subject whose ``build/`` folder exists.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from neurogen import analysis as na  # noqa: E402
from neurogen._files import atomic_path, sha256_file  # noqa: E402
from neurogen.concepts import ConceptHierarchy  # noqa: E402
from neurogen.data import load_mnist  # noqa: E402
from neurogen.network import Network  # noqa: E402


def training_log(net: Network, build_dir: Path) -> list[dict]:
    """The per-epoch log of a finished ``neurogen train`` run: from the network, else its ``last.pt``."""
    log = net.metadata.get("training", {}).get("log") or []
    last = build_dir / "network-checkpoints" / "last.pt"
    if not log and last.exists():
        log = json.loads(torch.load(last, map_location="cpu", weights_only=True)["log"])
    return log


def training_provenance(meta: dict) -> dict:
    """The training run's command, sizes, schedule, versions and data hash, from a network's metadata."""
    training = meta.get("training", {})
    keys = ("epochs", "batch_size", "schedule", "neurogen_version", "torch_version", "data", "data_sha256")
    return {"command": meta.get("command"), **{k: training.get(k) for k in keys}}


def main(build: str) -> dict:
    build_dir = Path(build)
    name = build_dir.name
    dest = ROOT / "neurogen" / "zoo"
    dest.mkdir(parents=True, exist_ok=True)
    net = Network.load(build_dir / "network.pt", device="cpu")
    train = load_mnist("train")
    test = load_mnist("test")
    meta = net.metadata
    training = meta.get("training", {})
    log = training_log(net, build_dir)
    elbo32 = net.mean_elbo(test, seed=0)
    active32 = int(na.active_units(ConceptHierarchy.from_network(net, train).memory,
                                   threshold=0.01).sum())
    half = Network.load(build_dir / "network.pt", device="cpu")
    half.half()
    out = dest / f"{name}.pt"
    half.save(out, stored_as="float16", zoo_name=name)
    shipped = Network.load(out, device="cpu")
    elbo16 = shipped.mean_elbo(test, seed=0)
    active16 = int(na.active_units(ConceptHierarchy.from_network(shipped, train).memory,
                                   threshold=0.01).sum())
    prov = {
        "name": name,
        "n_latent": net.config.n_latent,
        "seed": training.get("seed"),
        "sha256": sha256_file(out),
        "stored_as": "float16",
        **training_provenance(meta),
        "machine": training.get("machine"),
        "device": training.get("device"),
        "train_seconds_sum": float(sum(r["seconds"] for r in log)) if log else None,
        "wall_seconds_last_session": meta.get("wall_seconds"),
        "final_train_elbo": training.get("train_elbo"),
        "final_test_elbo": training.get("test_elbo"),
        "test_elbo_float32": elbo32,
        "test_elbo_float16": elbo16,
        "active_units_float32": active32,
        "active_units": active16,
        "log": log,
    }
    with atomic_path(dest / f"{name}.json") as tmp:
        Path(tmp).write_text(json.dumps(prov, indent=2, default=float))
    print(json.dumps({k: v for k, v in prov.items() if k != "log"}, indent=2, default=float))
    return prov


if __name__ == "__main__":
    main(sys.argv[1])
