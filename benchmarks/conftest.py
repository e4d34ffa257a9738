"""Shared fixtures for the benchmark suites: the scale, the machine and versions every result records.

Benchmarks are not tests: they live outside ``testpaths`` and run with ``pytest benchmarks/ --benchmark-only``.
``BENCH_SCALE`` (default 10) sets the scale of the per-stage suites, ``BENCH_ROUNDS`` (default 3) their rounds.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from benchmarks.environment import machine
from pipeline.manifest import versions

DEFAULT_SCALE = 10.0
DEFAULT_ROUNDS = 3


def bench_scale() -> float:
    raw = os.environ.get("BENCH_SCALE", str(DEFAULT_SCALE))
    try:
        scale = float(raw)
    except ValueError:
        msg = f"BENCH_SCALE={raw!r} is not a number; expected a positive scale factor such as 10"
        raise ValueError(msg) from None
    if scale <= 0:
        msg = f"BENCH_SCALE={raw!r} must be positive"
        raise ValueError(msg)
    return scale


def bench_rounds() -> int:
    raw = os.environ.get("BENCH_ROUNDS", str(DEFAULT_ROUNDS))
    if not raw.isdigit() or int(raw) < 1:
        msg = f"BENCH_ROUNDS={raw!r} must be a whole number >= 1"
        raise ValueError(msg)
    return int(raw)


@pytest.fixture(scope="session")
def scale() -> float:
    return bench_scale()


@pytest.fixture(scope="session")
def rounds() -> int:
    return bench_rounds()


@pytest.fixture(scope="session")
def environment(scale: float) -> dict[str, Any]:
    """What every benchmark result records in ``extra_info``."""
    return {"scale": scale, "versions": versions(), "machine": machine()}
