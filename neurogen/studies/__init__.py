"""The paper's figures as studies: each records, analyses, plots and returns what it measured.

Each study module (``fig1``, ``fig2``, ``fig3``, ``fig4``, ``figA1``, …) has
``study(profile="quick", out=".", device="auto") -> dict`` and a ``CAPTION`` (the paper's). The
scripts in the repository's ``studies/`` folder and ``neurogen study NAME`` call them;
:func:`neurogen.studies.report.replicate` runs them all and writes the claims report.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Any

from neurogen.studies._common import PROFILES, Profile, context, get_profile

__all__ = ["STUDIES", "run_study", "PROFILES", "Profile", "context", "get_profile", "main"]

#: Study name → module.
STUDIES = {"fig1": "fig1", "fig2": "fig2", "fig3": "fig3", "fig4": "fig4", "figA1": "figA1",
           "concept_formation": "concept_formation", "associative": "associative",
           "global_to_fine": "global_to_fine", "figB2": "figB2", "fig6": "fig6", "fig7": "fig7"}


def run_study(name: str, profile: str | Profile = "quick", out: str | os.PathLike = ".",
              device: str = "auto", **kwargs: Any) -> dict[str, Any]:
    """Run one study by name; return the numbers it measured."""
    if name not in STUDIES:
        msg = f"unknown study {name!r}; choose from {sorted(STUDIES)}."
        raise ValueError(msg)
    get_profile(profile)
    Path(out).mkdir(parents=True, exist_ok=True)
    module = importlib.import_module(f"neurogen.studies.{STUDIES[name]}")
    return module.study(profile, out, device, **kwargs)


def main(name: str, argv: list[str] | None = None) -> dict[str, Any]:
    """Command-line entry for the scripts in ``studies/``: ``--profile``, ``--out``, ``--device``."""
    import argparse
    import json

    ap = argparse.ArgumentParser(prog=f"studies/{name}", description=f"run study {name}")
    ap.add_argument("--profile", default="quick", choices=sorted(PROFILES))
    ap.add_argument("--out", default=f"out/{name}")
    ap.add_argument("--device", default="auto")
    a = ap.parse_args(argv)
    result = run_study(name, a.profile, a.out, a.device)
    print(json.dumps(result, indent=2, default=str))
    return result
