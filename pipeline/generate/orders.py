"""orders: one row per order, its customer, day and total (the exact sum of its lines)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.generate.baskets import Baskets
from pipeline.generate.plan import dates


def from_baskets(baskets: Baskets, start_date: dt.date) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "order_id": baskets.order_id,
            "customer_id": baskets.customer_id,
            "order_date": dates(start_date, baskets.order_day),
            "total_amount": baskets.total_cents / 100,
        }
    )
