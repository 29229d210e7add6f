"""The associative-memory subject: hierarchical patterns, Hopfield networks, and the comparison study."""

from __future__ import annotations


import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from neurogen import analysis as na
from neurogen.associative import HierarchicalPatterns, HopfieldNetwork, ModernHopfield
from neurogen.engine import run
from neurogen.recording import Recording
from neurogen.studies._beta_sweep import beta_sweep
from neurogen.subject import Subject


@pytest.fixture(scope="module")
def pats() -> HierarchicalPatterns:
    return HierarchicalPatterns(1000, n_concepts=3, n_memories=4, b_concept=0.2, b_memory=0.5, seed=3)


@pytest.fixture(scope="module")
def weak() -> HierarchicalPatterns:
    """Weakly correlated memories (b2 = 0.3): each one a stable attractor of the Hebbian network."""
    return HierarchicalPatterns(1000, n_concepts=3, n_memories=4, b_concept=0.2, b_memory=0.3, seed=3)



def _flip(x: np.ndarray, frac: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.where(rng.random(x.shape) < frac, -x, x).astype(np.float32)


# ---------------------------------------------------------------------------- patterns


def test_pattern_statistics_match_b1_b2():
    p = HierarchicalPatterns(20000, n_concepts=4, n_memories=5, b_concept=0.3, b_memory=0.6, seed=0)
    assert p.root.shape == (20000,) and p.concepts.shape == (4, 20000) and p.memories.shape == (20, 20000)
    for arr in (p.root, p.concepts, p.memories):
        assert set(np.unique(arr)) == {-1, 1}
    assert abs(p.root.mean()) < 0.03
    b1 = (p.concepts * p.root).mean()
    b2 = (p.memories * np.repeat(p.concepts, 5, axis=0)).mean()
    # standard errors: sqrt((1 - b^2) / (N * count)) ~ 0.003; tolerance 5 sigma
    assert b1 == pytest.approx(0.3, abs=0.02)
    assert b2 == pytest.approx(0.6, abs=0.01)
    same = (p.memories[0].astype(float) * p.memories[1]).mean()  # siblings overlap by b2^2
    other = (p.memories[0].astype(float) * p.memories[5]).mean()  # cousins by b1^2 b2^2
    assert same == pytest.approx(0.36, abs=0.03)
    assert other == pytest.approx(0.09 * 0.36, abs=0.03)
    assert p.labels.tolist() == sum(([k] * 5 for k in range(4)), [])


def test_patterns_seeded_and_read_only():
    a = HierarchicalPatterns(300, 2, 3, seed=5)
    b = HierarchicalPatterns(300, 2, 3, seed=5)
    c = HierarchicalPatterns(300, 2, 3, seed=6)
    assert np.array_equal(a.memories, b.memories) and a.sha256 == b.sha256
    assert not np.array_equal(a.memories, c.memories)
    assert a.generate() is a.generate()
    with pytest.raises(ValueError):
        a.memories[0, 0] = 0


@pytest.mark.parametrize("kwargs, err, word", [
    ({"n_units": 0}, ValueError, "n_units"),
    ({"n_units": True}, ValueError, "n_units"),
    ({"n_units": 10, "n_concepts": 0}, ValueError, "n_concepts"),
    ({"n_units": 10, "n_memories": 2.5}, ValueError, "n_memories"),
    ({"n_units": 10, "b_concept": 1.5}, ValueError, "b_concept"),
    ({"n_units": 10, "b_memory": -0.1}, ValueError, "b_memory"),
    ({"n_units": 10, "b_memory": "x"}, TypeError, "b_memory"),
    ({"n_units": 10, "seed": -1}, ValueError, "seed"),
])
def test_pattern_validation(kwargs, err, word):
    with pytest.raises(err, match=word):
        HierarchicalPatterns(**kwargs)


def test_hierarchy_centroid_and_parent(pats):
    hier = pats.hierarchy()
    assert hier.memory.sizes == {"sample": 12, "unit": 1000}
    assert hier.memory["label"].values.tolist() == pats.labels.tolist()
    means = pats.memories.reshape(3, 4, -1).mean(1)
    np.testing.assert_allclose(hier.concept.values, means, atol=1e-6)
    np.testing.assert_allclose(hier.abstract.values, means.mean(0), atol=1e-6)
    parent = pats.hierarchy("parent")
    np.testing.assert_array_equal(parent.concept.values, pats.concepts)
    np.testing.assert_array_equal(parent.abstract.values, pats.root)
    assert set(np.unique(pats.centroid_signs())) <= {-1, 1}
    np.testing.assert_array_equal(pats.centroid_signs(), np.where(means >= 0, 1, -1))
    with pytest.raises(ValueError, match="kind"):
        pats.hierarchy("mean")


def test_stimulus_flips_units(pats):
    stim = pats.stimulus([0.0, 0.25], n=2, repeats=2, seed=1)
    assert stim.n_trials == 2 * 3 * 2 * 2
    co = stim.trial_coords()
    assert np.array_equal(co["label"], pats.labels[co["source"]])
    x = stim.inputs()
    clean = pats.memories[co["source"]]
    assert np.array_equal(x[co["noise"] == 0.0], clean[co["noise"] == 0.0])
    flipped = (x != clean)[co["noise"] == 0.25].mean()
    assert flipped == pytest.approx(0.25, abs=0.03)
    assert set(np.unique(x)) == {-1.0, 1.0}
    with pytest.raises(ValueError, match="'n'"):
        pats.stimulus(0.1, n=5)
    with pytest.raises(ValueError, match="concepts"):
        pats.stimulus(0.1, concepts=[7])


# ---------------------------------------------------------------------------- Hopfield


def test_hebbian_couplings(pats):
    net = HopfieldNetwork.from_patterns(pats)
    j = net.couplings.numpy()
    assert np.allclose(j, j.T) and np.all(np.diag(j) == 0)
    xi = pats.memories.astype(np.float64)
    expected = xi.T @ xi / 1000
    np.fill_diagonal(expected, 0)
    np.testing.assert_allclose(j, expected, atol=1e-6)
    assert isinstance(net, Subject)


def test_memories_are_fixed_points_at_low_load():
    p = HierarchicalPatterns(500, n_concepts=5, n_memories=1, b_concept=0.0, b_memory=0.0, seed=0)
    net = HopfieldNetwork.from_patterns(p)
    x = torch.tensor(p.memories, dtype=torch.float32)
    assert torch.equal(net.decode(net.encode(x)), x)


@pytest.mark.parametrize("options", [{}, {"update": "asynchronous"}, {"update": "asynchronous", "block_size": 1},
                                     {"temperature": 0.1, "dynamics": "mean_field"}])
def test_recall_from_noisy_memory(weak, options):
    net = HopfieldNetwork.from_patterns(weak, **options)
    x = torch.tensor(_flip(weak.memories, 0.2, 0))
    m0 = (x.numpy() * weak.memories).mean(1)
    for _ in range(2 if options.get("block_size") == 1 else 6):
        x = net.decode(net.encode(x))
    m = (x.numpy() * weak.memories).mean(1)
    assert np.all(m0 < 0.7) and np.all(m > 0.97)


def test_glauber_reproducible(pats):
    x = torch.tensor(_flip(pats.memories, 0.2, 1))

    def trajectory(net):
        s, out = x, []
        for _ in range(3):
            s = net.decode(s)
            out.append(s)
        return torch.stack(out)

    a = trajectory(HopfieldNetwork.from_patterns(pats, temperature=0.5, seed=7))
    b = trajectory(HopfieldNetwork.from_patterns(pats, temperature=0.5, seed=7))
    c = trajectory(HopfieldNetwork.from_patterns(pats, temperature=0.5, seed=8))
    assert torch.equal(a, b) and not torch.equal(a, c)
    assert set(torch.unique(a).tolist()) == {-1.0, 1.0}
    net = HopfieldNetwork.from_patterns(pats, temperature=0.5, seed=7)
    first = trajectory(net)
    assert torch.equal(trajectory(net.reset()), first)


def test_mean_field_and_covariance_rule():
    rng = np.random.default_rng(0)
    sparse = (rng.random((6, 800)) < 0.1).astype(np.int8)
    net = HopfieldNetwork(sparse, rule="covariance")
    assert net.activity == pytest.approx(sparse.mean())
    x = torch.as_tensor(sparse, dtype=torch.float32)
    assert torch.equal(net.decode(x), x)
    j = net.couplings.numpy()
    assert np.allclose(j, j.T) and np.all(np.diag(j) == 0)
    mf = HopfieldNetwork(sparse, rule="covariance", temperature=0.2, dynamics="mean_field").decode(x)
    assert float(mf.min()) >= 0.0 and float(mf.max()) <= 1.0


def test_hopfield_validation(pats):
    with pytest.raises(ValueError, match="rule"):
        HopfieldNetwork(pats.memories, rule="oja")
    with pytest.raises(ValueError, match="update"):
        HopfieldNetwork(pats.memories, update="random")
    with pytest.raises(ValueError, match="temperature"):
        HopfieldNetwork(pats.memories, temperature=-1.0)
    with pytest.raises(ValueError, match="patterns"):
        HopfieldNetwork(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="block_size"):
        HopfieldNetwork(pats.memories, block_size=0)
    with pytest.raises(ValueError, match="'z'"):
        HopfieldNetwork.from_patterns(pats).decode(torch.ones(2, 7))


def test_run_records_hopfield(weak):
    net = HopfieldNetwork.from_patterns(weak, update="asynchronous", block_size=64)
    stim = weak.stimulus([0.1, 0.3], n=2, seed=0)
    rec = run(net, stim, steps=5, progress=False)
    assert isinstance(rec, Recording)
    lat = rec.latent
    assert lat.dims == ("trial", "time", "unit") and lat.dtype == np.float32
    assert lat.sizes == {"trial": stim.n_trials, "time": 6, "unit": 1000}
    for c in ("label", "source", "noise"):
        assert c in lat.coords
    np.testing.assert_array_equal(lat.isel(time=0).values, stim.inputs())
    assert rec.dataset.attrs["subject"] == "HopfieldNetwork"
    d = na.distance(lat, weak.hierarchy().memory)
    assert float(d.isel(time=-1).max()) < float(d.isel(time=0).min()) + 1e-6


def test_modern_hopfield(pats):
    net = ModernHopfield.from_patterns(pats, beta_scale=30.0)
    assert isinstance(net, Subject)
    x = torch.tensor(_flip(pats.memories, 0.2, 2))
    y = net.decode(net.encode(x))
    np.testing.assert_allclose(y.numpy(), pats.memories, atol=1e-3)
    flat = ModernHopfield.from_patterns(pats, beta=1e-9).decode(x)
    np.testing.assert_allclose(flat.numpy()[0], pats.memories.mean(0), atol=1e-4)
    with pytest.raises(ValueError, match="beta"):
        ModernHopfield(pats.memories, beta=0.0)


# ---------------------------------------------------------------------------- properties


@settings(max_examples=30)
@given(seed=st.integers(0, 2**32 - 1), n_units=st.integers(4, 64), n_patterns=st.integers(1, 10),
       trials=st.integers(1, 4))
def test_energy_never_increases_in_exact_asynchronous_sweeps(seed, n_units, n_patterns, trials):
    """Zero temperature, block_size=1 (one unit at a time): E = -1/2 s J s never rises, sweep by sweep.

    (Wider blocks and synchronous updates carry no such guarantee; see HopfieldNetwork's Notes.)
    """
    rng = np.random.default_rng(seed)
    xi = np.where(rng.random((n_patterns, n_units)) < 0.5, 1, -1)
    net = HopfieldNetwork(xi, update="asynchronous", block_size=1, seed=seed % 1000)
    s = torch.as_tensor(np.where(rng.random((trials, n_units)) < 0.5, 1.0, -1.0), dtype=torch.float32)
    e = net.energy(s)
    tol = 1e-5 * (1.0 + n_patterns)  # float32 rounding of sums of O(P) terms
    for _ in range(6):
        s = net.decode(net.encode(s))
        e_next = net.energy(s)
        assert bool((e_next <= e + tol).all()), (e, e_next)
        e = e_next


@settings(max_examples=40)
@given(seed=st.integers(0, 2**32 - 1), n_units=st.integers(4, 64), n_patterns=st.integers(1, 12),
       noise=st.floats(0.0, 0.5))
def test_modern_large_beta_returns_nearest_pattern(seed, n_units, n_patterns, noise):
    """One update at large beta lands on the stored pattern nearest the query (equal norms: nearest = largest score)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n_patterns, n_units))
    x *= np.sqrt(n_units) / np.linalg.norm(x, axis=1, keepdims=True)
    k = int(rng.integers(n_patterns))
    query = (x[k] + noise * rng.standard_normal(n_units)).astype(np.float32)
    nearest = int(np.argmin(np.linalg.norm(x - query, axis=1)))
    scores = np.sort(x.astype(np.float32) @ query)[::-1]
    gap = float(scores[0] - scores[1]) if n_patterns > 1 else 1.0
    assume(gap > 1e-2)
    net = ModernHopfield(x, beta=40.0 / gap)
    out = net.decode(net.encode(torch.as_tensor(query[None]))).numpy()[0]
    np.testing.assert_allclose(out, x[nearest], atol=1e-4 * np.sqrt(n_units))


@settings(max_examples=12)
@given(seed=st.integers(0, 10_000), n_units=st.integers(300, 800), n_memories=st.integers(1, 5),
       update=st.sampled_from(["synchronous", "asynchronous"]))
def test_hebbian_few_memories_retrieved_from_low_noise(seed, n_units, n_memories, update):
    """Few uncorrelated memories (load <= 5/300): every one is recovered exactly from p = 0.05 pixel swap."""
    pats = HierarchicalPatterns(n_units, n_concepts=n_memories, n_memories=1, b_concept=0.0, b_memory=0.0,
                                seed=seed)
    net = HopfieldNetwork.from_patterns(pats, update=update, block_size=1 if update == "asynchronous" else None)
    rec = run(net, pats.stimulus(0.05, repeats=3, seed=seed), steps=4, progress=False)
    memory = pats.hierarchy().memory
    assert float(na.overlap(rec.latent.isel(time=0), memory).max()) < 1.0  # every trial starts corrupted
    np.testing.assert_array_equal(na.overlap(rec.latent.isel(time=-1), memory).values, 1.0)


# ---------------------------------------------------------------------------- modern Hopfield over given patterns


def test_modern_from_hierarchy_keeps_labels_and_samples(pats):
    hier = pats.hierarchy()
    net = ModernHopfield.from_hierarchy(hier, per_label=2, seed=1, beta=0.1)
    assert net.n_patterns == 6 and net.labels.tolist() == [0, 0, 1, 1, 2, 2]
    assert np.all(np.diff(net.samples) > 0)
    np.testing.assert_array_equal(net.patterns.numpy(), pats.memories[net.samples])
    again = net.hierarchy()
    assert again.memory["label"].values.tolist() == net.labels.tolist()
    np.testing.assert_array_equal(again.memory["sample"].values, net.samples)
    full = ModernHopfield.from_hierarchy(hier, beta=0.1)
    assert full.n_patterns == 12 and net.with_beta(2.0).beta == 2.0 and net.beta == 0.1
    assert ModernHopfield.from_patterns(pats).labels.tolist() == pats.labels.tolist()
    with pytest.raises(ValueError, match="per_label"):
        ModernHopfield.from_hierarchy(hier, per_label=0)
    with pytest.raises(TypeError, match="ConceptHierarchy"):
        ModernHopfield.from_hierarchy(pats.memories)
    with pytest.raises(ValueError, match="labels"):
        ModernHopfield(pats.memories, labels=[0, 1])
    with pytest.raises(ValueError, match="samples"):
        ModernHopfield(pats.memories[:2], samples=[3, 3])
    with pytest.raises(ValueError, match="no labels"):
        ModernHopfield(pats.memories).hierarchy()


def test_beta_sweep_abstract_to_memory(pats):
    """Tiny beta averages everything (abstract concept); large beta retrieves the own memory."""
    net = ModernHopfield.from_patterns(pats)
    n = pats.n_units
    stim = pats.stimulus(0.1, n=2, seed=0)
    res = beta_sweep(net, stim, [50.0 / n, 1e-3 / n], steps=5)  # unsorted on purpose
    assert res["final"].dims == ("beta", "level", "trial") and res.sizes["trial"] == 6
    assert res["beta"].values.tolist() == sorted(res["beta"].values.tolist())
    assert res["nearest"].values.tolist() == ["abstract", "memory"]
    assert res["numeral"].values.tolist() == ["III", "I"]
    np.testing.assert_allclose(res["fraction"].sum("level"), 1.0)
    assert res["own_memory"].values.tolist() == [pytest.approx(res["own_memory"].values[0]), 1.0]
    assert float(res["same_label"].values[-1]) == 1.0
    np.testing.assert_allclose(res["mean"].sel(level="memory").values[-1], 0.0, atol=1e-3)
    # the same sweep from an array of start states (labels and sources given)
    co = stim.trial_coords()
    arr = beta_sweep(net, stim.inputs(), [1e-3 / n, 50.0 / n], steps=5, labels=co["label"], sources=co["source"])
    np.testing.assert_allclose(arr["final"].values, res["final"].values, rtol=1e-5)
    with pytest.raises(ValueError, match="betas"):
        beta_sweep(net, stim, [], steps=2)
    with pytest.raises(ValueError, match="betas"):
        beta_sweep(net, stim, [0.1, -1.0], steps=2)
    with pytest.raises(ValueError, match="steps"):
        beta_sweep(net, stim, [0.1], steps=-1)
    with pytest.raises(ValueError, match="labels"):
        beta_sweep(net, stim.inputs(), [0.1], steps=1)
    with pytest.raises(ValueError, match="units"):
        beta_sweep(net, np.zeros((2, 5)), [0.1], steps=1, labels=[0, 1])
    with pytest.raises(TypeError, match="ModernHopfield"):
        beta_sweep(HopfieldNetwork.from_patterns(pats), stim, [0.1], steps=1)
