"""Weak inputs get clear messages: the shared checks (neurogen._checks) and every attrs class and
entry point that uses them name the argument, the value and what is allowed."""

from __future__ import annotations

from contextlib import nullcontext as does_not_raise

import attrs
import numpy as np
import pytest
import torch

from neurogen._checks import (check_choice, check_int, check_int_array, check_number, check_seed,
                              check_unit_interval, validator)
from neurogen.classifier import Classifier
from neurogen.network import Network, NetworkConfig
from neurogen.probe import Probe
from neurogen.stimulus import PixelSwap
from neurogen.training import Schedule


@pytest.mark.parametrize(
    ("value", "kwargs", "expectation"),
    [(3, {"min": 1}, does_not_raise()),
     (np.int64(3), {"min": 1}, does_not_raise()),
     (0, {"min": 1}, pytest.raises(ValueError, match=r"^'n' must be >= 1: 0$")),
     (11, {"min": 1, "max": 10}, pytest.raises(ValueError, match=r"^'n' must be in \[1, 10\]: 11$")),
     (11, {"max": 10}, pytest.raises(ValueError, match=r"^'n' must be <= 10: 11$")),
     (True, {}, pytest.raises(TypeError, match=r"^'n' must be an int, got bool True\.$")),
     (6.7, {}, pytest.raises(TypeError, match=r"^'n' must be an int, got float 6\.7\.$")),
     (2.0, {}, pytest.raises(TypeError, match=r"^'n' must be an int, got float 2\.0\.$")),
     ("3", {}, pytest.raises(TypeError, match=r"^'n' must be an int, got str '3'\.$")),
     (None, {}, pytest.raises(TypeError, match=r"^'n' must be an int, got NoneType None\.$"))],
)
def test_check_int(value, kwargs, expectation):
    with expectation:
        assert check_int("n", value, **kwargs) == value


@pytest.mark.parametrize(
    ("value", "kwargs", "expectation"),
    [(0.5, {}, does_not_raise()),
     (1, {"min": 0.0}, does_not_raise()),
     (float("nan"), {}, pytest.raises(ValueError, match=r"^'lr' must be a finite number: nan$")),
     (float("inf"), {}, pytest.raises(ValueError, match=r"^'lr' must be a finite number: inf$")),
     (float("inf"), {"finite": False}, does_not_raise()),
     (0.0, {"min": 0.0, "open_min": True}, pytest.raises(ValueError, match=r"^'lr' must be > 0\.0: 0\.0$")),
     (2.0, {"min": 0.0, "max": 1.0}, pytest.raises(ValueError, match=r"^'lr' must be in \[0\.0, 1\.0\]: 2\.0$")),
     (False, {}, pytest.raises(TypeError, match=r"^'lr' must be a number, got bool False\.$")),
     ("1e-3", {}, pytest.raises(TypeError, match=r"^'lr' must be a number, got str '1e-3'\.$"))],
)
def test_check_number(value, kwargs, expectation):
    with expectation:
        assert check_number("lr", value, **kwargs) == value


def test_check_choice_seed_and_arrays():
    """check_choice lists the choices; check_seed bounds seeds; check_int_array refuses floats,
    empties and out-of-range values, naming them."""
    assert check_choice("mode", "a", ("a", "b")) == "a"
    with pytest.raises(ValueError, match=r"^'mode' must be one of 'a', 'b': 'c'$"):
        check_choice("mode", "c", ("a", "b"))
    with pytest.raises(ValueError, match=r"^'mode' must be one of 'a', 'b': \[1\]$"):
        check_choice("mode", [1], ("a", "b"))  # unhashable
    assert check_seed("seed", 2**63 - 1) == 2**63 - 1
    with pytest.raises(ValueError, match=r"^'seed' must be in \[0, 9223372036854775807\]: -1$"):
        check_seed("seed", -1)
    with pytest.raises(ValueError, match=r"^'seed' must be in \[0, 9223372036854775807\]: 9223372036854775808$"):
        check_seed("seed", 2**63)
    np.testing.assert_array_equal(check_int_array("idx", [3, 1]), [3, 1])
    with pytest.raises(TypeError, match=r"'idx' must hold ints, got \[1\.5\] \(dtype float64\); floats are never truncated"):
        check_int_array("idx", [1.5])
    with pytest.raises(ValueError, match=r"^'idx' must hold at least one value, got \[\]\.$"):
        check_int_array("idx", [])
    with pytest.raises(ValueError, match=r"^'idx' must be in \[0, 9\]: \[10, 200\]$"):
        check_int_array("idx", np.array([10, 200, 3], np.uint8), min=0, max=9)
    with pytest.raises(ValueError, match=r"'idx' must be at most 1-D"):
        check_int_array("idx", [[1]])


def test_check_unit_interval():
    check_unit_interval("x", np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"'x' must be finite; it holds NaN or inf at 2 position"):
        check_unit_interval("x", np.array([np.nan, np.inf, 0.5]))
    with pytest.raises(ValueError, match=r"'x' must lie in \[0, 1\]; its values span \[-1, 2\]"):
        check_unit_interval("x", np.array([-1.0, 2.0]))


@pytest.mark.parametrize(
    "make",
    [lambda: NetworkConfig(n_latent=0), lambda: NetworkConfig(activation="gelu"), lambda: Probe(every=0),
     lambda: Probe(every=True), lambda: Probe(dtype="int8"), lambda: PixelSwap(mode="swap"),
     lambda: PixelSwap(p=2.0), lambda: Schedule([0.0]), lambda: Schedule(["x"])],
    ids=["config-latent", "config-activation", "probe-every", "probe-bool", "probe-dtype", "mode", "p",
         "rate-zero", "rate-str"],
)
def test_attrs_messages_never_show_the_attribute_tuple(make):
    """attrs classes' errors name the field, never print attrs' Attribute(name=..., ...) tuple."""
    with pytest.raises((TypeError, ValueError)) as info:
        make()
    text = str(info.value)
    assert "Attribute(" not in text and "\n" not in text
    assert text.startswith("'")  # the field's name comes first


def test_validator_helper_names_the_field():
    @attrs.frozen
    class A:
        k: int = attrs.field(validator=validator(check_int, min=2))

    with pytest.raises(ValueError, match=r"^'k' must be >= 2: 1$"):
        A(1)


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [(lambda n: n.encode(np.zeros((2, 783), np.float32)), ValueError,
      r"x must have 784 pixels along its last axis \(shape \(N, 784\)\), got shape \(2, 783\)"),
     (lambda n: n.encode(torch.zeros(2, 783)), ValueError, r"x must have 784 pixels"),
     (lambda n: n.elbo(np.zeros((2, 783), np.float32)), ValueError, r"x must have 784 pixels"),
     (lambda n: n.decode(np.zeros((2, 5), np.float32)), ValueError, r"z must have 4 latent units"),
     (lambda n: n.encode(np.full((1, 784), np.nan, np.float32)), ValueError,
      r"input holds NaN or inf at 784 position\(s\); it must be finite"),
     (lambda n: Network(NetworkConfig(n_latent=4, n_hidden=8), seed=-1), ValueError, r"^'seed' must be in \[0, ")],
    ids=["783-pixels", "783-tensor", "elbo-783", "decode-width", "nan-image", "seed-minus-1"],
)
def test_network_inputs(call, error, match):
    """Wrong image widths, NaN images and negative seeds give messages, not matmul errors."""
    net = Network(NetworkConfig(n_latent=4, n_hidden=8), seed=0)
    with pytest.raises(error, match=match):
        call(net)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [({"lr": float("nan")}, ValueError, r"^'lr' must be a finite number: nan$"),
     ({"lr": 0.0}, ValueError, r"^'lr' must be > 0\.0: 0\.0$"),
     ({"epochs": 1.5}, TypeError, r"^'epochs' must be an int, got float 1\.5\.$"),
     ({"seed": -1}, ValueError, r"^'seed' must be in \[0, ")],
)
def test_classifier_fit_inputs(tiny_digits, kwargs, error, match):
    clf = Classifier(conv1=2, conv2=2, hidden=4, seed=0)
    with pytest.raises(error, match=match):
        clf.fit(tiny_digits.select(n=10, seed=0), **{"epochs": 1, **kwargs})


def test_classifier_sizes():
    with pytest.raises(ValueError, match=r"^'conv1' must be >= 1: 0$"):
        Classifier(conv1=0)
    with pytest.raises(TypeError, match=r"^'hidden' must be an int, got float 12\.5\.$"):
        Classifier(hidden=12.5)


@pytest.mark.parametrize(
    ("device", "error", "match"),
    [("meta", ValueError, r"no computation runs on 'meta'"), ("tpu9", ValueError, r"device must be 'auto'"),
     (3, TypeError, r"device must be .* got int"), ("cuda:99", ValueError, r"(not available|CUDA device)")],
)
def test_resolve_device_refuses_what_cannot_compute(device, error, match):
    """resolve_device accepts auto/cpu/cuda[:n] only; 'meta' (which broke later runs) is refused."""
    from neurogen.device import resolve_device

    with pytest.raises(error, match=match):
        resolve_device(device)
    assert resolve_device("cpu") == torch.device("cpu")
