"""The small, hot results the API and dashboard read, materialized as ``mart_*`` tables in the warehouse.

They are computed by the same ``queries/*.sql`` that ``analyze`` runs, over the lake, and loaded inside the
warehouse's own atomic build (``pipeline.warehouse.marts``), so a mart and its query can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.analysis.queries import Value, get_query


@dataclass(frozen=True)
class Summary:
    """A mart of its query's rows counted and averaged per group, so that a question asked per group of a big
    result (how many customers in each RFM segment) is not answered by reading the whole result every time."""

    by: str
    averages: tuple[str, ...]

    def sql(self, query_sql: str) -> str:
        averages = "".join(f", round(avg(q.{column}), 2) as avg_{column}" for column in self.averages)
        return (
            f"select q.{self.by}, count(*) as row_count{averages}\nfrom (\n{query_sql}\n) as q\n"
            f"group by q.{self.by}\norder by q.{self.by}"
        )


@dataclass(frozen=True)
class Mart:
    table: str
    query: str
    key: str  # the primary key (its first column if it has more): what the API looks rows up by
    params: dict[str, Value] = field(default_factory=dict)
    indexes: tuple[str, ...] = ()  # further columns that readers filter or sort on
    key_rest: tuple[str, ...] = ()  # the key's further columns, for a mart of one row per (key, ...)
    summary: Summary | None = None  # the query's rows summarized per group, rather than the rows

    @property
    def key_columns(self) -> tuple[str, ...]:
        return (self.key, *self.key_rest)

    def sql(self) -> str:
        """What fills the mart: its query, summarized if it is a summary."""
        query = get_query(self.query).sql
        return query if self.summary is None else self.summary.sql(query)

    def bind(self) -> dict[str, Value]:
        return get_query(self.query).bind(self.params)


MARTS = (
    Mart("mart_revenue_daily", "revenue_timeseries", "period_start", {"grain": "day"}),
    Mart("mart_revenue_weekly", "revenue_timeseries", "period_start", {"grain": "week"}),
    Mart("mart_revenue_monthly", "revenue_timeseries", "period_start", {"grain": "month"}),
    Mart("mart_category_revenue", "category_revenue", "category"),
    Mart("mart_customer_summary", "customer_aov", "customer_id", indexes=("total_spend",)),
    Mart("mart_product_summary", "top_products", "product_id", {"limit": None}, ("revenue_rank", "units_rank")),
    Mart("mart_anomalies", "anomalies", "order_id", indexes=("customer_id", "kind")),
    # Daily marts, so that a date range is applied by summing a few thousand rows (the dashboard's sidebar).
    Mart("mart_signups_daily", "signups", "period_start", {"grain": "day"}),
    Mart(
        "mart_category_revenue_daily", "category_revenue_timeseries", "period_start", {"grain": "day"},
        key_rest=("category",),
    ),
    Mart("mart_payment_mix_daily", "payment_mix", "period_start", {"grain": "day"}, key_rest=("payment_method",)),
    # Whole-history analyses, at their defaults.
    Mart("mart_signup_cohorts", "signup_cohorts", "cohort_month", key_rest=("months_since_signup",)),
    Mart("mart_repeat_purchase_rate", "repeat_purchase_rate", "first_order_month"),
    Mart(
        "mart_rfm_segment_summary", "rfm_segments", "segment",
        summary=Summary("segment", ("recency_days", "order_count", "total_spend")),
    ),
    Mart("mart_power_users", "power_users", "customer_id"),
    Mart("mart_bought_together", "bought_together", "product_a_id", key_rest=("product_b_id",)),
    Mart("mart_price_distribution", "price_distribution", "category"),
)  # fmt: skip


@dataclass(frozen=True)
class MartResult:
    """A mart's rows, computed and written to a Parquet file, waiting to be loaded into a warehouse build."""

    mart: Mart
    path: Path
