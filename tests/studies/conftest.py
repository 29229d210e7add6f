"""Fixtures for the study tests: one tiny run of every study, shared by the module that asks for it."""

from __future__ import annotations

from pathlib import Path

import pytest

from neurogen.studies import StudyResult, run_study


@pytest.fixture(scope="module")
def run_tiny(digits_pair, tmp_path_factory):
    """``run_tiny(name) -> (StudyResult, out)``: the study at the tiny profile on synthetic digits (cached per module)."""
    done: dict[str, tuple[StudyResult, Path]] = {}

    def _run(name: str) -> tuple[StudyResult, Path]:
        if name not in done:
            out = tmp_path_factory.mktemp(name)
            done[name] = (run_study(name, "tiny", out, "cpu", data=digits_pair), out)
        return done[name]

    return _run
