"""Every tutorial runs top to bottom as a script (tiny sizes), writes what it says it writes and
says where; none calls ``matplotlib.use``; and one runs as a Jupyter notebook showing its figures."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TUTORIALS = ROOT / "tutorials"
WRITES = {
    "01_first_recording.py": ["01_samples.png", "01_sixes.nc"],
    "02_concepts_and_distances.py": ["02_distances.png"],
    "03_noise_and_stages.py": ["03_stages.png"],
    "04_architecture.py": ["04_architecture.png"],
    "05_associative_memory.py": ["05_associative.png"],
    "06_your_own_subject.py": ["06_my_subject.nc"],
    "07_silence_the_concept_units.py": ["07_lesions.png", "07_clamped.nc"],
    "08_recording_as_nwb.py": ["08_sixes.nwb", "08_tuning.png", "08_sixes.nc"],
    "09_opening_the_black_box.py": ["09_speed.png", "09_points.nc"],
}


def test_every_tutorial_is_listed():
    """The table of expected outputs names exactly the tutorials on disk."""
    assert sorted(p.name for p in TUTORIALS.glob("[0-9][0-9]_*.py")) == sorted(WRITES)


@pytest.mark.parametrize("name", sorted(WRITES))
def test_tutorial_runs(name, tmp_path):
    """The tutorial exits 0, writes its files and raises no warning from its own lines."""
    env = {**os.environ, "NEUROGEN_TUTORIAL_SIZE": "tiny", "NEUROGEN_TUTORIAL_OUT": str(tmp_path),
           "MPLBACKEND": "Agg"}
    proc = subprocess.run([sys.executable, str(TUTORIALS / name)], env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    own = re.findall(rf"{re.escape(name)}:\d+: \w*Warning.*", proc.stderr)
    assert not own, f"{name} warns from its own code: {own}"
    for f in WRITES[name]:
        assert (tmp_path / f).stat().st_size > 0, f"{name} did not write {f}"
        assert re.search(rf"^wrote .*{re.escape(str(tmp_path / f))}", proc.stdout, re.M), \
            f"{name} does not say where it wrote {f}"


def test_architecture_tutorial_prints_the_lesson_its_numbers_give(tmp_path):
    """Tutorial 04's printed lesson follows from the numbers it printed before (issue 28)."""
    env = {**os.environ, "NEUROGEN_TUTORIAL_SIZE": "tiny", "NEUROGEN_TUTORIAL_OUT": str(tmp_path), "MPLBACKEND": "Agg"}
    out = subprocess.run([sys.executable, str(TUTORIALS / "04_architecture.py")], env=env, capture_output=True,
                         text=True, timeout=300).stdout
    rows = re.findall(r"^Nz=(\d+): .*mean \|off-diagonal cos\| ([\d.]+), dip: (True|False)$", out, re.M)
    lesson = next(line for line in out.splitlines() if line.startswith("lesson:"))
    offs = [float(o) for _, o, _ in rows]
    assert ("falls" if all(a > b for a, b in zip(offs, offs[1:])) else "does not fall steadily") in lesson
    for nz, off, _ in rows:
        assert f"Nz={nz}: {off}" in lesson
    dips = [d == "True" for *_, d in rows]
    if not any(dips):
        assert "no Nz shows the dip" in lesson
    elif all(dips):
        assert "the dip is there at every Nz" in lesson


@pytest.mark.parametrize("name", sorted(WRITES))
def test_tutorial_opens_with_what_you_learn(name):
    """Each tutorial's first cell says what the reader will learn and what they need."""
    text = (TUTORIALS / name).read_text()
    first = text.split("# %%\n", 2)[0] + text.split("\n# %%", 2)[1]
    assert "**You will learn**" in first and "**You need**" in first


def test_no_matplotlib_use_anywhere():
    """No tutorial, library module or study script picks a matplotlib backend: in a notebook the
    figures show, and a script without a display gets a non-interactive backend by itself."""
    files = [*TUTORIALS.glob("*.py"), *(ROOT / "neurogen").rglob("*.py"), *(ROOT / "studies").glob("*.py")]
    assert len(files) > 20
    offenders = [str(f.relative_to(ROOT)) for f in files if re.search(r"\b(matplotlib|mpl)\.use\(", f.read_text())]
    assert offenders == []


@pytest.mark.slow
def test_tutorial_runs_as_a_notebook(tmp_path, monkeypatch):
    """Tutorial 01, converted by jupytext and executed by nbclient in a kernel of this interpreter,
    runs without error, shows its figure inline (an image/png output) and says where it wrote."""
    jupytext = pytest.importorskip("jupytext")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    spec = tmp_path / "jupyter" / "kernels" / "neurogen-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "neurogen test", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("NEUROGEN_TUTORIAL_SIZE", "tiny")
    monkeypatch.setenv("NEUROGEN_TUTORIAL_OUT", str(tmp_path / "out"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    monkeypatch.delenv("MPLBACKEND", raising=False)
    nb = jupytext.read(TUTORIALS / "01_first_recording.py")
    nbclient.NotebookClient(nb, timeout=300, kernel_name="neurogen-test",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    images = [o for o in outputs if o.get("output_type") == "display_data" and "image/png" in o.get("data", {})]
    assert len(images) >= 1, [o.get("output_type") for o in outputs]
    html = [o for o in outputs if o.get("output_type") == "execute_result" and "text/html" in o.get("data", {})]
    assert html and "xarray" in html[0]["data"]["text/html"], "the recording's HTML view is shown"
    assert nb.metadata["kernelspec"]["name"] == "python3"
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert f"wrote {tmp_path / 'out' / '01_sixes.nc'}" in text
    assert (tmp_path / "out" / "01_samples.png").stat().st_size > 0


def test_every_tutorial_names_its_kernel():
    """Converted notebooks carry a kernelspec (jupytext header), so Jupyter opens them without asking."""
    jupytext = pytest.importorskip("jupytext")
    for path in sorted(TUTORIALS.glob("0*.py")):
        assert jupytext.read(path).metadata.get("kernelspec", {}).get("language") == "python", path.name
