"""payments: exactly one per order, on or after the order's day; payment_id follows order_id."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.domain import PAYMENT_METHODS
from pipeline.generate.baskets import Baskets
from pipeline.generate.plan import dates


def from_baskets(baskets: Baskets, start_date: dt.date) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "payment_id": baskets.order_id,
            "order_id": baskets.order_id,
            "payment_method": pl.Series(PAYMENT_METHODS).gather(baskets.payment_method),
            "amount": baskets.payment_cents / 100,
            "payment_date": dates(start_date, baskets.payment_day),
        }
    )
