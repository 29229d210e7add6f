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
    assert main(["info", "--json"]) == 0
    out = capsys.readouterr().out
    assert "n_latent=100" in out and Network.default(device="cpu").sha256 in out
    assert '"final_test_elbo"' in out


def test_development_checkpoints_load():
    """The kept checkpoints of the default subject's run load, each with its epoch."""
    files = sorted((DEFAULT_DIR / "development").glob("epoch-*.pt"))
    assert [int(f.stem.split("-")[1]) for f in files] == [1, 5, 10, 25]  # 2 and 50 dropped to keep the shipped weights within 60 MB
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


# ------------------------------------------------------------------------------------ the zoo


def _ship(zoo_dir, n_latent: int, seed: int, **extra) -> dict:
    """Ship a tiny untrained network as zoo subject nz{n_latent}-seed{seed} (float16, like
    scripts/ship_zoo.py); return its provenance."""
    from neurogen._files import sha256_file
    from neurogen.network import NetworkConfig

    name = f"nz{n_latent}-seed{seed}"
    net = Network(NetworkConfig(n_latent=n_latent, n_hidden=8), seed=seed)
    net.half()
    net.save(zoo_dir / f"{name}.pt", stored_as="float16", zoo_name=name)
    prov = {"name": name, "n_latent": n_latent, "seed": seed, "sha256": sha256_file(zoo_dir / f"{name}.pt"),
            "stored_as": "float16", "final_test_elbo": -101.0, "test_elbo_float16": -100.0 - n_latent - seed,
            "active_units": n_latent // 2, **extra}
    (zoo_dir / f"{name}.json").write_text(json.dumps(prov))
    return prov


@pytest.fixture
def fake_zoo(tmp_path, monkeypatch):
    """A zoo folder with tiny subjects (Nz 2 seed 0, Nz 5 seed 0, Nz 100 seed 1) as ZOO_DIR, and a
    provenance without a checkpoint (a subject still training), which is not listed."""
    zoo_dir = tmp_path / "zoo"
    zoo_dir.mkdir()
    for nz, seed in ((5, 0), (2, 0), (100, 1)):
        _ship(zoo_dir, nz, seed)
    (zoo_dir / "nz20-seed0.json").write_text(json.dumps({"n_latent": 20, "seed": 0, "sha256": "0" * 64}))
    monkeypatch.setattr(network_module, "ZOO_DIR", zoo_dir)
    return zoo_dir


def test_zoo_lists_shipped_subjects(fake_zoo):
    """zoo() lists the default subject and each zoo subject whose .pt exists, by (Nz, seed), with
    the shipped weights' test ELBO (not the training log's), active units, sha256 and path."""
    entries = network_module.zoo()
    assert [(e.n_latent, e.seed) for e in entries] == [(2, 0), (5, 0), (100, 0), (100, 1)]
    e2 = entries[0]
    assert e2.test_elbo == -102.0 and e2.active_units == 1 and e2.path == fake_zoo / "nz2-seed0.pt"
    assert len(e2.sha256) == 64
    default = entries[2]
    assert default.path == DEFAULT_DIR / "network.pt" and default.active_units == 30
    assert default.sha256 == json.loads((DEFAULT_DIR / "provenance.json").read_text())["sha256"]


@pytest.mark.parametrize(("n_latent", "seed"), [(2, 0), (5, 0), (100, 1)])
def test_default_returns_zoo_subjects(fake_zoo, n_latent, seed):
    """Network.default(n_latent, seed) loads that zoo subject, hash-checked, with its provenance."""
    net = Network.default(n_latent=n_latent, seed=seed, device="cpu")
    assert net.config.n_latent == n_latent
    assert net.provenance["name"] == f"nz{n_latent}-seed{seed}"
    assert net.provenance["stored_as"] == "float16"
    assert net.sha256 == net.provenance["sha256"]


def test_default_without_arguments_is_still_the_default_subject(fake_zoo):
    """Network.default() is Nz = 100 seed 0 from neurogen/default, whatever the zoo holds."""
    assert Network.default(device="cpu").sha256 == json.loads((DEFAULT_DIR / "provenance.json").read_text())["sha256"]


@pytest.mark.parametrize(("n_latent", "seed"), [(3, 0), (20, 0), (100, 2), (2, 1)])
def test_unshipped_combination_lists_what_is_shipped(fake_zoo, n_latent, seed):
    """Another (Nz, seed), including one still training (no .pt yet), raises ValueError listing
    the shipped subjects."""
    with pytest.raises(ValueError, match=rf"no shipped subject has n_latent={n_latent}, seed={seed}; "
                                         r"shipped: \(n_latent=2, seed=0\), \(n_latent=5, seed=0\), "
                                         r"\(n_latent=100, seed=0\), \(n_latent=100, seed=1\)"):
        Network.default(n_latent=n_latent, seed=seed, device="cpu")


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [({"n_latent": 2.5}, TypeError, r"^'n_latent' must be an int, got float 2\.5\.$"),
     ({"n_latent": 0}, ValueError, r"^'n_latent' must be >= 1: 0$"),
     ({"seed": -1}, ValueError, r"^'seed' must be in \[0, ")],
)
def test_default_bad_arguments(fake_zoo, kwargs, error, match):
    """Bad n_latent or seed name the argument."""
    with pytest.raises(error, match=match):
        Network.default(**kwargs, device="cpu")


def test_zoo_hash_mismatch_is_refused(fake_zoo):
    """A zoo subject whose bytes no longer match its provenance's sha256 raises CheckpointError."""
    pt = fake_zoo / "nz5-seed0.pt"
    raw = bytearray(pt.read_bytes())
    raw[len(raw) // 2] ^= 0x01
    pt.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match=r"nz5-seed0\.pt: sha256 [0-9a-f]{64} does not match the expected"):
        Network.default(n_latent=5, seed=0, device="cpu")


def test_broken_zoo_provenance_is_named(fake_zoo):
    """A zoo .json that is not valid provenance gives CheckpointError naming it and the rebuild script."""
    (fake_zoo / "nz2-seed0.json").write_text("{not json")
    with pytest.raises(CheckpointError, match=r"nz2-seed0\.json: not a valid zoo entry.*scripts/ship_zoo\.py"):
        network_module.zoo()


def test_missing_default_names_the_real_rebuild_script(tmp_path, monkeypatch):
    """The rebuild hint names scripts/ship_default.py (benchmarks/build_default_subject.py does not exist)."""
    monkeypatch.setattr(network_module, "DEFAULT_DIR", tmp_path)
    monkeypatch.setattr(network_module, "ZOO_DIR", tmp_path / "zoo")
    with pytest.raises(CheckpointError, match=r"scripts/ship_default\.py") as info:
        Network.default(device="cpu")
    assert "build_default_subject" not in str(info.value)


def test_the_shipped_zoo_is_complete_and_verified(capsys):
    """The package ships Nz 2, 5, 10, 20, 100 at seed 0 and Nz 100 at seeds 1, 2; each file matches its sha256,
    was trained 100 epochs on the embedded MNIST, and `neurogen info --list` prints them all."""
    import json as _json

    from neurogen._files import sha256_file
    from neurogen.cli import main
    from neurogen.network import zoo

    entries = {(e.n_latent, e.seed): e for e in zoo()}
    assert set(entries) == {(2, 0), (5, 0), (6, 0), (8, 0), (10, 0), (14, 0), (20, 0), (100, 0), (100, 1), (100, 2)}
    for (nz, seed), e in entries.items():
        assert sha256_file(e.path) == e.sha256
        if (nz, seed) != (100, 0):
            prov = _json.loads(e.path.with_suffix(".json").read_text())
            assert prov["epochs"] == 100 and prov["n_latent"] == nz and prov["seed"] == seed
            assert prov["data_sha256"] == "f11bb9e41d6c1b6c124aa38fd605497bdcfe2ee08cf7c2bb5a41ab5d759e1416"
            assert abs(prov["test_elbo_float16"] - prov["test_elbo_float32"]) < 1e-3
    net = Network.default(n_latent=10, seed=0, device="cpu")
    assert net.config.n_latent == 10 and net.sha256 == entries[(10, 0)].sha256
    assert main(["info", "--list"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 1 + len(entries)
