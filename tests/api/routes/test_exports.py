"""CSV and NDJSON: one page of a list, a mart or an analysis for Accept or format= (with the next page in Link),
and whole exports of the tables and the analyses; every value against sqlite3 or the JSON answer."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest

from api.formats import chosen
from pipeline.schema import TABLES, schema
from tests.api.conftest import Served
from tests.api.routes.test_analytics import native, same_rows
from tests.support.api import client, dicts, problem, settings, sql

pytestmark = pytest.mark.fast


def csv_rows(text: str) -> list[dict[str, str]]:
    """An RFC 4180 text: CRLF line ends everywhere outside quotes, a header, then the rows."""
    assert text.endswith("\r\n")
    assert not re.search(r"(?<!\r)\n", re.sub(r'"(?:[^"]|"")*"', "", text))  # no bare LF outside quoted fields
    return list(csv.DictReader(io.StringIO(text, newline="")))


def as_text(value: Any) -> str:
    """A value as the CSV writes it: empty for NULL, plain decimals, ISO dates."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, "f").rstrip("0").rstrip(".") if "e" in repr(value) else repr(value).removesuffix(".0")
    return str(value)


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("fmt", ["csv", "ndjson"])
def test_a_table_export_is_every_row_in_key_order(reader: Served, table: str, fmt: str) -> None:
    response = reader.client.get(f"/export/{table}", params={"format": fmt})
    assert response.status_code == 200
    assert response.headers["content-disposition"] == f'attachment; filename="{table}.{fmt}"'
    expected = dicts(reader.warehouse, f"SELECT * FROM {table} ORDER BY rowid")
    if fmt == "csv":
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        rows = csv_rows(response.text)
        assert list(rows[0]) == list(schema().columns[table])
        assert rows == [{k: as_text(v) for k, v in row.items()} for row in expected]
    else:
        assert response.headers["content-type"] == "application/x-ndjson"
        lines = response.text.split("\n")
        assert lines.pop() == ""
        assert [json.loads(line) for line in lines] == expected


def test_exports_keep_the_filters(reader: Served) -> None:
    books = reader.client.get("/export/products", params={"category": "Books", "min_price": 20, "q": "a"})
    expected = dicts(
        reader.warehouse,
        "SELECT * FROM products WHERE category = 'Books' AND price >= 20 AND name LIKE '%a%' ORDER BY product_id",
    )
    assert [int(r["product_id"]) for r in csv_rows(books.text)] == [r["product_id"] for r in expected] != []
    lines = reader.client.get("/export/order_items", params={"order_id": 7, "format": "ndjson"}).text.splitlines()
    assert [json.loads(line) for line in lines] == dicts(
        reader.warehouse, "SELECT * FROM order_items WHERE order_id = 7 ORDER BY order_item_id"
    )
    nothing = reader.client.get("/export/customers", params={"email": "nobody@nowhere.example"})
    assert nothing.text == "customer_id,first_name,last_name,email,signup_date\r\n"  # the header alone
    assert reader.client.get("/export/payments", params={"order_id": 99999999, "format": "ndjson"}).text == ""
    problem(reader.client.get("/export/orders", params={"format": "json"}), 422)
    problem(reader.client.get("/export/orders", params={"limit": 5}), 422)  # an export has no pages


def test_csv_quotes_what_needs_it_and_nothing_else(writer: Served) -> None:
    names = ["Comma, Inc", 'Say "hi"', "Two\nlines", "Cr\rhere", "plain"]
    made = [writer.client.post("/products", json={"name": n, "category": "Toys", "price": 1.5}).json() for n in names]
    first = made[0]["product_id"]
    text = writer.client.get("/export/products", params={"category": "Toys", "min_price": 1.5, "max_price": 1.5}).text
    assert '"Comma, Inc"' in text
    assert '"Say ""hi"""' in text
    assert '"Two\nlines"' in text
    assert '"Cr\rhere"' in text
    assert f"\r\n{first + 4},plain,Toys,1.5\r\n" in text
    rows = [r for r in csv_rows(text) if int(r["product_id"]) >= first]
    assert [r["name"] for r in rows] == names


@pytest.mark.parametrize(
    "path",
    [
        "/customers?limit=7&signup_from=2024-01-01",
        "/orders?limit=5&sort=-total_amount",
        "/products?limit=9&category=Sports",
        "/analytics/top-products?limit=6&rank_by=units",
        "/analytics/revenue/weekly?start_date=2025-01-01",
        "/analytics/anomalies?limit=4",
        "/analytics/queries/category_revenue",
    ],
)
def test_a_page_as_csv_or_ndjson_holds_the_values_of_the_json_page(reader: Served, path: str) -> None:
    page = reader.client.get(path)
    items = page.json()["items"]
    assert items
    for accept, fmt in (("text/csv", "csv"), ("application/x-ndjson", "ndjson")):
        by_accept = reader.client.get(path, headers={"Accept": accept})
        with_format = f"{path}{'&' if '?' in path else '?'}format={fmt}"
        by_format = reader.client.get(with_format)
        wins = reader.client.get(with_format, headers={"Accept": "application/json"})
        assert by_accept.content == by_format.content == wins.content
        assert by_accept.headers["vary"] == "Accept, Accept-Encoding"
        assert by_accept.headers.get("link") == page.headers.get("link")
        if fmt == "csv":
            assert csv_rows(by_accept.text) == [{k: as_text(v) for k, v in row.items()} for row in items]
        else:
            assert [json.loads(line) for line in by_accept.text.splitlines()] == items


def keys_of(page: Any, fmt: str) -> list[int]:
    if fmt == "csv":
        return [int(row["order_id"]) for row in csv_rows(page.text)]
    if fmt == "ndjson":
        return [json.loads(line)["order_id"] for line in page.text.splitlines()]
    return [row["order_id"] for row in page.json()["items"]]


@pytest.mark.parametrize("fmt", ["json", "csv", "ndjson"])
def test_the_next_page_is_in_the_link_header_of_every_format(reader: Served, fmt: str) -> None:
    expected = [k for (k,) in sql(reader.warehouse, "SELECT order_id FROM orders WHERE total_amount >= 100 ORDER BY 1")]
    seen: list[int] = []
    url = f"/orders?limit=700&min_total=100&format={fmt}"
    pages = 0
    while url:
        page = reader.client.get(url)
        seen += keys_of(page, fmt)
        pages += 1
        found = re.fullmatch(r'<http://testserver(.+)>; rel="next"', page.headers.get("link", ""))
        url = found.group(1) if found else ""
    assert seen == expected
    assert pages == -(-len(expected) // 700) > 1


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        (None, "json"),
        ("*/*", "json"),
        ("text/html", "json"),
        ("text/csv", "csv"),
        ("application/x-ndjson;q=0.5, text/csv;q=0.9", "csv"),
        ("text/csv;q=0.1, application/json", "json"),
        ("application/x-ndjson", "ndjson"),
        ("TEXT/CSV; charset=utf-8", "csv"),
        ("text/csv;q=nonsense, application/x-ndjson;q=0.2", "ndjson"),
    ],
)
def test_the_accept_header_picks_the_format(accept: str | None, fmt: str) -> None:
    class Asked:
        headers = {"accept": accept} if accept is not None else {}

    assert chosen(Asked(), None) == fmt  # type: ignore[arg-type]
    assert chosen(Asked(), "ndjson") == "ndjson"  # format= wins


def test_an_analysis_export_is_every_row_of_its_result(reader: Served) -> None:
    response = reader.client.get("/export/queries/customer_aov", params={"min_orders": 2, "format": "ndjson"})
    assert response.headers["content-disposition"] == 'attachment; filename="customer_aov.ndjson"'
    rows = [json.loads(line) for line in response.text.splitlines()]
    everything = {"start_date": "1900-01-01", "end_date": "9999-12-31"}
    expected = native(reader.warehouse, "customer_aov", {**everything, "min_orders": 2})
    same_rows(rows, expected)
    table = reader.client.get("/export/queries/top_products", params={"limit": 5000, "rank_by": "units"})
    assert len(csv_rows(table.text)) == sql(reader.warehouse, "SELECT count(*) FROM products")[0][0]  # above any cap
    spill = list(Path(reader.client.app.state.spill).glob("export-*"))  # type: ignore[attr-defined]
    assert spill == []  # each export's file is gone once sent


def test_analysis_pages_are_bounded_and_walk_the_whole_result(scale1: Path, tmp_path: Path) -> None:
    """At most ECOM_API_MAX_ROWS rows an answer; the pages, walked, are the result in its declared order."""
    warehouse = scale1 / "warehouse.sqlite"
    with client(settings(tmp_path, warehouse, keys=(), api_max_rows=100)) as http:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            body = http.get("/analytics/queries/customer_aov", params={"cursor": cursor} if cursor else {}).json()
            assert len(body["items"]) <= 100
            items += body["items"]
            cursor = body["next"]
            if cursor is None:
                break
            assert len(body["items"]) == 100
        everything = {"start_date": "1900-01-01", "end_date": "9999-12-31", "min_orders": 1}
        expected = native(warehouse, "customer_aov", everything)
        assert len(expected) > 300
        same_rows(items, expected)
        daily = http.get("/analytics/revenue/daily").json()
        assert len(daily["items"]) == 100
        walked = daily["items"]
        while daily["next"]:
            daily = http.get("/analytics/revenue/daily", params={"cursor": daily["next"]}).json()
            walked += daily["items"]
        days = sql(warehouse, "SELECT period_start FROM mart_revenue_daily ORDER BY period_start")
        assert [r["period_start"] for r in walked] == [d for (d,) in days]
        refused = problem(http.get("/analytics/queries/top_customers", params={"limit": 101}), 422)
        assert "ECOM_API_MAX_ROWS" in refused["detail"]
        assert problem(http.get("/analytics/top-customers", params={"limit": 101}), 422)["errors"]
        assert len(http.get("/analytics/top-customers", params={"limit": 100}).json()["items"]) == 100
        paths = http.get("/openapi.json").json()["paths"]
        for path, most in (("/analytics/queries/top_customers", 100), ("/export/queries/top_customers", 1_000_000)):
            (limit,) = [p for p in paths[path]["get"]["parameters"] if p["name"] == "limit"]
            assert limit["schema"]["maximum"] == most
