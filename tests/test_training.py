"""Tests for neurogen.training: the learning-rate schedule, train(), its log, checkpoints, resume."""

from __future__ import annotations

import json
import math
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from neurogen.data import load_mnist
from neurogen.network import CheckpointError, Network, NetworkConfig
from neurogen.training import Schedule, TrainingInterrupted, train

pytestmark = pytest.mark.usefixtures("torch_one_thread")

CONFIG = NetworkConfig(n_latent=4, n_hidden=16)
FAST = {"batch_size": 50, "device": "cpu", "progress": False}  # 200 images → 4 batches per epoch


def trained(data, epochs=3, net_seed=0, **kwargs) -> tuple[Network, xr.Dataset]:
    """A fresh tiny network trained on ``data``; returns (network, log)."""
    net = Network(CONFIG, seed=net_seed)
    log = train(net, data, epochs, **{**FAST, **kwargs})
    return net, log


def assert_same_weights(a: Network, b: Network) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for k in sa:
        assert torch.equal(sa[k], sb[k]), f"{k} differs"


def part_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith(".part"))


# ------------------------------------------------------------------------------------ Schedule


def test_schedule_three_epochs():
    """With 3 epochs the paper's schedule uses 5e-4, 1e-4, 5e-5 once each."""
    assert [Schedule().rate(e, 3) for e in range(3)] == [5e-4, 1e-4, 5e-5]


def test_schedule_hundred_epochs_in_thirds():
    """Over 100 epochs: 5e-4 for epochs 0–33, 1e-4 for 34–66, 5e-5 for 67–99."""
    rates = [Schedule().rate(e, 100) for e in range(100)]
    assert rates[:34] == [5e-4] * 34
    assert rates[34:67] == [1e-4] * 33
    assert rates[67:] == [5e-5] * 33


def test_schedule_custom_and_short_runs():
    """Fewer epochs than rates use the first rates; one rate is constant; lists become tuples."""
    assert Schedule().rate(0, 1) == 5e-4
    assert [Schedule().rate(e, 2) for e in range(2)] == [5e-4, 1e-4]
    s = Schedule([1e-2])
    assert s.rates == (1e-2,)
    assert {s.rate(e, 7) for e in range(7)} == {1e-2}


@settings(max_examples=50)
@given(rates=st.lists(st.floats(1e-6, 1.0), min_size=1, max_size=5), epochs=st.integers(1, 300))
def test_schedule_property(rates, epochs):
    """Rates are used in order, each for a contiguous share of the epochs; with enough epochs every
    rate is used and no share exceeds ⌈epochs/len(rates)⌉."""
    s = Schedule(rates)
    used = [s.rate(e, epochs) for e in range(epochs)]
    ks = [rates.index(r) for r in used]  # index of the first equal rate (ties are fine: monotone)
    assert used[0] == rates[0]
    assert all(r in rates for r in used)
    if len(set(rates)) == len(rates):
        assert ks == sorted(ks)
        if epochs >= len(rates):
            assert sorted(set(ks)) == list(range(len(rates)))
            assert max(np.bincount(ks)) <= math.ceil(epochs / len(rates))


@pytest.mark.parametrize("rates", [(), (0.0,), (-1e-3,), (1e-3, float("nan")), (float("inf"),)])
def test_schedule_rejects_bad_rates(rates):
    """Empty, zero, negative, NaN or infinite learning rates raise ValueError."""
    with pytest.raises(ValueError, match=r"'rates' must be a non-empty sequence of positive"):
        Schedule(rates)


def test_schedule_rejects_non_numbers():
    """A string learning rate is a TypeError naming its position."""
    with pytest.raises(TypeError, match=r"'rates\[1\]' must be a number, got str"):
        Schedule([1e-3, "1e-4"])


# ------------------------------------------------------------------------------------ train()


def test_train_returns_log(tiny_digits, tiny_test_digits):
    """train returns an xarray Dataset over 1-based `epoch` with the ELBOs, rates and times."""
    net, log = trained(tiny_digits, epochs=3, test_data=tiny_test_digits, seed=2)
    assert isinstance(log, xr.Dataset)
    assert dict(log.sizes) == {"epoch": 3}
    assert log.epoch.values.tolist() == [1, 2, 3]
    assert set(log.data_vars) == {"train_elbo", "test_elbo", "learning_rate", "seconds"}
    for name in log.data_vars:
        assert log[name].dims == ("epoch",)
    assert log.learning_rate.values.tolist() == [5e-4, 1e-4, 5e-5]
    assert np.isfinite(log.train_elbo).all() and np.isfinite(log.test_elbo).all()
    assert (log.train_elbo < 0).all() and (log.seconds > 0).all()
    assert log.train_elbo.attrs["units"] == "nats per image"
    assert log.attrs["seed"] == 2 and log.attrs["batch_size"] == 50 and log.attrs["n_train"] == 200
    # the last test ELBO is the network's own mean_elbo on the test data
    assert float(log.test_elbo[-1]) == pytest.approx(net.mean_elbo(tiny_test_digits, seed=2), rel=1e-6)
    assert net.metadata["training"]["epoch"] == 3
    assert net.metadata["training"]["test_elbo"] == float(log.test_elbo[-1])
    assert not net.training  # left in eval mode


def test_train_without_test_data_logs_nan(tiny_digits):
    """Without test_data, test_elbo is NaN (and the rest is filled in)."""
    _, log = trained(tiny_digits, epochs=1)
    assert np.isnan(log.test_elbo).all() and np.isfinite(log.train_elbo).all()


def test_elbo_improves(tiny_digits, tiny_test_digits):
    """A few epochs on structured digits raise the train and test ELBO markedly."""
    net = Network(CONFIG, seed=0)
    before = net.mean_elbo(tiny_test_digits)
    log = train(net, tiny_digits, 4, batch_size=20, schedule=Schedule([1e-2]),
                test_data=tiny_test_digits, device="cpu", progress=False)
    elbo = log.train_elbo.values
    assert elbo[-1] > elbo[0] + 20, elbo
    assert np.all(np.diff(log.test_elbo.values) > 0), log.test_elbo.values
    assert net.mean_elbo(tiny_test_digits) > before + 20


def test_same_seed_same_weights(tiny_digits):
    """Training twice with the same seed gives bit-identical weights and logs."""
    a, la = trained(tiny_digits, seed=7)
    b, lb = trained(tiny_digits, seed=7)
    assert_same_weights(a, b)
    np.testing.assert_array_equal(la.train_elbo, lb.train_elbo)


def test_different_seed_different_weights(tiny_digits):
    """Another training seed (same initial weights) shuffles and samples differently."""
    a, _ = trained(tiny_digits, seed=7)
    b, _ = trained(tiny_digits, seed=8)
    assert not torch.equal(a.enc_hidden.weight, b.enc_hidden.weight)


def test_keep_writes_named_epochs(tiny_digits, tmp_path):
    """keep=(1, 2) writes loadable epoch-0001.pt and epoch-0002.pt (only those) with their epoch
    in the metadata; epoch 1's weights equal a 1-epoch run's."""
    net, _ = trained(tiny_digits, epochs=3, seed=4, checkpoint_dir=tmp_path, keep=(1, 2))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["epoch-0001.pt", "epoch-0002.pt", "last.pt"]
    e1, e2 = Network.load(tmp_path / "epoch-0001.pt"), Network.load(tmp_path / "epoch-0002.pt")
    assert e1.metadata["training"]["epoch"] == 1 and e2.metadata["training"]["epoch"] == 2
    assert [r["epoch"] for r in e2.metadata["training"]["log"]] == [1, 2]
    assert e1.config == CONFIG
    assert not torch.equal(e2.dec_out.weight, net.dec_out.weight)
    one, _ = trained(tiny_digits, epochs=1, seed=4)
    assert_same_weights(e1, one)


def test_last_checkpoint_is_written_every_epoch(tiny_digits, tmp_path):
    """checkpoint_dir gets last.pt holding the epoch, log and weights; no .part files remain."""
    net, _ = trained(tiny_digits, epochs=2, checkpoint_dir=tmp_path)
    state = torch.load(tmp_path / "last.pt", weights_only=True)
    assert state["epoch"] == 2
    for k, v in net.state_dict().items():
        assert torch.equal(state["network"][k], v)
    assert part_files(tmp_path) == []


def test_resume_after_interruption_is_bit_identical(tiny_digits, tiny_test_digits, tmp_path):
    """A run stopped mid-epoch 2 and resumed with a fresh network gives the same weights and log as
    an uninterrupted run."""
    kw = {"epochs": 3, "seed": 5, "test_data": tiny_test_digits}
    ref, ref_log = trained(tiny_digits, checkpoint_dir=tmp_path / "ref", **kw)

    ck = tmp_path / "ck"
    with pytest.raises(TrainingInterrupted, match="stopped after 6 batches"):
        trained(tiny_digits, checkpoint_dir=ck, _stop_after_batches=6, **kw)  # 4 per epoch
    assert torch.load(ck / "last.pt", weights_only=True)["epoch"] == 1

    fresh = Network(CONFIG, seed=123)  # other initial weights: they must come from last.pt
    log = train(fresh, tiny_digits, checkpoint_dir=ck, resume=True, **kw, **FAST)
    assert_same_weights(fresh, ref)
    assert log.epoch.values.tolist() == [1, 2, 3]
    np.testing.assert_array_equal(log.train_elbo, ref_log.train_elbo)
    np.testing.assert_array_equal(log.test_elbo, ref_log.test_elbo)
    np.testing.assert_array_equal(log.learning_rate, ref_log.learning_rate)


def test_resume_without_last_checkpoint_starts_fresh(tiny_digits, tmp_path):
    """resume=True with an empty checkpoint folder trains from the start."""
    a, _ = trained(tiny_digits, epochs=2, seed=1, checkpoint_dir=tmp_path / "a", resume=True)
    b, _ = trained(tiny_digits, epochs=2, seed=1)
    assert_same_weights(a, b)


def test_resume_of_a_finished_run_changes_nothing(tiny_digits, tmp_path):
    """Resuming a run that already reached `epochs` loads its weights and returns its log."""
    a, la = trained(tiny_digits, epochs=2, checkpoint_dir=tmp_path)
    b, lb = trained(tiny_digits, epochs=2, net_seed=9, checkpoint_dir=tmp_path, resume=True)
    assert_same_weights(a, b)
    np.testing.assert_array_equal(la.train_elbo, lb.train_elbo)


def test_resume_from_damaged_checkpoint(tiny_digits, tmp_path):
    """A truncated last.pt gives CheckpointError naming it, not a raw torch error."""
    trained(tiny_digits, epochs=1, checkpoint_dir=tmp_path)
    last = tmp_path / "last.pt"
    last.write_bytes(last.read_bytes()[:500])
    with pytest.raises(CheckpointError, match=r"last\.pt: cannot resume"):
        trained(tiny_digits, epochs=2, checkpoint_dir=tmp_path, resume=True)


_CHILD = textwrap.dedent("""
    import sys, time
    import torch
    torch.set_num_threads(1)
    from neurogen.data import load_mnist
    from neurogen.network import Network, NetworkConfig
    from neurogen.training import train

    _loss_terms = Network.loss_terms
    def slow_loss_terms(self, *args, **kwargs):  # same numbers, just slower: time to kill us
        time.sleep(0.1)
        return _loss_terms(self, *args, **kwargs)
    Network.loss_terms = slow_loss_terms

    net = Network(NetworkConfig(n_latent=4, n_hidden=16), seed=0)
    train(net, load_mnist("train", path=sys.argv[1]), int(sys.argv[3]), batch_size=50, seed=3,
          checkpoint_dir=sys.argv[2], device="cpu", progress=False)
    print("finished")
""")


@pytest.mark.slow
def test_resume_after_sigkill_is_bit_identical(idx_dir, tmp_path):
    """A training process killed with SIGKILL after epoch ≥ 1, resumed in-process, ends with the
    same weights as an uninterrupted run."""
    epochs = 6
    ck = tmp_path / "ck"
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(idx_dir), str(ck), str(epochs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path)
    try:
        deadline = time.monotonic() + 120
        while not (ck / "last.pt").exists():
            if proc.poll() is not None:
                pytest.fail(f"trainer exited early: {proc.communicate()[1].decode()[-2000:]}")
            assert time.monotonic() < deadline, "no last.pt after 120 s"
            time.sleep(0.01)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    done = torch.load(ck / "last.pt", weights_only=True)["epoch"]
    assert 1 <= done < epochs  # killed mid-run

    data = load_mnist("train", path=idx_dir)
    resumed, log = trained(data, epochs=epochs, net_seed=77, seed=3, checkpoint_dir=ck, resume=True)
    ref, ref_log = trained(data, epochs=epochs, seed=3)
    assert_same_weights(resumed, ref)
    np.testing.assert_array_equal(log.train_elbo, ref_log.train_elbo)


# ------------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"epochs": 0}, ValueError, r"^'epochs' must be >= 1: 0$"),
        ({"epochs": -2}, ValueError, r"^'epochs' must be >= 1: -2$"),
        ({"epochs": 2.0}, TypeError, r"^'epochs' must be an int, got float 2\.0\.$"),
        ({"epochs": True}, TypeError, r"^'epochs' must be an int, got bool True\.$"),
        ({"batch_size": -1}, ValueError, r"^'batch_size' must be >= 1: -1$"),
        ({"batch_size": 0}, ValueError, r"'batch_size' must be >= 1"),
        ({"seed": -1}, ValueError, r"^'seed' must be in \[0, 9223372036854775807\]: -1$"),
        ({"seed": 1.5}, TypeError, r"^'seed' must be an int, got float 1\.5\.$"),
        ({"schedule": [1e-3]}, TypeError, r"schedule must be a neurogen\.training\.Schedule"),
        ({"keep": (0,)}, ValueError, r"'keep' epochs must be ints in \[1, 3\]: \[0\]"),
        ({"keep": (1, 4)}, ValueError, r"'keep' epochs must be ints in \[1, 3\]: \[4\]"),
        ({"resume": True}, ValueError, r"resume=True needs checkpoint_dir="),
        ({"device": "tpu9"}, ValueError, r"device must be"),
    ],
)
def test_bad_arguments(tiny_digits, tiny_network, kwargs, error, match):
    """Bad epochs, batch size, keep, resume without a folder, or device raise before training."""
    before = {k: v.clone() for k, v in tiny_network.state_dict().items()}
    args = {"epochs": 3, **FAST, **kwargs}
    with pytest.raises(error, match=match):
        train(tiny_network, tiny_digits, **args)
    for k, v in tiny_network.state_dict().items():
        assert torch.equal(v, before[k])  # untouched


@pytest.mark.parametrize("data", [np.zeros((10, 784), np.float32), None, "mnist"])
def test_data_must_be_digits(tiny_network, data):
    """data that is not a Digits raises TypeError."""
    with pytest.raises(TypeError, match=r"data must be a neurogen\.data\.Digits"):
        train(tiny_network, data, 1, **FAST)


def test_network_must_be_network(tiny_digits):
    """A plain torch module is not accepted as the network."""
    with pytest.raises(TypeError, match=r"network must be a Network, got Linear"):
        train(torch.nn.Linear(2, 2), tiny_digits, 1, **FAST)


# ------------------------------------------------------------------------------------ strict resume


def _run_to(tmp_path, data, epochs=2, **kwargs):
    """Train 1 epoch of an `epochs` run into tmp_path (stopped after epoch 1); return the folder."""
    ck = tmp_path / "ck"
    kw = {"epochs": epochs, "seed": 3, "checkpoint_dir": ck, **kwargs}
    with pytest.raises(TrainingInterrupted):
        trained(data, _stop_after_batches=5, **kw)  # 4 batches per epoch: epoch 1 saved
    return ck


@pytest.mark.parametrize(
    ("change", "field"),
    [({"seed": 4}, "seed (checkpoint 3, asked 4)"),
     ({"batch_size": 40}, "batch_size (checkpoint 50, asked 40)"),
     ({"epochs": 3}, "epochs (checkpoint 2, asked 3)"),
     ({"schedule": Schedule([1e-3])}, "schedule (checkpoint [0.0005, 0.0001, 5e-05], asked [0.001])"),
     ({"data": "fewer"}, "n_train (checkpoint 200, asked 100)"),
     ({"data": "other-selection"}, "data_selection_sha256"),
     ({"data": "renamed"}, "data (checkpoint 'tiny-train', asked 'renamed')")],
    ids=["seed", "batch-size", "epochs", "schedule", "limit", "selection", "data-name"],
)
def test_resume_with_other_settings_is_refused(tiny_digits, tmp_path, change, field):
    """A resume whose seed, batch size, epochs, schedule or data differs from the checkpoint's is
    refused naming the field; the checkpoint is left exactly as it was."""
    from neurogen.data import Digits
    from neurogen.training import ResumeMismatch

    ck = _run_to(tmp_path, tiny_digits)
    before = (ck / "last.pt").read_bytes()
    data = tiny_digits
    kw = {"epochs": 2, "seed": 3, **{k: v for k, v in change.items() if k != "data"}}
    if change.get("data") == "fewer":
        data = tiny_digits.subset(np.arange(100))
    elif change.get("data") == "other-selection":
        data = tiny_digits.subset(np.r_[1:200, 0])
    elif change.get("data") == "renamed":
        data = Digits(tiny_digits.images, tiny_digits.labels, name="renamed")
    net = Network(CONFIG, seed=0)
    w0 = net.enc_hidden.weight.detach().clone()
    with pytest.raises(ResumeMismatch, match=re.escape(field) + r".*force=True \(`neurogen train --resume --force`\)"):
        train(net, data, checkpoint_dir=ck, resume=True, **{**FAST, **kw})
    assert (ck / "last.pt").read_bytes() == before
    assert torch.equal(net.enc_hidden.weight, w0)  # the network was not touched
    assert part_files(ck) == []


def test_resume_with_other_config_is_refused(tiny_digits, tmp_path):
    """A network of another architecture cannot continue the checkpoint."""
    from neurogen.training import ResumeMismatch

    ck = _run_to(tmp_path, tiny_digits)
    with pytest.raises((ResumeMismatch, CheckpointError), match=r"config|shape"):
        train(Network(NetworkConfig(n_latent=5, n_hidden=16)), tiny_digits, 2, seed=3,
              checkpoint_dir=ck, resume=True, **FAST)


def test_force_starts_over(tiny_digits, tmp_path):
    """force=True ignores a checkpoint of other settings (with a warning naming the field) and
    trains from the start."""
    ck = _run_to(tmp_path, tiny_digits)
    with pytest.warns(UserWarning, match=r"starting over \(force=True\).*seed \(checkpoint 3, asked 4\)"):
        net, log = trained(tiny_digits, epochs=2, seed=4, checkpoint_dir=ck, resume=True, force=True)
    ref, ref_log = trained(tiny_digits, epochs=2, seed=4)
    assert_same_weights(net, ref)
    assert json.loads(torch.load(ck / "last.pt", weights_only=True)["settings"])["seed"] == 4


def test_force_with_matching_settings_resumes(tiny_digits, tmp_path):
    """force=True does not discard a checkpoint that can be continued: it resumes it."""
    ck = _run_to(tmp_path, tiny_digits)
    net, log = trained(tiny_digits, epochs=2, seed=3, net_seed=99, checkpoint_dir=ck, resume=True, force=True)
    ref, ref_log = trained(tiny_digits, epochs=2, seed=3)
    assert_same_weights(net, ref)
    np.testing.assert_array_equal(log.train_elbo, ref_log.train_elbo)


def test_force_starts_over_from_a_damaged_checkpoint(tiny_digits, tmp_path):
    """force=True also starts over when last.pt is damaged (the error becomes a warning)."""
    ck = _run_to(tmp_path, tiny_digits)
    (ck / "last.pt").write_bytes(b"garbage")
    with pytest.warns(UserWarning, match=r"starting over.*not a readable training checkpoint"):
        net, _ = trained(tiny_digits, epochs=2, seed=3, checkpoint_dir=ck, resume=True, force=True)
    ref, _ = trained(tiny_digits, epochs=2, seed=3)
    assert_same_weights(net, ref)


def test_checkpoint_from_previous_version_still_resumes(tiny_digits, tmp_path):
    """A last.pt without format tag, hash or settings (written before strict resume) resumes."""
    ck = _run_to(tmp_path, tiny_digits)
    state = torch.load(ck / "last.pt", weights_only=True)
    legacy = {k: state[k] for k in ("network", "optimizer", "epoch", "log")}
    torch.save(legacy, ck / "last.pt")
    net, _ = trained(tiny_digits, epochs=2, seed=3, checkpoint_dir=ck, resume=True)
    ref, _ = trained(tiny_digits, epochs=2, seed=3)
    assert_same_weights(net, ref)


def test_flipped_byte_in_training_checkpoint(tiny_digits, tmp_path):
    """One flipped byte in last.pt's weights gives CheckpointError naming it, never a resume."""
    ck = _run_to(tmp_path, tiny_digits)
    raw = bytearray((ck / "last.pt").read_bytes())
    state = torch.load(ck / "last.pt", weights_only=True)
    w = state["network"]["dec_out.weight"].numpy().tobytes()
    raw[bytes(raw).find(w[:64]) + 10] ^= 0x20
    (ck / "last.pt").write_bytes(bytes(raw))
    with pytest.raises(CheckpointError, match=r"last\.pt: cannot resume from this checkpoint: .*CRC-32"):
        trained(tiny_digits, epochs=2, seed=3, checkpoint_dir=ck, resume=True)


# ------------------------------------------------------------------------------------ non-finite


def test_data_with_nan_is_refused(tiny_digits, tiny_network):
    """Images that became NaN after the Digits was made are refused before training."""
    from neurogen.data import Digits

    data = Digits(tiny_digits.images.copy(), tiny_digits.labels)
    data.images[3, 100] = np.nan
    with pytest.raises(ValueError, match=r"'data\.images' must be finite; it holds NaN or inf at 1 position"):
        train(tiny_network, data, 1, **FAST)


def test_nan_loss_stops_training(tiny_digits, tmp_path, monkeypatch):
    """When the ELBO becomes NaN mid-epoch, training stops with TrainingDiverged; last.pt keeps the
    last good epoch, finite."""
    from neurogen.training import TrainingDiverged

    calls = {"n": 0}
    real = Network.loss_terms

    def poisoned(self, x, *args, **kwargs):
        calls["n"] += 1
        kl, rec = real(self, x, *args, **kwargs)
        return (kl * np.nan, rec) if calls["n"] == 6 else (kl, rec)

    monkeypatch.setattr(Network, "loss_terms", poisoned)
    with pytest.raises(TrainingDiverged, match=r"the ELBO became nan at epoch 2;"):
        trained(tiny_digits, epochs=3, checkpoint_dir=tmp_path)
    state = torch.load(tmp_path / "last.pt", weights_only=True)
    assert state["epoch"] == 1
    assert all(torch.isfinite(v).all() for v in state["network"].values())


def test_huge_learning_rate_diverges_with_a_clear_error(tiny_digits):
    """A learning rate of 1e30 makes the weights non-finite: TrainingDiverged, not NaN weights."""
    from neurogen.training import TrainingDiverged

    with pytest.raises(TrainingDiverged, match="training diverged"):
        trained(tiny_digits, epochs=3, schedule=Schedule([1e30]))
