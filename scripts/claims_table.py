"""Print a report's claims table as Markdown (for README), from its ``results.json``.

    python scripts/claims_table.py report/results.json > claims.md

Every row is copied from the run: study, claim, paper, measured, verdict, fragile, subjects, reading.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def cell(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def main(path: str) -> str:
    results = json.loads(Path(path).read_text())
    rows = ["| study | claim | paper | measured | verdict | fragile | subjects | reading |",
            "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for c in results["claims"]:
        rows.append("| " + " | ".join(cell(c.get(k, "")) for k in ("study", "claim", "paper", "measured", "verdict",
                                                                   "fragile", "subjects", "reading")) + " |")
    prov = results["provenance"]
    rows.append("")
    rows.append(f"Total time {prov['total time (s)']} s; study times (s): {json.dumps(prov['study times (s)'])}")
    return "\n".join(rows)


if __name__ == "__main__":
    print(main(sys.argv[1]))
