"""Faults in checkpoint files: flipped bytes, malicious pickles in every place neurogen reads a
``.pt``, a small file claiming a huge network, non-finite weights, files of the previous format."""

from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
import torch

import neurogen.classifier as classifier_module
import neurogen.network as network_module
from neurogen._checkpoint import CheckpointError
from neurogen._files import sha256_file
from neurogen.classifier import Classifier, trained_classifier
from neurogen.cli import main
from neurogen.network import Network, NetworkConfig
from neurogen.training import train

TINY = NetworkConfig(n_latent=4, n_hidden=16)


class _Evil:
    """Unpickling this runs ``touch <path>``: the proof that a pickle was executed."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self):
        return (os.system, (f"touch {self.path}",))


def _evil_file(path: Path, fmt: str, sentinel: Path, **extra) -> Path:
    torch.save({"format": fmt, "state_dict": {}, "config": {}, "payload": _Evil(sentinel), **extra}, path)
    return path


# ------------------------------------------------------------------------------ flipped bytes


def _flip(raw: bytes, pos: int) -> bytes:
    b = bytearray(raw)
    b[pos] ^= 0x01
    return bytes(b)


@pytest.mark.parametrize("legacy", [False, True], ids=["format-2", "format-1-no-tensor-hash"])
def test_no_flipped_byte_loads_changed_weights(tmp_path, legacy):
    """Flip one bit at ~200 positions spread over a checkpoint: each load either raises
    CheckpointError or gives exactly the original weights, config and metadata (a flip in a zip
    field that holds no data). Files of the previous format (no tensor hash) are covered by the
    zip's CRC-32."""
    net = Network(TINY, seed=0)
    path = net.save(tmp_path / "net.pt", note="hello")
    if legacy:
        payload = torch.load(path, weights_only=True)
        payload.pop("tensors_sha256")
        payload["format_version"] = 1
        torch.save(payload, path)
    raw = path.read_bytes()
    ref = Network.load(path)
    refused = 0
    for pos in np.linspace(0, len(raw) - 1, 200).astype(int):
        path.write_bytes(_flip(raw, int(pos)))
        try:
            got = Network.load(path)
        except CheckpointError as err:
            assert str(path) in str(err)
            refused += 1
            continue
        assert got.config == ref.config and got.metadata == ref.metadata
        for k, v in ref.state_dict().items():
            assert torch.equal(got.state_dict()[k], v), f"flip at {pos} changed {k} silently"
    assert refused >= 190, refused


def test_zip_encrypted_flag_is_a_checkpoint_error(tmp_path):
    """A flip that sets a record's 'encrypted' flag (zipfile raises RuntimeError) is a
    CheckpointError too, not a raw RuntimeError (found by flipping every 37th byte)."""
    path = Network(TINY, seed=0).save(tmp_path / "net.pt")
    raw = path.read_bytes()
    central = raw.find(b"PK\x01\x02")  # first central-directory entry; flags at offset 8
    path.write_bytes(_flip(raw, central + 8))
    with pytest.raises(CheckpointError, match=r"net\.pt: not a readable checkpoint"):
        Network.load(path)


def test_flipped_byte_in_weights_names_the_check(tmp_path):
    """A bit flipped inside the weights' bytes is caught by the zip CRC and named."""
    net = Network(TINY, seed=0)
    path = net.save(tmp_path / "net.pt")
    raw = path.read_bytes()
    pos = raw.find(net.dec_out.weight.detach().numpy().tobytes()[:32]) + 7
    path.write_bytes(_flip(raw, pos))
    with pytest.raises(CheckpointError, match=r"net\.pt: the checkpoint is damaged: record '.*data/\d+' fails "
                                              r"its CRC-32 check"):
        Network.load(path)


def test_weights_changed_and_rezipped_fail_the_tensor_hash(tmp_path):
    """Weights changed and saved again with valid CRCs (a re-zipped file) fail the tensor sha256."""
    path = Network(TINY, seed=0).save(tmp_path / "net.pt")
    payload = torch.load(path, weights_only=True)
    payload["state_dict"]["dec_out.bias"][3] += 1e-3
    torch.save(payload, path)
    with pytest.raises(CheckpointError, match=r"tensors do not match their stored sha256"):
        Network.load(path)


def test_flipped_byte_in_classifier(tmp_path):
    """The classifier checkpoint is verified the same way."""
    path = Classifier(conv1=2, conv2=2, hidden=4, seed=0).save(tmp_path / "clf.pt")
    raw = path.read_bytes()
    path.write_bytes(_flip(raw, len(raw) // 2))
    with pytest.raises(CheckpointError, match=r"clf\.pt"):
        Classifier.load(path)


# ------------------------------------------------------------------------------ malicious pickles


def test_malicious_network_checkpoint(tmp_path):
    """Network.load refuses a pickle that would run code, without running it."""
    sentinel = tmp_path / "pwned"
    path = _evil_file(tmp_path / "evil.pt", "neurogen-network", sentinel)
    with pytest.raises(CheckpointError, match=r"evil\.pt: not a readable checkpoint \(truncated, corrupt or unsafe\?\)"):
        Network.load(path)
    assert not sentinel.exists()


def test_malicious_classifier_checkpoint(tmp_path):
    """Classifier.load refuses it too."""
    sentinel = tmp_path / "pwned"
    path = _evil_file(tmp_path / "evil.pt", "neurogen-classifier", sentinel)
    with pytest.raises(CheckpointError, match=r"evil\.pt: not a readable classifier checkpoint"):
        Classifier.load(path)
    assert not sentinel.exists()


def test_malicious_training_checkpoint(tmp_path, tiny_digits):
    """train(resume=True) refuses a malicious last.pt before touching the network."""
    sentinel = tmp_path / "pwned"
    ck = tmp_path / "ck"
    ck.mkdir()
    torch.save({"network": {}, "optimizer": {}, "epoch": 1, "log": "[]", "x": _Evil(sentinel)}, ck / "last.pt")
    net = Network(TINY, seed=0)
    before = net.enc_hidden.weight.detach().clone()
    with pytest.raises(CheckpointError, match=r"last\.pt: cannot resume from this checkpoint: not a readable"):
        train(net, tiny_digits, 1, checkpoint_dir=ck, resume=True, device="cpu", progress=False)
    assert not sentinel.exists()
    assert torch.equal(net.enc_hidden.weight, before)


def test_malicious_zoo_subject_with_forged_provenance(tmp_path, monkeypatch):
    """A zoo file replaced by a malicious pickle *and* its provenance sha256 forged to match is
    still refused (weights_only), never run."""
    sentinel = tmp_path / "pwned"
    zoo = tmp_path / "zoo"
    zoo.mkdir()
    pt = _evil_file(zoo / "nz5-seed0.pt", "neurogen-network", sentinel)
    (zoo / "nz5-seed0.json").write_text(json.dumps({"n_latent": 5, "seed": 0, "sha256": sha256_file(pt)}))
    monkeypatch.setattr(network_module, "ZOO_DIR", zoo)
    with pytest.raises(CheckpointError, match=r"nz5-seed0\.pt: not a readable checkpoint"):
        Network.default(n_latent=5, seed=0, device="cpu")
    assert not sentinel.exists()


def test_malicious_shipped_classifier_is_not_run(tmp_path, monkeypatch, neurogen_cache, tiny_digits):
    """trained_classifier with a malicious 'shipped' classifier and cache file: neither is run;
    it trains a fresh one instead."""
    sentinel = tmp_path / "pwned"
    shipped = tmp_path / "default"
    shipped.mkdir()
    _evil_file(shipped / "classifier.pt", "neurogen-classifier", sentinel)
    monkeypatch.setattr(classifier_module, "DEFAULT_DIR", shipped)
    clf = trained_classifier(tiny_digits.select(n=20, seed=0), epochs=1, batch_size=100, device="cpu",
                             conv1=2, conv2=2, hidden=4)
    assert not sentinel.exists()
    assert isinstance(clf, Classifier)
    cached = next(neurogen_cache.glob("classifier-*.pt"))
    _evil_file(cached, "neurogen-classifier", sentinel)
    trained_classifier(tiny_digits.select(n=20, seed=0), epochs=1, batch_size=100, device="cpu",
                       conv1=2, conv2=2, hidden=4)
    assert not sentinel.exists()


def test_malicious_model_in_the_cli(tmp_path, capsys):
    """`neurogen info --model evil.pt`: exit 2, one line naming the file, nothing run."""
    sentinel = tmp_path / "pwned"
    path = _evil_file(tmp_path / "evil.pt", "neurogen-network", sentinel)
    assert main(["info", "--model", str(path)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "evil.pt" in err and "Traceback" not in err
    assert not sentinel.exists()


# ------------------------------------------------------------------------------ config vs tensors


def test_small_file_claiming_a_huge_network_is_refused_before_building(tmp_path, monkeypatch):
    """A 1-KB-scale checkpoint whose config says n_hidden=10**6 (6.4 GB of weights) is refused
    from its tensor shapes in well under a second, and no Network is ever constructed."""
    path = Network(TINY, seed=0).save(tmp_path / "net.pt")
    payload = torch.load(path, weights_only=True)
    payload["config"]["n_hidden"] = 10**6
    torch.save(payload, path)
    built = []
    real_init = Network.__init__

    def spy(self, *a, **k):  # noqa: ANN001
        built.append(a)
        real_init(self, *a, **k)

    monkeypatch.setattr(Network, "__init__", spy)
    t0 = time.perf_counter()
    with pytest.raises(CheckpointError, match=r"enc_hidden\.weight has shape \(16, 784\), the config implies "
                                              r"\(1000000, 784\)"):
        Network.load(path)
    assert time.perf_counter() - t0 < 1.0
    assert built == []


def test_non_finite_weights_are_refused(tmp_path):
    """A checkpoint holding NaN or inf weights is an error naming the tensor."""
    net = Network(TINY, seed=0)
    with torch.no_grad():
        net.dec_out.bias[0] = float("nan")
    path = net.save(tmp_path / "nan.pt")
    with pytest.raises(CheckpointError, match=r"nan\.pt: dec_out\.bias holds NaN or inf weights"):
        Network.load(path)


def test_previous_format_still_loads(tmp_path):
    """A checkpoint of format version 1 (no tensor hash) loads with its weights."""
    net = Network(TINY, seed=0)
    path = net.save(tmp_path / "v1.pt")
    payload = torch.load(path, weights_only=True)
    del payload["tensors_sha256"]
    payload["format_version"] = 1
    buf = io.BytesIO()
    torch.save(payload, buf)
    path.write_bytes(buf.getvalue())
    loaded = Network.load(path)
    for k, v in net.state_dict().items():
        assert torch.equal(loaded.state_dict()[k], v)
