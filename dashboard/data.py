"""What the pages read: the shared reads of ``pipeline.warehouse.reads``, cached per warehouse build.

The connection is a resource, one per warehouse path and process. Every result is cached under the build it
came from (``ServedBuild.version``, which changes with every rebuild and every write through the API), never for a
time, so a rebuild shows on the next rerun. A read that finds, when it is done, another build than the one it was
asked for raises BuildChanged rather than let a page show a mix; the page then reruns against the new build.

Everything a page shows comes from a mart or a keyed or indexed lookup (``pipeline.warehouse.reads``), so no page
reads a big table whole.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import polars as pl
import streamlit as st

from pipeline import lake, manifest
from pipeline.analysis import scoring
from pipeline.settings import Settings
from pipeline.warehouse.connection import ServedBuild, Warehouse
from pipeline.warehouse.reads import marts, pages, rows

T = TypeVar("T")


@st.cache_resource(show_spinner=False)
def _warehouse(path: str) -> Warehouse:
    return Warehouse(Path(path))


@dataclass(frozen=True)
class Snapshot:
    """The warehouse build a rerun shows; every cached read is keyed by it."""

    path: str
    build: ServedBuild

    @property
    def version(self) -> str:
        return self.build.version


class BuildChanged(Exception):
    """The warehouse was rebuilt or written to while a page was reading it."""


def snapshot(path: Path) -> Snapshot:
    """The build at ``path`` now; WarehouseMissing when there is none."""
    warehouse = _warehouse(str(path))
    cursor = warehouse.cursor()
    try:
        return Snapshot(str(path), warehouse.build(cursor))
    finally:
        cursor.close()


def _read(snap: Snapshot, read: Callable[[duckdb.DuckDBPyConnection], T]) -> T:
    warehouse = _warehouse(snap.path)
    cursor = warehouse.cursor()
    try:
        result = read(cursor)
        now = warehouse.build(cursor).version
    finally:
        cursor.close()
    if now != snap.version:
        raise BuildChanged
    return result


def _snapshot_key(snap: Snapshot) -> tuple[str, str]:
    return snap.path, snap.version


# Imported outside a Streamlit server (tests, the benchmark), each cached function says at definition that it
# caches in memory instead: true, and said two dozen times.
logging.getLogger("streamlit.runtime.caching.cache_data_api").setLevel(logging.ERROR)
_by_build = st.cache_data(show_spinner=False, max_entries=256, hash_funcs={Snapshot: _snapshot_key})


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


# --- the window and the totals -----------------------------------------------------------------------------


@_by_build
def data_window(snap: Snapshot) -> tuple[dt.date, dt.date] | None:
    """The first and last day with an order, a payment or a signup; None for a warehouse without any."""
    return _read(snap, marts.data_window)


@dataclass(frozen=True)
class Totals:
    revenue: float
    orders: int
    signups: int

    @property
    def average_order_value(self) -> float | None:
        from dashboard import formats

        return formats.average(formats.cents(self.revenue), self.orders) if self.orders else None


@_by_build
def totals(snap: Snapshot, start: dt.date, end: dt.date) -> Totals:
    """Revenue and orders placed, and customers who signed up, from ``start`` to ``end`` (the daily marts)."""
    days = {"period_start": (start, end)}

    def read(cursor: duckdb.DuckDBPyConnection) -> Totals:
        sales = marts.rollup(cursor, "mart_revenue_daily", sums=("order_count", "revenue"), between=days)
        joined = marts.rollup(cursor, "mart_signups_daily", sums=("signups",), between=days)
        return Totals(sales["revenue"][0], sales["order_count"][0], joined["signups"][0])

    return _read(snap, read)


# --- series over the date range ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    """A daily mart summed per day, week or month of the range (or over all of it), per group of ``by``."""

    table: str
    sums: tuple[str, ...]
    by: tuple[str, ...] = ()


SERIES = {
    "revenue": Series("mart_revenue_daily", ("order_count", "revenue")),
    "signups": Series("mart_signups_daily", ("signups",)),
    "category_revenue": Series("mart_category_revenue_daily", ("order_count", "units", "revenue"), ("category",)),
    "payment_mix": Series("mart_payment_mix_daily", ("payment_count", "amount"), ("payment_method",)),  # by payment day
}


@_by_build
def series(snap: Snapshot, name: str, grain: str | None, start: dt.date, end: dt.date) -> pl.DataFrame:
    """The series ``name`` of SERIES from ``start`` to ``end``: per period (``period_start``) of ``grain``, or over
    the whole range without one; its sums, its groups and ``row_count`` (the mart rows summed)."""
    chosen = SERIES[name]
    days = {"period_start": (start, end)}
    return _read(
        snap, lambda c: marts.rollup(c, chosen.table, sums=chosen.sums, by=chosen.by, grain=grain, between=days)
    )


@_by_build
def cohorts(snap: Snapshot, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Retention of the signup months that overlap the range (mart_signup_cohorts)."""
    months = {"cohort_month": (month_start(start), end)}
    return _read(snap, lambda c: marts.mart(c, "mart_signup_cohorts", between=months))


@_by_build
def repeat_purchases(snap: Snapshot, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Repeat-purchase rates of the months of first order that overlap the range (mart_repeat_purchase_rate)."""
    months = {"first_order_month": (month_start(start), end)}
    return _read(
        snap, lambda c: marts.mart(c, "mart_repeat_purchase_rate", between=months, order_by="first_order_month")
    )


# --- whole-history marts -----------------------------------------------------------------------------------

# The marts of analyses over the whole history, at their defaults: the table and the order it is shown in.
WHOLE_HISTORY = {
    "rfm_segments": ("mart_rfm_segment_summary", "segment"),  # customers per segment, their averages
    "power_users": ("mart_power_users", "power_rank"),
    "bought_together": ("mart_bought_together", "-orders_together"),
    "price_distribution": ("mart_price_distribution", "category"),
}


@_by_build
def whole_history(snap: Snapshot, name: str) -> pl.DataFrame:
    table, order_by = WHOLE_HISTORY[name]
    return _read(snap, lambda c: marts.mart(c, table, order_by=order_by))


@_by_build
def top_products(snap: Snapshot, limit: int, rank_by: str) -> pl.DataFrame:
    return _read(snap, lambda c: marts.top_products(c, limit, rank_by))


# --- lists and single rows ---------------------------------------------------------------------------------


@_by_build
def customers(
    snap: Snapshot, search: str, signed_up: tuple[dt.date, dt.date] | None, after: str | None
) -> pages.RowsPage:
    """A page of customers matching ``search`` (an e-mail address, or part of a name), by customer_id; with
    ``signed_up`` (first and last day), those who signed up in it, newest signup first: that list walks the
    signup index from the range's end, where in id order it would pass every customer before the range's first
    (customer ids follow signup dates, decision 0060)."""
    text = search.strip()
    filters: dict[str, Any] = {"email": text} if "@" in text else {"q": text or None}
    sort = None
    if signed_up is not None:
        filters |= {"signup_from": signed_up[0], "signup_to": signed_up[1]}
        sort = "-signup_date"
    return _read(snap, lambda c: pages.page(c, "customers", filters, after=after, sort=sort))


@dataclass(frozen=True)
class CustomerWithOrders:
    customer: dict[str, Any]  # with order_count and total_spend
    orders: pages.RowsPage  # their latest orders, newest first


@_by_build
def customer(snap: Snapshot, customer_id: int) -> CustomerWithOrders | None:
    def read(cursor: duckdb.DuckDBPyConnection) -> CustomerWithOrders | None:
        found = rows.customer(cursor, customer_id)
        if found is None:
            return None
        orders = pages.page(cursor, "orders", {"customer_id": customer_id}, limit=pages.MAX_PAGE, sort="-order_date")
        return CustomerWithOrders(found, orders)

    return _read(snap, read)


@_by_build
def products(snap: Snapshot, category: str | None, search: str, after: str | None) -> pages.RowsPage:
    filters = {"category": category, "q": search.strip() or None}
    return _read(snap, lambda c: pages.page(c, "products", filters, after=after))


@_by_build
def orders(snap: Snapshot, filters: tuple[tuple[str, Any], ...], after: str | None, limit: int) -> pages.RowsPage:
    """A page of orders, newest first; ``filters`` are those of ``pages.page("orders")`` as (name, value) pairs."""
    return _read(snap, lambda c: pages.page(c, "orders", dict(filters), limit=limit, after=after, sort="-order_date"))


@dataclass(frozen=True)
class OrderWithLines:
    order: dict[str, Any]  # with items and payment
    lines: pl.DataFrame  # the items with their product's name and category


@_by_build
def order(snap: Snapshot, order_id: int) -> OrderWithLines | None:
    def read(cursor: duckdb.DuckDBPyConnection) -> OrderWithLines | None:
        found = rows.order(cursor, order_id)
        if found is None:
            return None
        items = pl.DataFrame(found["items"], schema_overrides={"line_total": pl.Float64})
        named = rows.products_by_id(cursor, items["product_id"].to_list()).select("product_id", "name", "category")
        lines = items.join(named, on="product_id", how="left").sort("order_item_id")
        return OrderWithLines(
            found, lines.select("order_item_id", "product_id", "name", "category", "quantity", "line_total")
        )

    return _read(snap, read)


# --- data quality ------------------------------------------------------------------------------------------


@_by_build
def anomaly_kinds(snap: Snapshot, start: dt.date, end: dt.date) -> pl.DataFrame:
    """Flagged orders per kind among the orders of the range (kind, row_count)."""
    days = {"order_date": (start, end)}
    return _read(snap, lambda c: marts.rollup(c, "mart_anomalies", by=("kind",), date="order_date", between=days))


@_by_build
def flagged_orders(snap: Snapshot, start: dt.date, end: dt.date, kind: str | None, limit: int) -> pl.DataFrame:
    """The first flagged orders of the range by order_id, of one kind or all."""
    where = {"kind": kind} if kind else None
    days = {"order_date": (start, end)}
    return _read(
        snap, lambda c: marts.mart(c, "mart_anomalies", where=where, between=days, order_by="order_id", limit=limit)
    )


@_by_build
def detection_scores(snap: Snapshot, labels: str) -> list[scoring.Score]:
    """Precision and recall of the flagged orders (mart_anomalies) against the planted labels, per kind."""
    flagged = _read(snap, lambda c: marts.mart(c, "mart_anomalies", columns=("order_id", "kind")))
    return scoring.score(flagged, scoring.read_labels(Path(labels)))


@dataclass(frozen=True)
class Records:
    """The files a run leaves beside the warehouse, and whether they describe the build being shown."""

    manifest: dict[str, Any]
    report: dict[str, Any] | None  # the last validation report
    manifest_is_current: bool  # the manifest's warehouse section is this build's
    labels_are_current: bool  # the anomaly labels belong to the lake this build was loaded from


def records(settings: Settings, build: ServedBuild) -> Records:
    """Read each time (small files): a run that rewrites them shows on the next rerun."""
    found = manifest.read(settings.manifest_path)
    report = manifest.read(settings.report_path) or None
    described = found.get("warehouse", {})
    current = described.get("build_id") == build.build_id
    hashes = lake.read_record(settings.lake_dir).get("content_hashes")
    labels = (
        current
        and build.source == "lake"
        and hashes is not None
        and lake.source_hash(hashes) == described.get("source_hash")
        and settings.labels_path.exists()
    )
    return Records(found, report, current, labels)
