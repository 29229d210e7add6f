"""Every tutorial runs top to bottom as a script (tiny sizes) and writes what it says it writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TUTORIALS = Path(__file__).resolve().parents[1] / "tutorials"
WRITES = {
    "01_first_recording.py": ["01_samples.png", "01_sixes.nc"],
    "02_concepts_and_distances.py": ["02_distances.png"],
    "03_noise_and_stages.py": ["03_stages.png"],
    "04_architecture.py": ["04_architecture.png"],
    "05_associative_memory.py": ["05_associative.png"],
    "06_your_own_subject.py": ["06_my_subject.nc"],
}


def test_every_tutorial_is_listed():
    """The table of expected outputs names exactly the tutorials on disk."""
    assert sorted(p.name for p in TUTORIALS.glob("[0-9][0-9]_*.py")) == sorted(WRITES)


@pytest.mark.parametrize("name", sorted(WRITES))
def test_tutorial_runs(name, tmp_path):
    """The tutorial exits 0 and writes its files."""
    env = {**os.environ, "NEUROGEN_TUTORIAL_SIZE": "tiny", "NEUROGEN_TUTORIAL_OUT": str(tmp_path),
           "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(TUTORIALS / name)], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    for f in WRITES[name]:
        assert (tmp_path / f).stat().st_size > 0, f"{name} did not write {f}"


@pytest.mark.parametrize("name", sorted(WRITES))
def test_tutorial_opens_with_what_you_learn(name):
    """Each tutorial's first cell says what the reader will learn and what they need."""
    text = (TUTORIALS / name).read_text()
    first = text.split("# %%\n", 2)[0] + text.split("\n# %%", 2)[1]
    assert "**You will learn**" in first and "**You need**" in first
