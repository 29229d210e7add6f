"""attractors at the tiny profile: the dataset's layout, and each hypothesis' rule on constructed datasets."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from neurogen.analysis import LEVELS
from neurogen.studies import attractors
from neurogen.studies.claims import FAILS, HOLDS, UNMEASURED, scaled

LABELS = np.arange(10)


def _subject(n: int, distance: float = 0.3, n_unstable: int = 2, kind: str = "slow", **over) -> dict:
    """Per-label variables of one subject: every concept has a point at ``distance`` (overrides by name)."""
    v = {"distance": np.full(n, distance), "kind": np.full(n, kind), "q": np.full(n, 1e-5),
         "n_unstable": np.full(n, n_unstable), "spectral_radius": np.full(n, 1.3), "cos_nearest": np.full(n, 0.4),
         "cos_random": np.full(n, 0.1), "cos_memories": np.full(n, 0.2), "settled_distance": np.full(n, 1.0)}
    v.update({k: np.asarray(a) for k, a in over.items()})
    return v


def _stack(parts: list[dict], dim: str, prefix: str) -> dict:
    return {f"{prefix}{k}": ((dim, "label"), np.stack([p[k] for p in parts])) for k in parts[0]}


def _fake(main: dict | None = None, zoo: dict[int, dict] | None = None, dev: dict[int, dict] | None = None,
          t_min: int = 3, speed_min_at: int | None = None, basins: tuple[str, ...] = ("memory", "concept", "abstract"),
          memory_radius: float = 0.0, n_trials: int = 6) -> xr.Dataset:
    """A dataset with the variables attractors.claims reads; each argument switches one hypothesis."""
    main = main or _subject(10)
    zoo = {100: main} if zoo is None else {**zoo, 100: main}
    nzs = sorted(zoo)
    dev = dev or {1: _subject(10, distance=2.0), 100: main}
    epochs = sorted(dev)
    t = np.arange(12)
    dist_curve = np.abs(t - t_min) + 1.0
    speed_curve = np.abs(t - (t_min if speed_min_at is None else speed_min_at)) + 0.1
    trial_label = np.repeat(LABELS, n_trials)
    jitter = 0.01 * np.random.default_rng(0).standard_normal((len(trial_label), 1))
    ps = np.round(np.linspace(0, 1, len(basins)), 6)
    levels = LEVELS
    end = {lvl: np.repeat([1.0 if b == lvl else 5.0 for b in basins], 4) for lvl in levels}
    data = {**_stack([zoo[nz] for nz in nzs], "n_latent", "zoo_"),
            **_stack([dev[e] for e in epochs], "epoch", "dev_"),
            "zoo_spread": ("n_latent", np.ones(len(nzs))),
            "distance": (("trial", "time"), dist_curve + jitter), "speed": (("trial", "time"), speed_curve + jitter),
            **{f"end_{lvl}": ("basin_trial", end[lvl]) for lvl in levels},
            "end_speed": ("basin_trial", np.zeros(4 * len(basins))),
            "hop_memory_kind": (("hopfield", "hop_memory"), np.full((1, 4), "fixed")),
            "hop_memory_distance": (("hopfield", "hop_memory"), np.full((1, 4), 0.01)),
            "hop_memory_radius": (("hopfield", "hop_memory"), np.array([[0.0, 0.0, 0.0, memory_radius]])),
            "hop_memory_q": (("hopfield", "hop_memory"), np.zeros((1, 4))),
            "hop_distance": (("hopfield", "hop_label"), np.array([[0.2, 0.9]])),
            "hop_kind": (("hopfield", "hop_label"), np.array([["fixed", "slow"]])),
            "hop_n_unstable": (("hopfield", "hop_label"), np.array([[1, 0]])),
            "hop_subject": ("hopfield", ["HopfieldNetwork(...)"]), "hop_patterns": ("hopfield", ["patterns"])}
    return xr.Dataset(data, coords={
        "n_latent": nzs, "epoch": epochs, "label": LABELS, "time": t, "trial_label": ("trial", trial_label),
        "noise": ("basin_trial", np.repeat(ps, 4)), "hopfield": ["hopfield"], "hop_label": [0, 1]},
        attrs={"reference_n_latent": 100, "mode": "invert", "training": "test", "settle": 200, "basin_steps": 500,
               "k_nearest": 10, "n_random": 256, "tol": 1e-8})


def _verdicts(ds: xr.Dataset) -> dict[str, str]:
    return {c.claim.split(":")[0]: c.verdict for c in attractors.claims(ds)}


def test_attractors_tiny_dataset_layout(run_tiny):
    """The tiny run holds every subject's per-label results, the trajectories, the end states, the Hopfield points."""
    result, _ = run_tiny("attractors")
    ds = result.dataset
    sizes = attractors.SIZES["tiny"]
    assert ds["n_latent"].values.tolist() == list(sizes.n_latent)
    assert ds["zoo_distance"].dims == ("n_latent", "label") and ds.sizes["label"] == 10
    assert ds["dev_distance"].dims == ("epoch", "label") and ds["epoch"].values.tolist() == [1, 2]
    assert set(ds["zoo_kind"].values.ravel().astype(str)) <= {"fixed", "slow", "none"}
    assert ds["speed"].dims == ("trial", "time") and ds.sizes["time"] == sizes.steps + 1
    assert (ds["speed"].values >= 0).all()
    assert ds["end_memory"].dims == ("basin_trial",) and len(np.unique(ds["noise"].values)) == sizes.levels
    assert ds["hopfield"].values.tolist() == ["hopfield", "modern"]
    assert ds.sizes["hop_memory"] == sizes.memory_starts * sizes.hopfield_patterns[0][0]
    # the last checkpoint is the profile's subject, measured once
    assert str(ds["dev_network_sha256"].sel(epoch=2).values) == str(ds["zoo_network_sha256"].sel(n_latent=8).values)
    names = [c.claim.split(":")[0] for c in result.claims]
    assert names == ["H1", "H2", "H3a", "H3b", "H4", "H5", "H6", "H7", "H7"]


def test_all_hypotheses_hold_on_the_constructed_picture():
    """Points within 0.5 spread with unstable directions aligned with the memories, speed minimal at t_min,
    basins in order, a saddle from Nz = 10 and from epoch 10 on, stable stored patterns: every rule holds."""
    zoo = {2: _subject(10, distance=0.9), 5: _subject(10, n_unstable=0), 10: _subject(10)}
    dev = {1: _subject(10, distance=2.0), 10: _subject(10), 100: _subject(10)}
    v = _verdicts(_fake(zoo=zoo, dev=dev))
    assert v == {"H1": HOLDS, "H2": HOLDS, "H3a": HOLDS, "H3b": HOLDS, "H4": HOLDS, "H5": HOLDS, "H6": HOLDS,
                 "H7": HOLDS}


def test_h1_fails_when_one_concept_has_no_point_within_the_radius():
    """H1 asks for every label; the radius is a rule parameter (doubling it accepts 0.8 spread)."""
    far = _subject(10, distance=np.r_[np.full(9, 0.3), 0.8])
    assert _verdicts(_fake(main=far))["H1"] == FAILS
    with scaled(2.0):
        assert _verdicts(_fake(main=far))["H1"] == HOLDS
    assert _verdicts(_fake(main=_subject(10, kind=np.array(["slow"] * 9 + ["none"]))))["H1"] == FAILS


@pytest.mark.parametrize(("speed_min_at", "expected"), [(4, HOLDS), (5, HOLDS), (6, FAILS), (11, FAILS)],
                         ids=["one-off", "at-the-window", "outside", "at-the-end"])
def test_h2_speed_minimum_within_two_steps_of_t_min(speed_min_at, expected):
    """t_min = 3: the speed's argmin must lie within w = 2 steps of it."""
    assert _verdicts(_fake(t_min=3, speed_min_at=speed_min_at))["H2"] == expected


def test_h3_saddle_count_and_alignment():
    """H3a needs an unstable direction in 8 of 10 labels; H3b |cos| ≥ 2 × random in 8 of 10 of those labels."""
    seven = _subject(10, n_unstable=np.r_[np.ones(7), np.zeros(3)].astype(int))
    eight = _subject(10, n_unstable=np.r_[np.ones(8), np.zeros(2)].astype(int))
    assert _verdicts(_fake(main=seven))["H3a"] == FAILS
    assert _verdicts(_fake(main=eight))["H3a"] == HOLDS
    weak = _subject(10, cos_nearest=np.r_[np.full(7, 0.4), np.full(3, 0.15)])
    assert _verdicts(_fake(main=weak))["H3b"] == FAILS
    assert _verdicts(_fake(main=_subject(10, n_unstable=0)))["H3b"] == UNMEASURED


@pytest.mark.parametrize(("basins", "expected"), [
    (("memory", "concept", "abstract"), HOLDS),
    (("memory", "memory", "concept", "abstract", "abstract"), HOLDS),
    (("memory", "abstract"), FAILS),
    (("memory", "concept", "memory", "abstract"), FAILS),
    (("concept", "abstract"), FAILS),
], ids=["in-order", "in-order-with-repeats", "no-concept-basin", "goes-back", "no-memory-basin"])
def test_h4_majority_basin_order(basins, expected):
    """The majority basin over increasing p must run memory → concept → abstract, all present, never back."""
    assert _verdicts(_fake(basins=basins))["H4"] == expected


def test_h5_saddle_for_large_nz_only_and_unmeasured_without_both_groups():
    """Saddle-like in ≥ 8 of 10 labels for every Nz ≥ 10, in fewer for every Nz ≤ 5."""
    ok = {2: _subject(10, n_unstable=0), 10: _subject(10)}
    assert _verdicts(_fake(zoo=ok))["H5"] == HOLDS
    assert _verdicts(_fake(zoo={2: _subject(10), 10: _subject(10)}))["H5"] == FAILS
    assert _verdicts(_fake(zoo={2: _subject(10, n_unstable=0), 10: _subject(10, distance=0.7)}))["H5"] == FAILS
    assert _verdicts(_fake(zoo={}))["H5"] == UNMEASURED  # only Nz = 100


@pytest.mark.parametrize(("first", "middle", "expected"), [
    (False, True, HOLDS), (False, False, HOLDS), (True, True, FAILS)],
    ids=["from-epoch-10", "from-epoch-100", "from-the-start"])
def test_h6_onset_after_the_first_checkpoint(first, middle, expected):
    """Onset = first checkpoint from which every later one is saddle-like; it must not be the first."""
    dev = {1: _subject(10, distance=0.3 if first else 2.0), 10: _subject(10, distance=0.3 if middle else 2.0),
           100: _subject(10)}
    assert _verdicts(_fake(dev=dev))["H6"] == expected
    never = {1: _subject(10, n_unstable=0), 100: _subject(10, n_unstable=0)}
    assert _verdicts(_fake(main=_subject(10, n_unstable=0), dev=never))["H6"] == FAILS


def test_h7_every_stored_pattern_a_stable_fixed_point():
    """One memory start at spectral radius ≥ 1 fails the Hopfield rule; the concepts' categories are reported."""
    claim = [c for c in attractors.claims(_fake(memory_radius=1.2)) if c.claim.startswith("H7")][0]
    assert claim.verdict == FAILS
    assert "0: saddle" in claim.measured and "1: none" in claim.measured


def test_categories_on_known_points():
    """saddle: fixed with an unstable direction; stable: fixed without; slow: a slow point; none: none near."""
    sub = {"distance": np.array([0.1, 0.1, 0.1, 0.9, 0.1]),
           "kind": np.array(["fixed", "fixed", "slow", "fixed", "none"]), "n_unstable": np.array([2, 0, 1, 3, -1])}
    assert attractors.categories(sub, 0.5).tolist() == ["saddle", "stable", "slow", "none", "none"]
    assert attractors.saddle_like(sub, 0.5).tolist() == [True, False, True, False, False]


def test_attractors_unknown_profile():
    with pytest.raises(ValueError, match="profile must be one of"):
        attractors.SIZES["fast"]
