"""Row counts, chunk boundaries and random-stream addresses: everything that must not depend on worker count."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum

import numpy as np
import polars as pl

from pipeline.schema import TABLES

# Rows of each table at scale 1; a scale multiplies them (rounded, at least 1).
BASE_ROWS = {"customers": 2_000, "products": 600, "orders": 4_000, "order_items": 10_000, "payments": 4_000}

# Fixed chunk sizes: chunk boundaries (and so every random stream) are the same whatever the number of workers.
CUSTOMERS_PER_CHUNK = 250_000
PRODUCTS_PER_CHUNK = 250_000
ORDERS_PER_CHUNK = 100_000


class Stream(IntEnum):
    """The first element of every random stream's address: (seed, Stream, chunk).

    One stream per concern (a column, or one decision of the order simulation), as tpchgen-rs keeps one per
    column: changing one knob (say the anomaly rate) or adding a column re-draws only what depends on it.
    Every stream draws a fixed number of values per chunk, never a number that depends on the data.
    """

    SIGNUP_DAY = 1
    PROPENSITY = 2
    FIRST_NAME = 3
    LAST_NAME = 4
    EMAIL_SEPARATOR = 5
    EMAIL_DOMAIN = 6
    CATEGORY = 7
    PRICE = 8
    POPULARITY = 9
    BRAND = 10
    ADJECTIVE = 11
    NOUN = 12
    CALENDAR = 13
    ORDER_TIME = 14
    ANOMALY = 15
    BURST_SIZE = 16
    CUSTOMER_PICK = 17
    BASKET_SIZE = 18
    PRODUCT_PICK = 19
    QUANTITY = 20
    EXTREME_QUANTITY = 21
    PAYMENT_METHOD = 22
    PAYMENT_LAG = 23
    LATE_PAYMENT_LAG = 24
    MISMATCH = 25
    NEVER_ORDERS = 26


def rng(seed: int, stream: Stream, chunk: int) -> np.random.Generator:
    """The random generator addressed by (seed, stream, chunk); no other randomness is used."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(int(stream), chunk)))


def dates(start: dt.date, days: np.ndarray) -> pl.Series:
    """Day offsets from ``start`` as a Date column."""
    return pl.Series((days + (start - dt.date(1970, 1, 1)).days).astype(np.int32)).cast(pl.Date)


def rows_at_scale(table: str, scale: float) -> int:
    return max(1, round(BASE_ROWS[table] * scale))


@dataclass(frozen=True)
class Plan:
    """Exact row counts at a scale and how they split into chunks."""

    seed: int
    scale: float
    customers: int
    products: int
    orders: int
    order_items: int

    @classmethod
    def of(cls, seed: int, scale: float) -> Plan:
        return cls(
            seed=seed,
            scale=scale,
            customers=rows_at_scale("customers", scale),
            products=rows_at_scale("products", scale),
            orders=rows_at_scale("orders", scale),
            order_items=rows_at_scale("order_items", scale),
        )

    @property
    def row_counts(self) -> dict[str, int]:
        """Rows per table (in ``TABLES`` order); one payment per order."""
        counts = {
            "customers": self.customers,
            "products": self.products,
            "orders": self.orders,
            "order_items": self.order_items,
            "payments": self.orders,
        }
        return {table: counts[table] for table in TABLES}

    @staticmethod
    def _chunks(total: int, size: int) -> list[tuple[int, int]]:
        return [(start, min(start + size, total)) for start in range(0, total, size)]

    def customer_chunks(self) -> list[tuple[int, int]]:
        return self._chunks(self.customers, CUSTOMERS_PER_CHUNK)

    def product_chunks(self) -> list[tuple[int, int]]:
        return self._chunks(self.products, PRODUCTS_PER_CHUNK)

    def order_chunks(self) -> list[tuple[int, int]]:
        return self._chunks(self.orders, ORDERS_PER_CHUNK)

    def items_before(self, order_index: int) -> int:
        """Items belonging to orders [0, order_index): floor split, so every chunk gets >= 1 item per order."""
        return self.order_items * order_index // self.orders
