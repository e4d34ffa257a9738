"""Planted anomalies are labelled, look like what their label says, and still pass every hard rule."""

from __future__ import annotations

import polars as pl
import pytest

from pipeline.domain import KIND_NAMES
from tests.support.cli import run_pipeline

pytestmark = pytest.mark.fast


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    # The highest allowed rate: the run succeeding proves that anomalies break no hard rule.
    data_dir = run_pipeline(tmp_path_factory.mktemp("anomalous"), "--anomaly-rate", "0.2", "--scale", "2")
    frames = {
        t: pl.read_parquet(sorted((data_dir / "lake" / t).glob("*.parquet")))
        for t in ("orders", "order_items", "payments")
    }
    frames["labels"] = pl.read_parquet(data_dir / "labels" / "anomalies.parquet")
    return frames


def _labelled(lake: dict[str, pl.DataFrame], kind: str) -> pl.DataFrame:
    return lake["labels"].filter(pl.col("kind") == kind).select("order_id")


def test_every_kind_is_planted(lake: dict[str, pl.DataFrame]) -> None:
    counts = dict(lake["labels"].group_by("kind").len().iter_rows())
    assert set(counts) == set(KIND_NAMES)
    assert lake["labels"]["order_id"].is_unique().all()


def test_extreme_amounts_have_wholesale_quantities(lake: dict[str, pl.DataFrame]) -> None:
    items = lake["order_items"].join(_labelled(lake, "extreme_amount"), on="order_id")
    assert items["quantity"].min() >= 20
    normal = lake["order_items"].join(lake["labels"], on="order_id", how="anti")
    assert normal["quantity"].max() < 20


def test_payment_mismatches_differ_from_the_total(lake: dict[str, pl.DataFrame]) -> None:
    paid = lake["payments"].join(lake["orders"], on="order_id")
    mismatched = paid.join(_labelled(lake, "payment_mismatch"), on="order_id")
    assert ((mismatched["amount"] - mismatched["total_amount"]).abs() >= 0.01).all()
    others = paid.join(_labelled(lake, "payment_mismatch"), on="order_id", how="anti")
    assert ((others["amount"] - others["total_amount"]).abs() < 0.005).all()


def test_late_payments_come_30_to_60_days_later(lake: dict[str, pl.DataFrame]) -> None:
    paid = lake["payments"].join(lake["orders"], on="order_id").join(_labelled(lake, "late_payment"), on="order_id")
    lag = (paid["payment_date"] - paid["order_date"]).dt.total_days()
    assert lag.min() >= 30
    assert lag.max() <= 60


def test_bursts_are_one_customer_ordering_many_times_a_day(lake: dict[str, pl.DataFrame]) -> None:
    burst = lake["orders"].join(_labelled(lake, "burst"), on="order_id")
    per_day = burst.group_by("customer_id", "order_date").len()
    assert per_day["len"].min() >= 6  # bursts of 6-10 orders; two on one customer's day only add up
