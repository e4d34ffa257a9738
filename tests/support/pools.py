"""Functions that tests run inside the generation's worker processes (spawned: they must be importable)."""

from __future__ import annotations

import polars as pl

from pipeline.errors import DataInvalid, Failure


def polars_threads() -> int:
    return pl.thread_pool_size()


def fail_validation() -> None:
    raise DataInvalid([Failure("orders", "total_amount", "greater_than_or_equal_to(0)", 3, [{"row": 7}], "part")])
