"""scripts/claims_table.py: a report's results.json as Markdown (docs/claims.md), every row copied from the run."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("claims_table", ROOT / "scripts" / "claims_table.py")
claims_table = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(claims_table)

RESULTS = {
    "studies": {"fig2": {"seconds": 1.0, "files": ["fig2.nc"]}, "fig3": {"error": "RuntimeError: boom"}},
    "claims": [
        {"study": "fig2", "claim": "approach | first", "paper": "10 of 10", "measured": "seed 0: 9 of 10",
         "verdict": "does not hold", "fragile": "fragile", "robustness": "bootstrap: 150 of 200 agree",
         "subjects": "seed 0: holds in 0 of 1", "reading": "invert", "rule": "z > 1.645"},
        {"study": "fig3", "claim": "the study's claims", "paper": "—", "measured": "— (RuntimeError: boom)",
         "verdict": "not measured", "fragile": "", "robustness": "", "subjects": "", "reading": "—", "rule": ""},
    ],
    "provenance": {"command": "neurogen replicate --profile quick --out .", "profile": "profile 'quick': ...",
                   "created": "2026-12-07T00:00:00+00:00", "neurogen": "0.2.0", "total time (s)": 12.5},
}


def test_write_page_names_its_run(tmp_path, capsys):
    """--write puts a header naming the run (command, date, version) above a summary and every claim."""
    src = tmp_path / "results.json"
    src.write_text(json.dumps(RESULTS))
    out = tmp_path / "docs" / "claims.md"
    assert claims_table.main([str(src), "--write", str(out)]) == 0
    text = out.read_text()
    assert "neurogen replicate --profile quick --out ." in text and "2026-12-07T00:00:00+00:00" in text
    assert f"--write {out}" in text and "| claims | 2 |" in text
    assert "| failed studies | fig3: RuntimeError: boom |" in text
    assert "approach \\| first" in text  # pipes escaped
    assert "| fig2 | 1 | 0 | 0 | 1 | 0 | 1 |" in text  # by study: one fails, one fragile
    rows = [r for r in text.splitlines() if r.startswith("| fig")]
    assert len(rows) == 2 + 2  # two summary rows, two claims
    assert "wrote" in capsys.readouterr().out


def test_table_to_stdout_and_bad_input(tmp_path, capsys):
    """Without --write the table goes to stdout; a file that is not a results.json is exit 2, one line."""
    src = tmp_path / "results.json"
    src.write_text(json.dumps(RESULTS))
    assert claims_table.main([str(src)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("| study | claim | paper | measured | verdict | fragile | robustness |") and len(out) == 4
    (tmp_path / "bad.json").write_text("{}")
    assert claims_table.main([str(tmp_path / "bad.json")]) == 2
    assert "not a report's results.json" in capsys.readouterr().err
