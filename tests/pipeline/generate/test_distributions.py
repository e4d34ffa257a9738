"""The data looks like a shop's: statistical checks with tolerances wide enough for any seed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest
from scipy import stats

from tests.conftest import RunCli


@pytest.fixture(scope="module")
def lake(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pl.DataFrame]:
    from pipeline.cli import main

    data_dir = tmp_path_factory.mktemp("scale10")
    assert main(["generate", "--data-dir", str(data_dir), "--scale", "10", "--seed", "7", "--workers", "1"]) == 0
    tables = ("customers", "products", "orders", "order_items", "payments")
    return {t: pl.read_parquet(sorted((data_dir / "lake" / t).glob("*.parquet"))) for t in tables}


def test_prices_are_log_normal_within_each_category(lake: dict[str, pl.DataFrame]) -> None:
    for category, group in lake["products"].group_by("category"):
        log_price = np.log(group["price"].to_numpy())
        if log_price.size < 200:
            continue
        # Standardised log-prices against N(0, 1): a log-normal passes, a normal (or uniform) price does not.
        z = (log_price - log_price.mean()) / log_price.std()
        assert stats.kstest(z, "norm").pvalue > 0.001, category
        assert abs(stats.skew(log_price)) < 0.25, category
        assert stats.skew(group["price"].to_numpy()) > 1.0, category  # prices themselves are right-skewed


def test_items_per_order_mean_and_dispersion(lake: dict[str, pl.DataFrame]) -> None:
    per_order = lake["order_items"].group_by("order_id").len()["len"].to_numpy()
    assert per_order.min() >= 1
    assert per_order.mean() == pytest.approx(2.5, abs=1e-9)  # exactly 10,000 / 4,000
    # 1 + a multinomial spread of the 1.5 extra items per order: Poisson-like, variance close to 1.5.
    assert per_order.var() == pytest.approx(1.5, rel=0.05)


def test_orders_per_customer_are_overdispersed(lake: dict[str, pl.DataFrame]) -> None:
    counts = (
        lake["customers"]
        .select("customer_id")
        .join(lake["orders"].group_by("customer_id").len(), on="customer_id", how="left")
        .fill_null(0)["len"]
        .to_numpy()
    )
    assert counts.mean() == pytest.approx(2.0)
    assert counts.var() / counts.mean() > 3  # a Poisson would give 1
    assert (counts == 0).mean() > 0.2  # many sign up and never buy
    top_percent = np.sort(counts)[-len(counts) // 100 :]
    assert top_percent.sum() / counts.sum() > 0.08  # power users


def test_weekends_and_december_sell_more(lake: dict[str, pl.DataFrame]) -> None:
    daily = (
        lake["orders"]
        .group_by("order_date")
        .len()
        .with_columns(weekday=pl.col("order_date").dt.weekday(), month=pl.col("order_date").dt.month())
    )
    weekend = daily.filter(pl.col("weekday") >= 6)["len"].mean()
    midweek = daily.filter(pl.col("weekday").is_between(1, 4))["len"].mean()
    assert weekend / midweek > 1.15
    december = daily.filter(pl.col("month") == 12)["len"].mean()
    spring = daily.filter(pl.col("month").is_between(3, 5))["len"].mean()
    assert december / spring > 1.4


def test_product_popularity_is_skewed(lake: dict[str, pl.DataFrame]) -> None:
    sold = lake["order_items"].group_by("product_id").len().sort("len", descending=True)["len"].to_numpy()
    top_tenth = sold[: len(lake["products"]) // 10].sum() / sold.sum()
    assert top_tenth > 0.35  # a uniform pick would give about 0.10


def test_payments_follow_their_orders(lake: dict[str, pl.DataFrame]) -> None:
    paid = lake["payments"].join(lake["orders"], on="order_id")
    lag = (paid["payment_date"] - paid["order_date"]).dt.total_days()
    assert lag.min() >= 0
    assert (lag == 0).mean() > 0.5
    shares = lake["payments"]["payment_method"].value_counts(normalize=True).sort("payment_method")
    share = dict(zip(shares["payment_method"], shares["proportion"], strict=True))
    assert share["card"] == pytest.approx(0.62, abs=0.02)
    assert share["paypal"] == pytest.approx(0.27, abs=0.02)
    assert share["bank"] == pytest.approx(0.11, abs=0.02)


def test_names_and_emails_look_real(lake: dict[str, pl.DataFrame]) -> None:
    customers = lake["customers"]
    assert customers["email"].n_unique() == customers.height
    assert customers["first_name"].n_unique() > 300
    assert customers["email"].str.contains(r"^[a-z]+[._]?[a-z]+\d+@[a-z]+\.[a-z]+$").all()
    assert lake["products"]["name"].str.split(" ").list.len().min() >= 3


def test_end_date_moves_the_window(run_cli: RunCli, tmp_path: Path) -> None:
    # A window that ends elsewhere keeps every date inside it.
    assert run_cli("generate", "--data-dir", tmp_path, "--scale", "0.2", "--end-date", "2020-06-30").status == 0
    dates = pl.read_parquet(sorted((tmp_path / "lake" / "orders").glob("*.parquet")))["order_date"]
    assert str(dates.min()) >= "2017-07-01"
    assert str(dates.max()) <= "2020-06-30"
