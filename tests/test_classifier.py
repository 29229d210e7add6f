"""The appendix-B classifier (fit, predict, save/load, cache) and the IS log-likelihood."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from neurogen.classifier import Classifier, trained_classifier
from neurogen.evaluation import log_likelihood
from neurogen.network import CheckpointError
from neurogen.training import train


@pytest.fixture(scope="module")
def small_cnn():
    return lambda seed=0: Classifier(conv1=8, conv2=16, hidden=32, seed=seed)


def test_architecture_is_appendix_b():
    """Default sizes: conv 32 → conv 64 → maxpool → dense 128 → dense 10; probabilities sum to 1."""
    clf = Classifier(seed=0)
    assert (clf.conv_a.out_channels, clf.conv_b.out_channels) == (32, 64)
    assert clf.conv_a.kernel_size == (3, 3) and clf.dense.in_features == 64 * 12 * 12
    assert (clf.dense.out_features, clf.out.out_features) == (128, 10)
    p = clf.predict_proba(np.random.default_rng(0).random((5, 784), dtype=np.float32))
    assert p.shape == (5, 10) and np.allclose(p.sum(1), 1, atol=1e-5)
    t = clf.predict_proba(torch.zeros(2, 784))
    assert isinstance(t, torch.Tensor) and t.shape == (2, 10)
    with pytest.raises(ValueError, match="784"):
        clf.predict_proba(np.zeros((2, 10)))
    with pytest.raises(ValueError, match="conv1"):
        Classifier(conv1=0)


def test_fit_improves_accuracy(small_cnn, tiny_digits, tiny_test_digits, torch_one_thread):
    """A small CNN learns the synthetic digits: test accuracy rises well above chance."""
    clf = small_cnn()
    before = clf.accuracy(tiny_test_digits)
    rows = clf.fit(tiny_digits, epochs=4, batch_size=20, seed=0, device="cpu", lr=3e-3,
                   test=tiny_test_digits)
    assert [r["epoch"] for r in rows] == [1, 2, 3, 4]
    assert rows[-1]["loss"] < rows[0]["loss"]
    after = clf.accuracy(tiny_test_digits)
    assert after >= 0.8 > before
    assert rows[-1]["test_accuracy"] == pytest.approx(after)
    assert clf.predict(tiny_test_digits.images).dtype == np.int64
    with pytest.raises(ValueError, match="epochs"):
        clf.fit(tiny_digits, epochs=0)
    with pytest.raises(TypeError, match="Digits"):
        clf.fit(tiny_digits.images)


def test_fit_is_seeded(small_cnn, tiny_digits, torch_one_thread):
    """Same seed, same weights."""
    a, b = small_cnn(), small_cnn()
    a.fit(tiny_digits, epochs=1, batch_size=50, seed=3, device="cpu")
    b.fit(tiny_digits, epochs=1, batch_size=50, seed=3, device="cpu")
    for pa, pb in zip(a.parameters(), b.parameters()):
        assert torch.equal(pa, pb)


def test_save_load_and_corrupt_files(small_cnn, tiny_test_digits, tmp_path):
    """save/load round-trips weights and metadata; bad files raise CheckpointError naming the file."""
    clf = small_cnn(seed=1)
    path = clf.save(tmp_path / "clf.pt", note="hello")
    back = Classifier.load(path, device="cpu")
    assert back.config == clf.config and back.metadata["note"] == "hello"
    np.testing.assert_allclose(back.predict_proba(tiny_test_digits.images[:5]),
                               clf.predict_proba(tiny_test_digits.images[:5]), rtol=1e-6)
    with pytest.raises(CheckpointError, match="not found"):
        Classifier.load(tmp_path / "missing.pt")
    (tmp_path / "trunc.pt").write_bytes(path.read_bytes()[:200])
    with pytest.raises(CheckpointError, match="trunc.pt"):
        Classifier.load(tmp_path / "trunc.pt")
    torch.save({"format": "something-else"}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="not a neurogen classifier"):
        Classifier.load(tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="sha256"):
        Classifier.load(path, sha256="0" * 64)


def test_trained_classifier_is_cached(tiny_digits, tiny_test_digits, neurogen_cache, torch_one_thread):
    """The first call trains and writes classifier-<key>.pt; the second loads it; damage retrains."""
    kw = {"epochs": 1, "batch_size": 50, "device": "cpu", "conv1": 4, "conv2": 8, "hidden": 16}
    first = trained_classifier(tiny_digits, tiny_test_digits, **kw)
    files = list(neurogen_cache.glob("classifier-*.pt"))
    assert len(files) == 1 and 0 <= first.metadata["test_accuracy"] <= 1
    again = trained_classifier(tiny_digits, tiny_test_digits, **kw)
    for pa, pb in zip(first.parameters(), again.parameters()):
        assert torch.equal(pa.cpu(), pb.cpu())
    files[0].write_bytes(b"garbage")
    trained_classifier(tiny_digits, tiny_test_digits, **kw)
    Classifier.load(files[0])  # rewritten, readable


def test_log_likelihood_bounds_elbo(tiny_network, tiny_digits, tiny_test_digits, torch_one_thread):
    """The IS estimate is ≥ the ELBO, rises (weakly) with k, and is reproducible by seed."""
    net = tiny_network
    train(net, tiny_digits, 3, batch_size=20, device="cpu", progress=False)
    elbo = net.mean_elbo(tiny_test_digits)
    ll = {k: log_likelihood(net, tiny_test_digits, k=k, seed=0) for k in (1, 10, 100)}
    assert ll[1] == pytest.approx(elbo, abs=1.0)  # k = 1 is the ELBO, up to sampling noise
    assert ll[100] >= elbo
    assert ll[1] <= ll[10] + 0.1 and ll[10] <= ll[100] + 0.1
    assert log_likelihood(net, tiny_test_digits, k=10, seed=0) == ll[10]
    # other batches draw other samples: the same estimate up to Monte-Carlo noise
    assert log_likelihood(net, tiny_test_digits.images, k=10, seed=0, batch_size=7) == pytest.approx(ll[10], abs=0.5)
    with pytest.raises(ValueError, match="'k'"):
        log_likelihood(net, tiny_test_digits, k=0)
    with pytest.raises(TypeError, match="Network"):
        log_likelihood(object(), tiny_test_digits)


@pytest.mark.slow
def test_shipped_classifier_is_the_default_recipe(tmp_path, monkeypatch):
    """The default recipe on full MNIST returns the shipped classifier (no training, no cache
    file), and it classifies the test set as its metadata says (99.10 %)."""
    from neurogen.data import load_mnist

    train_data, test_data = load_mnist("train"), load_mnist("test")
    monkeypatch.setenv("NEUROGEN_CACHE", str(tmp_path))
    monkeypatch.setattr(Classifier, "fit", lambda *a, **k: pytest.fail("trained instead of shipped"))
    clf = trained_classifier(train_data, test_data, device="cpu")
    assert not list(tmp_path.glob("classifier-*.pt"))
    assert clf.metadata["test_accuracy"] == pytest.approx(0.991)
    assert clf.accuracy(test_data) == pytest.approx(clf.metadata["test_accuracy"], abs=1e-4)
    # another recipe is not the shipped one: it trains (here: the patched fit fails)
    with pytest.raises(pytest.fail.Exception):
        trained_classifier(train_data.subset(range(100)), epochs=1, device="cpu")
