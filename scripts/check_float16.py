"""Does a float16 shipped subject give the same verdicts as its float32 original?

    python scripts/check_float16.py build/zoo/nz100-seed1

Loads ``BUILD/network.pt`` (float32, as trained) and ``neurogen/zoo/NAME.pt`` (the shipped float16
copy), runs the fig2 and fig4 studies' measurements at quick sizes on each (one subject, the
default reading) and prints the dip outcomes per label, the stage boundaries and the verdicts side
by side, plus the test ELBO of both. Writes ``benchmarks/float16_NAME.json``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import attrs

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from neurogen._files import atomic_path  # noqa: E402
from neurogen.data import load_mnist  # noqa: E402
from neurogen.network import Network  # noqa: E402
from neurogen.studies import fig2, fig4  # noqa: E402
from neurogen.studies._common import PROFILES, context_for  # noqa: E402


def main(build: str) -> dict:
    name = Path(build).name
    train, test = load_mnist("train"), load_mnist("test")
    out: dict = {"subject": name}
    for kind, path in (("float32", Path(build) / "network.pt"), ("float16", ROOT / "neurogen" / "zoo" / f"{name}.pt")):
        t0 = time.perf_counter()
        net = Network.load(path, device="cpu")
        ctx = context_for(net, PROFILES["quick"], train, test)
        d2 = fig2.measure(ctx, attrs.evolve(fig2.SIZES["quick"], seeds=(0,)))
        d4 = fig4.measure(ctx, attrs.evolve(fig4.SIZES["quick"], seeds=(0,)))
        st = fig4.stages_of(d4, 0)
        out[kind] = {
            "test_elbo": net.mean_elbo(test, seed=0),
            "fig2_outcomes": [str(v) for v in d2["dip_outcome"].sel(seed=0).values],
            "fig2_verdict": fig2.claims(d2)[0].verdict,
            "fig4_numerals": [str(v) for v in st["numeral"].values],
            "fig4_boundaries": [float(b) for b in st["boundary"].values],
            "fig4_verdict": fig4.claims(d4)[0].verdict,
            "seconds": round(time.perf_counter() - t0, 1),
        }
        print(kind, json.dumps(out[kind]), flush=True)
    same = all(out["float32"][k] == out["float16"][k] for k in
               ("fig2_outcomes", "fig2_verdict", "fig4_numerals", "fig4_boundaries", "fig4_verdict"))
    out["same_verdicts_and_boundaries"] = same
    print("same verdicts, outcomes and stage boundaries:", same)
    path = ROOT / "benchmarks" / f"float16_{name}.json"
    with atomic_path(path) as tmp:
        Path(tmp).write_text(json.dumps(out, indent=2))
    return out


if __name__ == "__main__":
    main(sys.argv[1])
