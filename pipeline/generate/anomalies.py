"""The labels of the planted anomalies: one row per anomalous order, with its kind (``pipeline.domain``)."""

from __future__ import annotations

import numpy as np
import polars as pl

from pipeline.domain import KIND_NAMES, AnomalyKind

LABEL_SCHEMA: dict[str, pl.DataType] = {"order_id": pl.Int64(), "kind": pl.Enum(KIND_NAMES)}


def labels(order_id: np.ndarray, kind: np.ndarray) -> pl.DataFrame:
    planted = kind != AnomalyKind.NONE
    names = pl.Series(KIND_NAMES).gather(kind[planted].astype(np.int64) - 1)
    return pl.DataFrame({"order_id": order_id[planted], "kind": names}, schema=LABEL_SCHEMA)
