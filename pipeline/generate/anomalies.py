"""The fraud-like patterns planted on purpose, and their labels (one row per anomalous order)."""

from __future__ import annotations

from enum import IntEnum

import numpy as np
import polars as pl


class Kind(IntEnum):
    """Every planted pattern passes the hard rules; each is visible to a query that knows what to look for."""

    NONE = 0
    EXTREME_AMOUNT = 1
    BURST = 2
    PAYMENT_MISMATCH = 3
    LATE_PAYMENT = 4


# In words, for people (the data dictionary); the numbers live in pipeline/generate/baskets.py.
DESCRIPTIONS = {
    Kind.EXTREME_AMOUNT: "every line of the order has a wholesale quantity, so its total is extreme",
    Kind.BURST: "one customer places 6 to 10 orders on the same day",
    Kind.PAYMENT_MISMATCH: "the payment amount differs from the order total",
    Kind.LATE_PAYMENT: "the payment arrives 30 to 60 days after the order",
}
KIND_NAMES = tuple(kind.name.lower() for kind in Kind if kind is not Kind.NONE)
LABEL_SCHEMA: dict[str, pl.DataType] = {"order_id": pl.Int64(), "kind": pl.Enum(KIND_NAMES)}


def labels(order_id: np.ndarray, kind: np.ndarray) -> pl.DataFrame:
    planted = kind != Kind.NONE
    names = pl.Series(KIND_NAMES).gather(kind[planted].astype(np.int64) - 1)
    return pl.DataFrame({"order_id": order_id[planted], "kind": names}, schema=LABEL_SCHEMA)
