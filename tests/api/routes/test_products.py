"""/products: pages and filters against sqlite3, one product, and every write rule."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from pipeline.domain import CATEGORIES
from tests.api.conftest import Served
from tests.support.api import audit, contents, dicts, problem, sql, walk

pytestmark = pytest.mark.fast

Keep = Callable[[dict[str, Any]], bool]
NEW = {"name": "Atlas Rugged Backpack", "category": "Sports", "price": 89.9}


def test_pages_hold_every_product_once_in_key_order(reader: Served) -> None:
    expected = dicts(reader.warehouse, "SELECT * FROM products ORDER BY product_id")
    assert walk(reader.client, "/products", {}, 1000) == expected
    assert walk(reader.client, "/products", {}, 7) == expected


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        *[({"category": c}, lambda p, c=c: p["category"] == c) for c in CATEGORIES],
        ({"min_price": 100}, lambda p: p["price"] >= 100),
        ({"max_price": 20.5}, lambda p: p["price"] <= 20.5),
        (
            {"min_price": 10, "max_price": 30, "category": "Books"},
            lambda p: 10 <= p["price"] <= 30 and p["category"] == "Books",
        ),
        ({"q": "lamp"}, lambda p: "lamp" in p["name"].lower()),
        ({"q": "Smart", "max_price": 200}, lambda p: "smart" in p["name"].lower() and p["price"] <= 200),
        ({"min_price": 500, "max_price": 100}, lambda p: False),
    ],
)
def test_each_filter_matches_sqlite3(reader: Served, params: dict[str, object], keep: Keep) -> None:
    rows = dicts(reader.warehouse, "SELECT * FROM products ORDER BY product_id")
    expected = [p for p in rows if keep(p)]
    assert walk(reader.client, "/products", params, 50) == expected
    if params.get("min_price") != 500:
        assert expected


def test_one_product(reader: Served) -> None:
    for product_id in (1, 300, 600):
        (row,) = dicts(reader.warehouse, "SELECT * FROM products WHERE product_id = ?", (product_id,))
        assert reader.client.get(f"/products/{product_id}").json() == row
    problem(reader.client.get("/products/601"), 404)


# --- writes ------------------------------------------------------------------------------------------------


def test_create_rounds_the_price_to_the_cent(writer: Served) -> None:
    response = writer.client.post("/products", json={**NEW, "price": 12.345})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["price"] == 12.35  # half away from zero, as the data's money
    assert response.headers["location"] == f"/products/{body['product_id']}"
    assert dicts(writer.warehouse, "SELECT * FROM products WHERE product_id = ?", (body["product_id"],)) == [body]


@pytest.mark.parametrize(
    "bad",
    [
        {"category": "Groceries"},
        {"price": 0},
        {"price": 0.004},
        {"price": -5},
        {"price": "1e999"},
        {"name": ""},
        {"id": 1},
    ],
)
def test_create_the_schema_rejects_is_422_and_changes_nothing(writer: Served, bad: dict[str, object]) -> None:
    before = contents(writer.warehouse)
    problem(writer.client.post("/products", json={**NEW, **bad}), 422)
    assert contents(writer.warehouse) == before


def test_price_of_a_product_on_order_lines_cannot_change(writer: Served) -> None:
    (lines,) = sql(writer.warehouse, "SELECT count(*) FROM order_items WHERE product_id = 1")[0]
    assert lines > 0
    before = contents(writer.warehouse)
    body = problem(writer.client.patch("/products/1", json={"price": 1.0}), 409)
    assert body["rule"] == "line_total_is_quantity_times_price"
    assert f"{lines} order line(s)" in body["detail"]
    assert contents(writer.warehouse) == before
    # The same price (after rounding) is no change, and the name and category may change.
    (price,) = sql(writer.warehouse, "SELECT price FROM products WHERE product_id = 1")[0]
    response = writer.client.patch("/products/1", json={"price": price, "name": "Renamed", "category": "Toys"})
    assert response.status_code == 200, response.text
    assert dicts(writer.warehouse, "SELECT * FROM products WHERE product_id = 1") == [
        {"product_id": 1, "name": "Renamed", "category": "Toys", "price": price}
    ]


def test_price_of_a_product_without_order_lines_may_change(writer: Served) -> None:
    assert sql(writer.warehouse, "SELECT count(*) FROM order_items WHERE product_id = 106") == [(0,)]
    response = writer.client.patch("/products/106", json={"price": 17.5})
    assert response.status_code == 200, response.text
    assert sql(writer.warehouse, "SELECT price FROM products WHERE product_id = 106") == [(17.5,)]


def test_delete_refused_while_order_lines_use_the_product(writer: Served) -> None:
    before = contents(writer.warehouse)
    body = problem(writer.client.delete("/products/2"), 409)
    assert body["rule"] == "order_items.product_id references products.product_id"
    assert contents(writer.warehouse) == before


def test_delete_a_product_without_order_lines(writer: Served) -> None:
    response = writer.client.delete("/products/165")
    assert response.status_code == 204
    assert sql(writer.warehouse, "SELECT count(*) FROM products WHERE product_id = 165") == [(0,)]
    last = audit(writer.warehouse)[-1]
    assert (last["action"], last["resource"], last["resource_id"]) == ("delete", "products", 165)
    assert json.loads(last["before"])["price"] == 31.21
    problem(writer.client.patch("/products/165", json={"name": "Back"}), 404)


@pytest.mark.parametrize(("sort", "order"), [("price", "price, product_id"), ("-price", "price DESC, product_id DESC")])
def test_products_sorted_by_price(reader: Served, sort: str, order: str) -> None:
    expected = dicts(reader.warehouse, f"SELECT * FROM products WHERE category = 'Toys' ORDER BY {order}")
    assert walk(reader.client, "/products", {"sort": sort, "category": "Toys"}, 13) == expected
