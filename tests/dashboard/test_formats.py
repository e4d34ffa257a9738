"""How numbers read on the dashboard: the compact figures of metrics and axes, worked by hand and against an
independent integer implementation (tests/support/dashboard.compact)."""

from __future__ import annotations

import random

import pytest

from dashboard import formats
from tests.support.dashboard import compact

pytestmark = pytest.mark.fast


@pytest.mark.parametrize(
    ("amount", "shown", "on_an_axis"),
    [
        (1_144_311_700.12, "$1.14B", "$1.14B"),  # the Overview's revenue at scale 1000, once cut to "$1,144,311,7…"
        (4_000_000, "$4.00M", "$4M"),  # three significant digits, trailing zeros kept (dropped on an axis)
        (9_999.99, "$9,999.99", "$9,999.99"),  # below 10,000: the full figure
        (10_000, "$10.0K", "$10K"),
        (12_345.67, "$12.3K", "$12.3K"),
        (99_950, "$100K", "$100K"),  # half up: 99.95K is 100K
        (999_999, "$1.00M", "$1M"),  # and a carry moves up a suffix
        (2_500, "$2,500.00", "$2,500"),
        (0.5, "$0.50", "$0.5"),
        (-15_000, "-$15.0K", "-$15K"),
        (1_234_567_890_123, "$1,230B", "$1,230B"),  # beyond billions the mantissa grows
    ],
)
def test_compact_money(amount: float, shown: str, on_an_axis: str) -> None:
    assert formats.compact_money(amount) == shown
    assert formats.compact_money(amount, trim=True) == on_an_axis


@pytest.mark.parametrize(
    ("value", "shown", "on_an_axis"),
    [(4_000_000, "4.00M", "4M"), (2_000_000, "2.00M", "2M"), (9_999, "9,999", "9,999"), (54_471, "54.5K", "54.5K")],
)
def test_compact_count(value: int, shown: str, on_an_axis: str) -> None:
    assert formats.compact_count(value) == shown
    assert formats.compact_count(value, trim=True) == on_an_axis


def test_compact_agrees_with_an_independent_integer_version() -> None:
    draw = random.Random(24)
    for _ in range(20_000):
        units = draw.randrange(10 ** draw.randrange(1, 14))
        assert formats.compact_money(units / 100) == compact(units, 100, "$"), units
        assert formats.compact_count(units) == compact(units), units
