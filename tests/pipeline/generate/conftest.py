"""Fixtures for the generation tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipeline.generate import baskets, plan, products


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Many chunks at scale 1, so that cross-chunk consistency is exercised cheaply."""
    monkeypatch.setattr(plan, "CUSTOMERS_PER_CHUNK", 300)
    monkeypatch.setattr(plan, "PRODUCTS_PER_CHUNK", 70)
    monkeypatch.setattr(plan, "ORDERS_PER_CHUNK", 700)
    caches = (products.catalog, baskets._eligibility, baskets._popularity)
    for cached in caches:
        cached.cache_clear()
    yield
    for cached in caches:
        cached.cache_clear()
