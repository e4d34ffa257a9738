"""Fixtures for the documentation tests: warehouses built once per session by the real CLI.

``scale1_build`` wraps the session's scale-1, seed-42 run (the build the committed dictionary is generated
from); ``tiny`` is a small build for the (slow) profiling tests, made with ``generate`` then ``load`` so that
no profiling runs while building it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest

from tests.support.cli import clean_env
from tests.support.docs import Build, main


def _build(root: Path, scale: str, seed: str = "42") -> Build:
    build = Build(root / "data", scale, seed)
    common: list[str | Path] = ["--data-dir", build.data_dir]
    assert main("generate", *common, "--scale", scale, "--seed", seed, "--workers", "1") == 0
    assert main("load", *common) == 0
    return build


@pytest.fixture(scope="session")
def scale1_build(scale1: Path) -> Build:
    """The session's scale-1, seed-42 ``run`` (tests/conftest.py), which the committed dictionary describes."""
    return Build(scale1, "1", "42")


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Build]:
    with mock.patch.dict(os.environ, clean_env(), clear=True):
        yield _build(tmp_path_factory.mktemp("docs-tiny"), "0.05")
