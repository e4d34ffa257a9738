"""/analytics: every mart-backed answer against an independent Python/sqlite3 computation over the warehouse's
tables, every analysis of queries/ against its SQLite translation, and the build each answer names."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import sqlite3
from collections import Counter, defaultdict
from contextlib import closing
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import pytest

from api.routes import queries
from pipeline.analysis.queries import Param, all_queries
from pipeline.errors import UsageError
from pipeline.settings import PROJECT_ROOT, Settings
from tests.api.conftest import Served
from tests.support.api import dicts, problem, sql

pytestmark = pytest.mark.fast

SQLITE_QUERIES = PROJECT_ROOT / "benchmarks" / "sqlite_queries"


def cents(amount: float) -> int:
    return round(amount * 100)


def half_up(value: float) -> int:
    return int(Decimal(repr(value)).quantize(Decimal(1), ROUND_HALF_UP))


def build_id(warehouse: Path) -> str:
    ((value,),) = sql(warehouse, "SELECT build_id FROM build_record")
    return str(value)


def period(day: str, grain: str) -> str:
    date = dt.date.fromisoformat(day)
    if grain == "daily":
        return day
    if grain == "weekly":
        return (date - dt.timedelta(days=date.weekday())).isoformat()
    return date.replace(day=1).isoformat()


@pytest.mark.parametrize("grain", ["daily", "weekly", "monthly"])
@pytest.mark.parametrize("bounds", [{}, {"start_date": "2024-02-01", "end_date": "2024-05-31"}])
def test_revenue_series_equals_the_orders(reader: Served, grain: str, bounds: dict[str, str]) -> None:
    response = reader.client.get(f"/analytics/revenue/{grain}", params=bounds)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["build"]["build_id"] == build_id(reader.warehouse)
    orders = dicts(reader.warehouse, "SELECT customer_id, order_date, total_amount FROM orders")
    revenue: Counter[str] = Counter()
    count: Counter[str] = Counter()
    buyers: defaultdict[str, set[int]] = defaultdict(set)
    for order in orders:
        key = period(order["order_date"], grain)
        revenue[key] += cents(order["total_amount"])
        count[key] += 1
        buyers[key].add(order["customer_id"])
    low, high = bounds.get("start_date", "0000"), bounds.get("end_date", "9999")
    expected = {k for k in count if low <= k <= high}
    rows = body["items"]
    assert [r["period_start"] for r in rows] == sorted(r["period_start"] for r in rows)
    assert {r["period_start"] for r in rows if r["order_count"]} == expected
    for row in rows:
        key = row["period_start"]
        assert (row["order_count"], row["customer_count"], cents(row["revenue"])) == (
            count[key],
            len(buyers[key]),
            revenue[key],
        )
        average = half_up(revenue[key] / count[key]) / 100 if count[key] else 0
        assert row["avg_order_value"] == pytest.approx(average, abs=1e-9)


def test_a_range_that_ends_before_it_starts_is_empty(reader: Served) -> None:
    params = {"start_date": "2025-01-01", "end_date": "2024-01-01"}
    assert reader.client.get("/analytics/revenue/daily", params=params).json()["items"] == []
    response = reader.client.get("/analytics/queries/category_revenue", params=params)
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []


def spend(warehouse: Path) -> dict[int, tuple[int, int]]:
    """customer_id -> (orders, spend in cents)."""
    return {
        customer: (orders, int(total))
        for customer, orders, total in sql(
            warehouse, "SELECT customer_id, count(*), sum(round(total_amount * 100)) FROM orders GROUP BY customer_id"
        )
    }


@pytest.mark.parametrize("limit", [1, 10, 250])
def test_top_customers_are_the_biggest_spenders(reader: Served, limit: int) -> None:
    body = reader.client.get("/analytics/top-customers", params={"limit": limit}).json()
    totals = spend(reader.warehouse)
    ranked = sorted(totals, key=lambda c: (-totals[c][1], c))[:limit]
    assert [r["customer_id"] for r in body["items"]] == ranked
    assert [r["spend_rank"] for r in body["items"]] == list(range(1, limit + 1))
    for row in body["items"]:
        orders, total = totals[row["customer_id"]]
        assert (row["order_count"], cents(row["total_spend"])) == (orders, total)
        assert cents(row["avg_order_value"]) == half_up(total / orders)
        first, last = sql(
            reader.warehouse,
            "SELECT min(order_date), max(order_date) FROM orders WHERE customer_id = ?",
            (row["customer_id"],),
        )[0]
        assert (row["first_order_date"], row["last_order_date"]) == (first, last)


def product_sales(warehouse: Path) -> dict[int, tuple[int, int, int]]:
    """product_id -> (revenue in cents, units, orders), every product (unsold ones with zeros)."""
    sold = {
        product: (int(revenue), units, orders)
        for product, revenue, units, orders in sql(
            warehouse,
            "SELECT product_id, sum(round(line_total * 100)), sum(quantity), count(DISTINCT order_id) "
            "FROM order_items GROUP BY product_id",
        )
    }
    return {p: sold.get(p, (0, 0, 0)) for (p,) in sql(warehouse, "SELECT product_id FROM products")}


@pytest.mark.parametrize(("rank_by", "measure"), [("revenue", 0), ("units", 1)])
def test_top_products_rank_by_revenue_or_units(reader: Served, rank_by: str, measure: int) -> None:
    sales = product_sales(reader.warehouse)
    by_revenue = sorted(sales, key=lambda p: (-sales[p][0], p))
    by_units = sorted(sales, key=lambda p: (-sales[p][1], p))
    ranked = by_revenue if measure == 0 else by_units
    body = reader.client.get("/analytics/top-products", params={"limit": 1000, "rank_by": rank_by}).json()
    assert [r["product_id"] for r in body["items"]] == ranked
    for rank, row in enumerate(body["items"], 1):
        revenue, units, orders = sales[row["product_id"]]
        assert (cents(row["revenue"]), row["units"], row["order_count"]) == (revenue, units, orders)
        assert row["sales_rank"] == rank
        assert row["revenue_rank"] == by_revenue.index(row["product_id"]) + 1
        assert row["units_rank"] == by_units.index(row["product_id"]) + 1
    top = reader.client.get("/analytics/top-products", params={"limit": 5, "rank_by": rank_by}).json()
    assert top["items"] == body["items"][:5]


def test_category_revenue_and_shares(reader: Served) -> None:
    rows = sql(
        reader.warehouse,
        "SELECT p.category, sum(round(i.line_total * 100)), sum(i.quantity), count(DISTINCT i.order_id) "
        "FROM order_items AS i JOIN products AS p USING (product_id) GROUP BY p.category",
    )
    total = sum(r[1] for r in rows)
    expected = sorted(rows, key=lambda r: -r[1])
    body = reader.client.get("/analytics/category-revenue").json()
    assert [r["category"] for r in body["items"]] == [r[0] for r in expected]
    for row, (_, revenue, units, orders) in zip(body["items"], expected, strict=True):
        assert (cents(row["revenue"]), row["units"], row["order_count"]) == (revenue, units, orders)
        assert row["revenue_share"] == pytest.approx(revenue / total, abs=5e-5)


def flagged(warehouse: Path) -> dict[int, str]:
    """The anomaly rules of queries/anomalies.sql, applied in Python to rows read with sqlite3: order -> kind."""
    orders = dicts(
        warehouse,
        "SELECT o.order_id, o.customer_id, o.order_date, o.total_amount, p.amount, p.payment_date, "
        "(SELECT min(quantity) FROM order_items AS i WHERE i.order_id = o.order_id) AS min_quantity "
        "FROM orders AS o JOIN payments AS p USING (order_id)",
    )
    per_day = Counter((o["customer_id"], o["order_date"]) for o in orders)
    kinds = {}
    for o in orders:
        lag = (dt.date.fromisoformat(o["payment_date"]) - dt.date.fromisoformat(o["order_date"])).days
        rules = [
            ("payment_mismatch", abs(o["amount"] - o["total_amount"]) > 0.01 + 1e-9),
            ("late_payment", lag >= 20),
            ("extreme_amount", o["min_quantity"] >= 10),
            ("burst", per_day[(o["customer_id"], o["order_date"])] >= 4),
        ]
        first = next((kind for kind, broken in rules if broken), None)
        if first:
            kinds[o["order_id"]] = first
    return kinds


def test_anomalies_page_through_every_flagged_order(reader: Served) -> None:
    expected = flagged(reader.warehouse)
    assert len(set(expected.values())) == 4
    found: dict[int, str] = {}
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 9} | ({"cursor": cursor} if cursor else {})
        body = reader.client.get("/analytics/anomalies", params=params).json()
        found |= {r["order_id"]: r["kind"] for r in body["items"]}
        cursor = body["next"]
        if cursor is None:
            break
    assert found == expected
    for kind in set(expected.values()):
        body = reader.client.get("/analytics/anomalies", params={"kind": kind, "limit": 1000}).json()
        assert [r["order_id"] for r in body["items"]] == sorted(k for k, v in expected.items() if v == kind)


def test_the_query_list_is_the_query_files(reader: Served) -> None:
    body = reader.client.get("/analytics/queries").json()
    files = sorted(path.stem for path in (PROJECT_ROOT / "queries").glob("*.sql"))
    assert [q["name"] for q in body] == files
    for query in body:
        text = (PROJECT_ROOT / "queries" / f"{query['name']}.sql").read_text()
        assert query["path"] == f"/analytics/queries/{query['name']}"
        assert {p["name"] for p in query["parameters"]} == set(re.findall(r"\$(\w+)", text))


def native(warehouse: Path, name: str, values: dict[str, Any]) -> list[dict[str, Any]]:
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute((SQLITE_QUERIES / f"{name}.sql").read_text(), values)]


def same_rows(got: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(got) == len(expected) > 0
    for row, want in zip(got, expected, strict=True):
        assert row.keys() == want.keys()
        for key, value in want.items():
            if isinstance(value, float) and not math.isnan(value):
                assert row[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
            else:
                assert row[key] == value, key


CASES = [(name, {}) for name in all_queries()] + [
    ("top_products", {"rank_by": "units", "limit": "7", "start_date": "2024-01-01", "end_date": "2024-12-31"}),
    ("revenue_timeseries", {"grain": "week", "start_date": "2025-03-01", "end_date": "2025-06-30"}),
    ("customer_aov", {"min_orders": "5"}),
    ("rfm_segments", {"as_of": "2025-06-30"}),
]


@pytest.mark.parametrize(("name", "given"), CASES, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CASES)])
def test_each_analysis_equals_its_sqlite_translation(reader: Served, name: str, given: dict[str, str]) -> None:
    response = reader.client.get(f"/analytics/queries/{name}", params=given)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["build"]["build_id"] == build_id(reader.warehouse)
    assert {k: str(v) for k, v in given.items()}.items() <= {k: str(v) for k, v in body["parameters"].items()}.items()
    values = {k: v for k, v in body["parameters"].items()}
    same_rows(body["items"], native(reader.warehouse, name, values))
    assert [c["name"] for c in body["columns"]] == list(body["items"][0])


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        ("/analytics/queries/top_customers", {"limit": "0"}, 422),
        ("/analytics/queries/top_customers", {"limit": "ten"}, 422),
        ("/analytics/queries/top_customers", {"limit": " 5"}, 422),
        ("/analytics/queries/top_customers", {"nonsense": "1"}, 422),
        ("/analytics/queries/top_products", {"rank_by": "price"}, 422),
        ("/analytics/queries/rfm_segments", {"as_of": ""}, 422),
        ("/analytics/queries/rfm_segments", {"as_of": "2025-13-01"}, 422),
        ("/analytics/queries/no_such_query", {}, 404),
        ("/analytics/revenue/hourly", {}, 422),
        ("/analytics/top-customers", {"limit": "10001"}, 422),
        ("/analytics/anomalies", {"kind": "theft"}, 422),
    ],
)
def test_bad_parameters_are_refused_with_the_reason(
    reader: Served, path: str, params: dict[str, str], status: int
) -> None:
    body = problem(reader.client.get(path, params=params), status)
    if status == 422:
        assert any(name in body["detail"] for name in params) or "grain" in body["detail"]


def test_a_null_parameter_is_spelled_null(reader: Served) -> None:
    body = reader.client.get("/analytics/queries/rfm_segments", params={"as_of": "null"}).json()
    assert body["parameters"]["as_of"] is None
    assert body["items"]


def test_no_analysis_parameter_takes_a_name_of_the_api(monkeypatch: pytest.MonkeyPatch) -> None:
    """``format`` and ``cursor`` are the API's own; an analysis declaring one is refused when the app is built."""
    assert not {p.name for q in all_queries().values() for p in q.params} & set(queries.RESERVED)
    query = all_queries()["top_customers"]
    for name in queries.RESERVED:
        planted = dataclasses.replace(query, params=(*query.params, Param(name, "int", 1, "planted")))
        monkeypatch.setattr(queries, "all_queries", lambda planted=planted: {planted.name: planted})
        with pytest.raises(UsageError, match=f"parameter\\(s\\) {name} are the API's own"):
            queries.router(Settings(), lambda _: Path())
