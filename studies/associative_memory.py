"""The associative-memory comparison: run it with `python studies/associative_memory.py --profile quick --out DIR`.

The experiment itself lives in `neurogen/studies/associative.py` (so that `neurogen study associative`
works from an installed package); read it there. Until ``"associative"`` is registered in
``neurogen.studies.STUDIES`` this script runs the module directly.
"""

from neurogen.studies import STUDIES, main

if __name__ == "__main__":
    if "associative" in STUDIES:
        main("associative")
    else:  # not registered yet: same command line, direct call
        import argparse
        import json
        from pathlib import Path

        from neurogen.studies.associative import study

        ap = argparse.ArgumentParser(prog="studies/associative_memory", description="run study associative")
        ap.add_argument("--profile", default="quick", choices=["tiny", "quick", "paper"])
        ap.add_argument("--out", default="out/associative")
        ap.add_argument("--device", default="auto")
        a = ap.parse_args()
        Path(a.out).mkdir(parents=True, exist_ok=True)
        print(json.dumps(study(a.profile, a.out, a.device), indent=2, default=str))
