from __future__ import annotations

import itertools

import pytest

from pipeline.generate.plan import BASE_ROWS, ORDERS_PER_CHUNK, Plan
from pipeline.schema import TABLES

pytestmark = pytest.mark.fast


@pytest.mark.parametrize(
    ("scale", "expected"),
    [
        (1, (2_000, 600, 4_000, 10_000, 4_000)),
        (0.37, (740, 222, 1_480, 3_700, 1_480)),
        (0.01, (20, 6, 40, 100, 40)),
        (1000, (2_000_000, 600_000, 4_000_000, 10_000_000, 4_000_000)),
        (1e-6, (1, 1, 1, 1, 1)),  # every table keeps at least one row
    ],
)
def test_counts_are_base_times_scale(scale: float, expected: tuple[int, ...]) -> None:
    assert tuple(Plan.of(42, scale).row_counts[t] for t in TABLES) == expected


def test_chunks_cover_every_row_once() -> None:
    plan = Plan.of(42, 1000)
    chunks = plan.order_chunks()
    assert chunks[0][0] == 0
    assert chunks[-1][1] == plan.orders
    assert all(a[1] == b[0] for a, b in itertools.pairwise(chunks))
    assert len(chunks) == plan.orders // ORDERS_PER_CHUNK


@pytest.mark.parametrize("scale", [0.0004, 0.37, 1, 3.3, 1000])
def test_every_order_chunk_gets_at_least_one_item_per_order(scale: float) -> None:
    plan = Plan.of(42, scale)
    for first, stop in plan.order_chunks():
        assert plan.items_before(stop) - plan.items_before(first) >= stop - first
    assert plan.items_before(plan.orders) == plan.order_items


def test_base_rows_match_the_design() -> None:
    assert BASE_ROWS == {"customers": 2_000, "products": 600, "orders": 4_000, "order_items": 10_000, "payments": 4_000}
