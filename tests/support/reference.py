"""Independent answers to every query, computed with Polars expressions on the lake's frames.

Money is summed in integer cents, as the queries sum it in exact decimals, so results compare exactly up to
the final rounding. Written from each query's header (what it answers), not translated from its SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Final

import polars as pl
from polars.testing import assert_frame_equal

# As DuckDB's round(): halves go away from zero (Polars rounds them to even by default).
HALF_UP: Final = "half_away_from_zero"
# The queries' default date range: every day.
ALL_TIME: Final = (dt.date(1900, 1, 1), dt.date(9999, 12, 31))


def same(actual: pl.DataFrame, expected: pl.DataFrame) -> None:
    """Every column of a query's answer, in its order and type, equals the reference's."""
    assert expected.height > 0, "the reference is empty, so the comparison would prove nothing"
    # Floats differ only in the last bit (cents / 100 here, decimal to double in DuckDB); all else is exact.
    assert_frame_equal(actual, expected, check_exact=False, rel_tol=1e-12, abs_tol=1e-9)


def cents(column: str) -> pl.Expr:
    return (pl.col(column) * 100).round().cast(pl.Int64)


def money(expr: pl.Expr) -> pl.Expr:
    return expr / 100


def average_cents(total_cents: str, count: str) -> pl.Expr:
    """An average in currency units, rounded to the cent half away from zero."""
    return (pl.col(total_cents) / pl.col(count)).round(0, mode=HALF_UP) / 100


@dataclass(frozen=True)
class Shop:
    customers: pl.DataFrame
    products: pl.DataFrame
    orders: pl.DataFrame
    order_items: pl.DataFrame
    payments: pl.DataFrame

    def orders_between(self, start: dt.date, end: dt.date) -> pl.DataFrame:
        return self.orders.filter(pl.col("order_date").is_between(start, end)).with_columns(cents=cents("total_amount"))

    def lines_between(self, start: dt.date, end: dt.date) -> pl.DataFrame:
        dated = self.orders_between(start, end).select("order_id")
        return self.order_items.join(dated, on="order_id").with_columns(cents=cents("line_total"))


def top_customers(shop: Shop, start: dt.date, end: dt.date, limit: int) -> pl.DataFrame:
    spend = (
        shop.orders_between(start, end)
        .group_by("customer_id")
        .agg(order_count=pl.len(), spend=pl.col("cents").sum())
        .sort(["spend", "customer_id"], descending=[True, False])
        .head(limit)
    )
    return spend.join(shop.customers, on="customer_id", maintain_order="left").select(
        spend_rank=pl.int_range(1, pl.len() + 1),
        customer_id="customer_id",
        first_name="first_name",
        last_name="last_name",
        email="email",
        order_count=pl.col("order_count").cast(pl.Int64),
        total_spend=money(pl.col("spend")),
        avg_order_value=average_cents("spend", "order_count"),
    )


def product_sales(shop: Shop, start: dt.date, end: dt.date) -> pl.DataFrame:
    sales = (
        shop.lines_between(start, end)
        .group_by("product_id")
        .agg(order_count=pl.col("order_id").n_unique(), units=pl.col("quantity").sum(), revenue=pl.col("cents").sum())
    )
    return shop.products.join(sales, on="product_id", how="left").with_columns(
        pl.col("order_count", "units", "revenue").fill_null(0)
    )


def top_products(shop: Shop, start: dt.date, end: dt.date, rank_by: str, limit: int) -> pl.DataFrame:
    sales = product_sales(shop, start, end)
    by_revenue = sales.sort(["revenue", "product_id"], descending=[True, False]).with_row_index(
        "revenue_rank", offset=1
    )
    ranked = by_revenue.sort(["units", "product_id"], descending=[True, False]).with_row_index("units_rank", offset=1)
    rank = "units_rank" if rank_by == "units" else "revenue_rank"
    return (
        ranked.sort(rank)
        .head(limit)
        .select(
            sales_rank=pl.col(rank).cast(pl.Int64),
            product_id="product_id",
            name="name",
            category="category",
            price="price",
            order_count=pl.col("order_count").cast(pl.Int64),
            units=pl.col("units").cast(pl.Int64),
            revenue=money(pl.col("revenue")),
            revenue_rank=pl.col("revenue_rank").cast(pl.Int64),
            units_rank=pl.col("units_rank").cast(pl.Int64),
        )
    )


def category_revenue(shop: Shop, start: dt.date, end: dt.date) -> pl.DataFrame:
    lines = shop.lines_between(start, end).join(shop.products.select("product_id", "category"), on="product_id")
    return (
        lines.group_by("category")
        .agg(order_count=pl.col("order_id").n_unique(), units=pl.col("quantity").sum(), revenue=pl.col("cents").sum())
        .sort(["revenue", "category"], descending=[True, False])
        .select(
            "category",
            pl.col("order_count").cast(pl.Int64),
            pl.col("units").cast(pl.Int64),
            revenue=money(pl.col("revenue")),
            revenue_share=(pl.col("revenue") / pl.col("revenue").sum()).round(4, mode=HALF_UP),
        )
    )


_EVERY = {"day": "1d", "week": "1w", "month": "1mo"}


def revenue_timeseries(shop: Shop, start: dt.date, end: dt.date, grain: str) -> pl.DataFrame:
    orders = shop.orders_between(start, end).with_columns(period_start=pl.col("order_date").dt.truncate(_EVERY[grain]))
    per_period = orders.group_by("period_start").agg(
        order_count=pl.len(), customer_count=pl.col("customer_id").n_unique(), revenue=pl.col("cents").sum()
    )
    first, last = orders.select(first=pl.col("period_start").min(), last=pl.col("period_start").max()).row(0)
    spine = pl.DataFrame({"period_start": pl.date_range(first, last, _EVERY[grain], eager=True)})
    return (
        spine.join(per_period, on="period_start", how="left")
        .sort("period_start")
        .select(
            "period_start",
            order_count=pl.col("order_count").fill_null(0).cast(pl.Int64),
            customer_count=pl.col("customer_count").fill_null(0).cast(pl.Int64),
            revenue=money(pl.col("revenue").fill_null(0)).cast(pl.Float64),
            avg_order_value=average_cents("revenue", "order_count").fill_null(0.0),
        )
    )


def per_customer(orders: pl.DataFrame) -> pl.DataFrame:
    return orders.group_by("customer_id").agg(
        order_count=pl.len(),
        spend=pl.col("cents").sum(),
        first_order_date=pl.col("order_date").min(),
        last_order_date=pl.col("order_date").max(),
        active_months=pl.col("order_date").dt.truncate("1mo").n_unique(),
    )


def customer_aov(shop: Shop, start: dt.date, end: dt.date, min_orders: int) -> pl.DataFrame:
    summary = per_customer(shop.orders_between(start, end)).filter(pl.col("order_count") >= min_orders)
    return (
        summary.join(shop.customers, on="customer_id")
        .sort("customer_id")
        .select(
            "customer_id",
            "first_name",
            "last_name",
            "email",
            "signup_date",
            order_count=pl.col("order_count").cast(pl.Int64),
            total_spend=money(pl.col("spend")),
            avg_order_value=average_cents("spend", "order_count"),
            first_order_date="first_order_date",
            last_order_date="last_order_date",
        )
    )


def anomalies(
    shop: Shop,
    start: dt.date,
    end: dt.date,
    tolerance_cents: int,
    late_days: int,
    extreme_quantity: int,
    burst_orders: int,
) -> pl.DataFrame:
    orders = shop.orders_between(start, end)
    min_quantity = shop.order_items.group_by("order_id").agg(min_quantity=pl.col("quantity").min())
    per_day = orders.group_by("customer_id", "order_date").agg(orders_that_day=pl.len())
    signals = (
        orders.join(shop.payments.with_columns(paid=cents("amount")), on="order_id")
        .join(min_quantity, on="order_id")
        .join(per_day, on=["customer_id", "order_date"])
        .with_columns(
            lag=(pl.col("payment_date") - pl.col("order_date")).dt.total_days(),
            mismatch=(pl.col("paid") - pl.col("cents")).abs() > tolerance_cents,
            extreme=pl.col("min_quantity") >= extreme_quantity,
            burst=pl.col("orders_that_day") >= burst_orders,
        )
        .with_columns(late=pl.col("lag") >= late_days)
    )
    rules = ("mismatch", "late", "extreme", "burst")
    names = {"mismatch": "payment_mismatch", "late": "late_payment", "extreme": "extreme_amount", "burst": "burst"}
    kind = pl.when(rules[0]).then(pl.lit(names[rules[0]]))
    for rule in rules[1:]:
        kind = kind.when(rule).then(pl.lit(names[rule]))
    reasons = pl.concat_str([pl.when(r).then(pl.lit(names[r])) for r in rules], separator=",", ignore_nulls=True)
    return (
        signals.filter(pl.any_horizontal(rules))
        .sort("order_id")
        .select(
            "order_id",
            "customer_id",
            "order_date",
            "total_amount",
            paid_amount=pl.col("amount"),
            payment_lag_days=pl.col("lag").cast(pl.Int64),
            min_quantity=pl.col("min_quantity").cast(pl.Int64),
            orders_that_day=pl.col("orders_that_day").cast(pl.Int64),
            kind=kind,
            reasons=reasons,
        )
    )


def power_users(shop: Shop, start: dt.date, end: dt.date, min_orders: int, limit: int) -> pl.DataFrame:
    summary = per_customer(shop.orders_between(start, end))
    total = summary["spend"].sum()
    power = (
        summary.filter(pl.col("order_count") >= min_orders)
        .sort(["order_count", "spend", "customer_id"], descending=[True, True, False])
        .head(limit)
    )
    return power.join(shop.customers, on="customer_id", maintain_order="left").select(
        power_rank=pl.int_range(1, pl.len() + 1),
        customer_id="customer_id",
        first_name="first_name",
        last_name="last_name",
        order_count=pl.col("order_count").cast(pl.Int64),
        total_spend=money(pl.col("spend")),
        spend_share=(pl.col("spend") / total).round(6, mode=HALF_UP),
        active_months=pl.col("active_months").cast(pl.Int64),
        orders_per_active_month=(pl.col("order_count") / pl.col("active_months")).round(2, mode=HALF_UP),
        first_order_date="first_order_date",
        last_order_date="last_order_date",
    )


def _month_number(expr: pl.Expr) -> pl.Expr:
    return expr.dt.year().cast(pl.Int64) * 12 + expr.dt.month().cast(pl.Int64)


def signup_cohorts(shop: Shop, max_months: int) -> pl.DataFrame:
    cohorts = shop.customers.select(
        "customer_id",
        cohort=_month_number(pl.col("signup_date")),
        cohort_month=pl.col("signup_date").dt.truncate("1mo"),
    )
    sizes = cohorts.group_by("cohort", "cohort_month").agg(cohort_size=pl.len())
    active = (
        shop.orders.join(cohorts, on="customer_id")
        .with_columns(offset=_month_number(pl.col("order_date")) - pl.col("cohort"))
        .filter(pl.col("offset") <= max_months)
        .group_by("cohort", "offset")
        .agg(active_customers=pl.col("customer_id").n_unique())
    )
    last = shop.orders.select(_month_number(pl.col("order_date")).max()).item()
    grid = sizes.join(pl.DataFrame({"offset": list(range(max_months + 1))}), how="cross").filter(
        pl.col("cohort") + pl.col("offset") <= last
    )
    return (
        grid.join(active, on=["cohort", "offset"], how="left")
        .with_columns(pl.col("active_customers").fill_null(0))
        .sort("cohort", "offset")
        .select(
            "cohort_month",
            months_since_signup=pl.col("offset"),
            cohort_size=pl.col("cohort_size").cast(pl.Int64),
            active_customers=pl.col("active_customers").cast(pl.Int64),
            retention_rate=(pl.col("active_customers") / pl.col("cohort_size")).round(4, mode=HALF_UP),
        )
    )


def rfm_segments(shop: Shop, as_of: dt.date | None) -> pl.DataFrame:
    """As of ``as_of`` (the last order day when None): only the orders up to that day count."""
    as_of = as_of or shop.orders["order_date"].max()
    summary = per_customer(shop.orders_between(dt.date.min, as_of)).sort("customer_id")
    n = summary.height

    def quintile(by: str) -> pl.Expr:
        # ntile(5): the first n % 5 buckets get one extra row.
        position = pl.struct(by, "customer_id").rank("ordinal") - 1
        size, extra = n // 5, n % 5
        big = extra * (size + 1)
        return (
            pl.when(position < big)
            .then(position // (size + 1) + 1)
            .otherwise((position - big) // max(size, 1) + extra + 1)
            .cast(pl.Int64)
        )

    scored = summary.with_columns(
        recency_days=(pl.lit(as_of) - pl.col("last_order_date")).dt.total_days(),
        r=quintile("last_order_date"),
        f=quintile("order_count"),
        m=quintile("spend"),
    )
    segment = (
        pl.when((pl.col("r") >= 4) & (pl.col("f") >= 4))
        .then(pl.lit("champions"))
        .when((pl.col("r") >= 3) & (pl.col("f") >= 3))
        .then(pl.lit("loyal"))
        .when(pl.col("r") >= 4)
        .then(pl.lit("new"))
        .when((pl.col("r") <= 2) & (pl.col("f") >= 3))
        .then(pl.lit("at_risk"))
        .when(pl.col("r") <= 2)
        .then(pl.lit("hibernating"))
        .otherwise(pl.lit("needs_attention"))
    )
    return scored.select(
        "customer_id",
        "last_order_date",
        pl.col("recency_days").cast(pl.Int64),
        pl.col("order_count").cast(pl.Int64),
        total_spend=money(pl.col("spend")),
        r_score="r",
        f_score="f",
        m_score="m",
        rfm_code=pl.concat_str("r", "f", "m"),
        segment=segment,
    )


def repeat_purchase_rate(shop: Shop, window_days: int) -> pl.DataFrame:
    ordered = shop.orders.sort("customer_id", "order_date", "order_id")
    firsts = ordered.group_by("customer_id", maintain_order=True).agg(
        first=pl.col("order_date").first(), second=pl.col("order_date").get(1, null_on_oob=True)
    )
    repeated = (pl.col("second") - pl.col("first")).dt.total_days() <= window_days
    return (
        firsts.group_by(month=pl.col("first").dt.truncate("1mo"))
        .agg(new_buyers=pl.len(), repeat_buyers=repeated.fill_null(False).sum())
        .sort("month")
        .select(
            first_order_month="month",
            new_buyers=pl.col("new_buyers").cast(pl.Int64),
            repeat_buyers=pl.col("repeat_buyers").cast(pl.Int64),
            repeat_rate=(pl.col("repeat_buyers") / pl.col("new_buyers")).round(4, mode=HALF_UP),
        )
    )


def bought_together(shop: Shop, start: dt.date, end: dt.date, min_orders: int, limit: int) -> pl.DataFrame:
    baskets = shop.lines_between(start, end).select("order_id", "product_id").unique()
    n_orders = shop.orders_between(start, end).height
    per_product = baskets.group_by("product_id").agg(n=pl.len())
    pairs = (
        baskets.join(baskets, on="order_id", suffix="_b")
        .filter(pl.col("product_id") < pl.col("product_id_b"))
        .group_by(a="product_id", b="product_id_b")
        .agg(together=pl.len())
        .filter(pl.col("together") >= min_orders)
        .join(per_product.rename({"product_id": "a", "n": "n_a"}), on="a")
        .join(per_product.rename({"product_id": "b", "n": "n_b"}), on="b")
        .with_columns(lift=(pl.col("together") * n_orders / (pl.col("n_a") * pl.col("n_b"))).round(2, mode=HALF_UP))
    )
    names = shop.products.select("product_id", "name")
    return (
        pairs.sort(["together", "lift", "a", "b"], descending=[True, True, False, False])
        .head(limit)
        .join(names.rename({"product_id": "a", "name": "name_a"}), on="a", maintain_order="left")
        .join(names.rename({"product_id": "b", "name": "name_b"}), on="b", maintain_order="left")
        .select(
            product_a_id="a",
            product_a_name="name_a",
            product_b_id="b",
            product_b_name="name_b",
            orders_together=pl.col("together").cast(pl.Int64),
            pair_support=(pl.col("together") / n_orders).round(6, mode=HALF_UP),
            confidence_a_to_b=(pl.col("together") / pl.col("n_a")).round(4, mode=HALF_UP),
            lift="lift",
        )
    )


def payment_mix(shop: Shop, start: dt.date, end: dt.date, grain: str) -> pl.DataFrame:
    payments = shop.payments.filter(pl.col("payment_date").is_between(start, end)).with_columns(
        period_start=pl.col("payment_date").dt.truncate(_EVERY[grain]), cents=cents("amount")
    )
    per_method = payments.group_by("period_start", "payment_method").agg(
        payment_count=pl.len(), amount=pl.col("cents").sum()
    )
    return per_method.sort("period_start", "payment_method").select(
        "period_start",
        "payment_method",
        payment_count=pl.col("payment_count").cast(pl.Int64),
        amount=money(pl.col("amount")),
        count_share=(pl.col("payment_count") / pl.col("payment_count").sum().over("period_start")).round(
            4, mode=HALF_UP
        ),
        amount_share=(pl.col("amount") / pl.col("amount").sum().over("period_start")).round(4, mode=HALF_UP),
    )


def signups(shop: Shop, start: dt.date, end: dt.date, grain: str) -> pl.DataFrame:
    joined = shop.customers.filter(pl.col("signup_date").is_between(start, end))
    return (
        joined.group_by(period_start=pl.col("signup_date").dt.truncate(_EVERY[grain]))
        .agg(signups=pl.len().cast(pl.Int64))
        .sort("period_start")
    )


def category_revenue_timeseries(shop: Shop, start: dt.date, end: dt.date, grain: str) -> pl.DataFrame:
    dated = shop.orders_between(start, end).select(
        "order_id", period_start=pl.col("order_date").dt.truncate(_EVERY[grain])
    )
    lines = (
        shop.order_items.with_columns(cents=cents("line_total"))
        .join(dated, on="order_id")
        .join(shop.products.select("product_id", "category"), on="product_id")
    )
    return (
        lines.group_by("period_start", "category")
        .agg(order_count=pl.col("order_id").n_unique(), units=pl.col("quantity").sum(), revenue=pl.col("cents").sum())
        .sort("period_start", "category")
        .select(
            "period_start",
            "category",
            pl.col("order_count").cast(pl.Int64),
            pl.col("units").cast(pl.Int64),
            revenue=money(pl.col("revenue")),
        )
    )


def price_distribution(shop: Shop) -> pl.DataFrame:
    def in_cents(expr: pl.Expr) -> pl.Expr:
        return expr.round(0, mode=HALF_UP) / 100

    def quartile(q: float) -> pl.Expr:
        return in_cents(pl.col("cents").quantile(q, interpolation="linear"))

    return (
        shop.products.with_columns(cents=cents("price"))
        .group_by("category")
        .agg(
            product_count=pl.len().cast(pl.Int64),
            min_price=pl.col("cents").min() / 100,
            q1_price=quartile(0.25),
            median_price=quartile(0.5),
            q3_price=quartile(0.75),
            max_price=pl.col("cents").max() / 100,
            mean_price=in_cents(pl.col("cents").mean()),
        )
        .sort("category")
    )


def rfm_segment_summary(shop: Shop) -> pl.DataFrame:
    """Customers per RFM segment with their average recency, orders and spend (to the cent, half up)."""
    return (
        rfm_segments(shop, None)
        .group_by("segment")
        .agg(
            row_count=pl.len().cast(pl.Int64),
            **{
                f"avg_{c}": pl.col(c).mean().round(2, mode=HALF_UP)
                for c in ("recency_days", "order_count", "total_spend")
            },
        )
        .sort("segment")
    )
