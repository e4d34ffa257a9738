"""The fast tier (``just test-fast``, ``-m fast``): every package at unit level, each family of cases by one case.

A parametrized test whose cases each build a warehouse or run a command takes its first case into the fast tier
and every case into the full suite, so the edit-test loop stays short without dropping coverage from the suite.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

FAST = pytest.mark.fast


def fast_first(cases: Iterable[Any], ids: Iterable[str] | None = None, *, unpack: bool = False) -> list[Any]:
    """``parametrize`` values: ``cases`` (tuples spread over several argument names when ``unpack``), the first
    one marked fast."""
    listed = list(cases)
    names = list(ids) if ids is not None else [None] * len(listed)
    return [
        pytest.param(*(case if unpack else (case,)), id=name, marks=FAST if position == 0 else ())
        for position, (case, name) in enumerate(zip(listed, names, strict=True))
    ]
