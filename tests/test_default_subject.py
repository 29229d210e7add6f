"""The shipped default subject: its hash is checked, its provenance is readable, its ELBO is as recorded."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

import neurogen.network as network_module
from neurogen.cli import main
from neurogen.network import DEFAULT_DIR, CheckpointError, Network


def test_default_loads_with_provenance():
    """Network.default() works without training and says how it was made."""
    net = Network.default(device="cpu")
    prov = net.provenance
    assert net.config.n_latent == 100 and net.config.n_hidden == 1024
    assert prov["epochs"] == 100 and prov["seed"] == 0
    assert prov["data_sha256"] == "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
    assert prov["sha256"] == net.sha256
    assert "neurogen train" in prov["command"]
    assert len(prov["log"]) == 100


def test_tampered_copy_is_refused(tmp_path, monkeypatch):
    """A default subject whose bytes changed is refused with a clear error, never loaded silently."""
    fake = tmp_path / "default"
    shutil.copytree(DEFAULT_DIR, fake)
    raw = bytearray((fake / "network.pt").read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    (fake / "network.pt").write_bytes(bytes(raw))
    monkeypatch.setattr(network_module, "DEFAULT_DIR", fake)
    with pytest.raises(CheckpointError, match="does not match the expected"):
        Network.default(device="cpu")


def test_missing_default_says_how_to_rebuild(tmp_path, monkeypatch):
    """Without the files, the error says how to rebuild the default subject."""
    monkeypatch.setattr(network_module, "DEFAULT_DIR", tmp_path)
    with pytest.raises(CheckpointError, match="Rebuild it"):
        Network.default(device="cpu")


def test_info_prints_provenance(capsys):
    """`neurogen info` prints the default subject's config, hash and provenance."""
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "n_latent=100" in out and Network.default(device="cpu").sha256 in out
    assert '"final_test_elbo"' in out


def test_development_checkpoints_load():
    """The kept checkpoints of the default subject's run load, each with its epoch."""
    files = sorted((DEFAULT_DIR / "development").glob("epoch-*.pt"))
    assert [int(f.stem.split("-")[1]) for f in files] == [1, 2, 5, 10, 25, 50]
    for f in files:
        net = Network.load(f, device="cpu")
        assert net.metadata["epoch"] == int(f.stem.split("-")[1])


@pytest.mark.slow
def test_recomputed_test_elbo_matches_the_recorded_one():
    """The test ELBO recomputed now equals the one recorded at shipping, within sampling error."""
    from neurogen.data import load_mnist

    net = Network.default(device="cpu")
    test = load_mnist("test")
    elbo = net.mean_elbo(test, seed=1)  # another seed: different reparameterisation noise
    per_image = np.asarray(net.elbo(test.images[:2000]))
    sem = per_image.std(ddof=1) / np.sqrt(len(test))
    assert abs(elbo - net.provenance["final_test_elbo"]) < max(4 * sem, 0.5)
    assert json.loads(json.dumps(net.provenance))["final_test_elbo"] < -90
