"""Install a finished ``neurogen train`` run as the shipped default subject.

    python scripts/ship_default.py build/default

Copies ``build/default/network.pt`` to ``neurogen/default/network.pt``, writes
``neurogen/default/provenance.json`` (command, seed, versions, data sha256, epochs, wall time,
machine, final train/test ELBO, active units, sha256 of the checkpoint) and stores the kept
development checkpoints of ``SHIPPED_EPOCHS`` in float16 under ``neurogen/default/development/``
for the concept-formation study's quick profile.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
#: Development epochs shipped in float16 (2 and 50 are kept in build/ only: all shipped weights stay
#: within 60 MB, and 1, 5, 10, 25, 100 still show when the approach and the stages appear).
SHIPPED_EPOCHS = (1, 5, 10, 25)
sys.path.insert(0, str(ROOT))

from neurogen import analysis as na  # noqa: E402
from neurogen._files import atomic_path, sha256_file  # noqa: E402
from neurogen.concepts import ConceptHierarchy  # noqa: E402
from neurogen.data import load_mnist  # noqa: E402
from neurogen.network import Network  # noqa: E402
from ship_zoo import training_log, training_provenance  # noqa: E402  (this folder)


def main(build: str, notes: str = "") -> None:
    build_dir = Path(build)
    dest = ROOT / "neurogen" / "default"
    dest.mkdir(parents=True, exist_ok=True)
    src = build_dir / "network.pt"
    net = Network.load(src, device="cpu")
    train = load_mnist("train")
    test = load_mnist("test")
    hier = ConceptHierarchy.from_network(net, train)
    active = int(na.active_units(hier.memory, threshold=0.01).sum())
    with atomic_path(dest / "network.pt") as tmp:
        shutil.copyfile(src, tmp)
    meta = net.metadata
    training = meta.get("training", {})
    log = training_log(net, build_dir)
    prov = {
        "sha256": sha256_file(dest / "network.pt"),
        **training_provenance(meta),
        "seed": training.get("seed"),
        "wall_seconds_last_session": meta.get("wall_seconds"),
        "train_seconds_sum": float(sum(r["seconds"] for r in log)) if log else None,
        "notes": notes,
        "machine": training.get("machine"),
        "final_train_elbo": training.get("train_elbo"),
        "final_test_elbo": training.get("test_elbo"),
        "test_elbo_recomputed": net.mean_elbo(test, seed=0),
        "active_units": active,
        "log": log,
    }
    dev_dir = dest / "development"
    dev_dir.mkdir(exist_ok=True)
    kept = []
    for ck in sorted((build_dir / "network-checkpoints").glob("epoch-*.pt")):
        epoch = int(ck.stem.split("-")[1])
        if epoch >= int(prov["epochs"] or 0) or epoch not in SHIPPED_EPOCHS:
            continue
        sub = Network.load(ck, device="cpu")
        sub.half()
        sub.save(dev_dir / ck.name, stored_as="float16", epoch=epoch)
        kept.append(epoch)
    prov["development_epochs"] = kept + [prov["epochs"]]
    with atomic_path(dest / "provenance.json") as tmp:
        Path(tmp).write_text(json.dumps(prov, indent=2, default=float))
    print(json.dumps({k: v for k, v in prov.items() if k != "log"}, indent=2, default=float))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "build/default", " ".join(sys.argv[2:]))
