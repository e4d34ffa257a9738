"""Ways to break one row of a good frame, for the tests that plant one violation and look for exactly it."""

from __future__ import annotations

from typing import Any

import polars as pl


def set_row(frame: pl.DataFrame, row: int, **values: Any) -> pl.DataFrame:
    """``frame`` with the given columns of ``row`` (0-based) changed."""
    return frame.with_columns(
        frame[column].scatter(row, pl.Series([value], dtype=frame.schema[column])) for column, value in values.items()
    )


def append_copy(frame: pl.DataFrame, row: int, **values: Any) -> pl.DataFrame:
    """``frame`` with a copy of ``row`` added at the end, ``values`` changed in the copy."""
    return pl.concat([frame, set_row(frame.slice(row, 1), 0, **values)])
