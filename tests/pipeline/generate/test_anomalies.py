"""Planted anomalies are labelled, look like what their label says, and still pass every hard rule."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from pipeline.domain import KIND_NAMES
from pipeline.generate import baskets
from tests.support import generators
from tests.support.cli import run_pipeline

pytestmark = pytest.mark.fast


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    # The highest allowed rate: the run succeeding proves that anomalies break no hard rule.
    data_dir = run_pipeline(tmp_path_factory.mktemp("anomalous"), "--anomaly-rate", "0.2", "--scale", "2")
    frames = {
        t: pl.read_parquet(sorted((data_dir / "lake" / t).glob("*.parquet")))
        for t in ("customers", "orders", "order_items", "payments")
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


def _bursts_from_old_accounts(lake: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """The bursts (customer, day) whose customer neither signed up on the burst's day nor is the newest customer
    by then (on a day nobody signed up)."""
    customers = lake["customers"].sort("customer_id")
    bursts = lake["orders"].join(_labelled(lake, "burst"), on="order_id").select("customer_id", "order_date").unique()
    newest_by_day = (
        customers.group_by("signup_date")
        .agg(newest_id=pl.col("customer_id").max())
        .sort("signup_date")
        .with_columns(pl.col("newest_id").cum_max())
    )
    newest = bursts.sort("order_date").join_asof(
        newest_by_day,
        left_on="order_date",
        right_on="signup_date",
        strategy="backward",
    )
    joined = newest.join(customers.select("customer_id", "signup_date"), on="customer_id", suffix="_own")
    new_account = (pl.col("signup_date_own") == pl.col("order_date")) | (pl.col("customer_id") == pl.col("newest_id"))
    assert joined.height == bursts.height > 0
    return joined.filter(~new_account)


def test_bursts_come_from_new_accounts(lake: dict[str, pl.DataFrame]) -> None:
    assert _bursts_from_old_accounts(lake).is_empty()


def test_bursts_from_regular_buyers_are_caught(tmp_path: Path) -> None:
    """A wrong generator, the one before issue 24: a burst's customer drawn by propensity, as any order's."""
    with pytest.MonkeyPatch.context() as wrong:
        wrong.setattr(baskets, "_new_accounts", baskets._buyers)
        lake = generators.frames(tmp_path, 42, 2.0, anomaly_rate=0.2)
    old = _bursts_from_old_accounts(lake)
    bursts = lake["orders"].join(_labelled(lake, "burst"), on="order_id").select("customer_id", "order_date").unique()
    assert old.height > bursts.height / 2, f"{old.height} of {bursts.height} bursts from old accounts"
