"""/orders: pages and filters against sqlite3, nested orders, and every write rule (the server computes money)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import Served
from tests.support.api import audit, contents, dicts, problem, sql, walk

pytestmark = pytest.mark.fast

Keep = Callable[[dict[str, Any]], bool]
NEW = {
    "customer_id": 1772,  # signed up 2025-10-14
    "order_date": "2025-11-01",
    "items": [{"product_id": 1, "quantity": 3}, {"product_id": 2, "quantity": 1}, {"product_id": 1, "quantity": 2}],
    "payment": {"payment_method": "paypal", "payment_date": "2025-11-03"},
}


def nested(warehouse: Any, order_id: int) -> dict[str, Any]:
    (order,) = dicts(warehouse, "SELECT * FROM orders WHERE order_id = ?", (order_id,))
    items = dicts(warehouse, "SELECT * FROM order_items WHERE order_id = ? ORDER BY order_item_id", (order_id,))
    (payment,) = dicts(warehouse, "SELECT * FROM payments WHERE order_id = ?", (order_id,))
    return {**order, "items": items, "payment": payment}


def test_pages_hold_every_order_once_in_key_order(reader: Served) -> None:
    expected = dicts(reader.warehouse, "SELECT * FROM orders ORDER BY order_id")
    assert walk(reader.client, "/orders", {}, 1000) == expected


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"customer_id": 1}, lambda o: o["customer_id"] == 1),
        ({"date_from": "2025-12-01"}, lambda o: o["order_date"] >= "2025-12-01"),
        ({"date_to": "2023-01-31"}, lambda o: o["order_date"] <= "2023-01-31"),
        ({"min_total": 1000}, lambda o: o["total_amount"] >= 1000),
        ({"max_total": 20}, lambda o: o["total_amount"] <= 20),
        (
            {"date_from": "2024-06-01", "date_to": "2024-06-30", "min_total": 100, "max_total": 400},
            lambda o: "2024-06-01" <= o["order_date"] <= "2024-06-30" and 100 <= o["total_amount"] <= 400,
        ),
        ({"customer_id": 999999}, lambda o: False),
    ],
)
def test_each_filter_matches_sqlite3(reader: Served, params: dict[str, object], keep: Keep) -> None:
    rows = dicts(reader.warehouse, "SELECT * FROM orders ORDER BY order_id")
    expected = [o for o in rows if keep(o)]
    assert walk(reader.client, "/orders", params, 101) == expected
    if params.get("customer_id") != 999999:
        assert expected


def test_an_order_comes_with_its_lines_and_payment(reader: Served) -> None:
    (count,) = sql(reader.warehouse, "SELECT count(*) FROM orders")[0]
    for order_id in [1, 2, *range(97, count + 1, 389), count]:
        expected = nested(reader.warehouse, order_id)
        body = reader.client.get(f"/orders/{order_id}").json()
        assert body == expected
        assert round(sum(i["line_total"] for i in body["items"]), 2) == body["total_amount"]
    problem(reader.client.get(f"/orders/{count + 1}"), 404)


# --- writes ------------------------------------------------------------------------------------------------


def price(warehouse: Any, product_id: int) -> float:
    (value,) = sql(warehouse, "SELECT price FROM products WHERE product_id = ?", (product_id,))[0]
    return float(value)


def hard_rules_hold(warehouse: Any, order_id: int) -> None:
    """The data model's rules for one order, checked in sqlite3."""
    order = nested(warehouse, order_id)
    (signup,) = sql(warehouse, "SELECT signup_date FROM customers WHERE customer_id = ?", (order["customer_id"],))[0]
    assert signup <= order["order_date"] <= order["payment"]["payment_date"]
    assert order["items"]
    cents = 0
    for item in order["items"]:
        assert round(item["line_total"] * 100) == round(price(warehouse, item["product_id"]) * 100) * item["quantity"]
        cents += round(item["line_total"] * 100)
    assert round(order["total_amount"] * 100) == cents
    assert order["payment"]["amount"] == order["total_amount"]
    assert sql(warehouse, "PRAGMA foreign_key_check") == []


def test_create_computes_every_amount(writer: Served) -> None:
    response = writer.client.post("/orders", json=NEW)
    assert response.status_code == 201, response.text
    body = response.json()
    order_id = body["order_id"]
    assert response.headers["location"] == f"/orders/{order_id}"
    assert body == nested(writer.warehouse, order_id)
    p1, p2 = price(writer.warehouse, 1), price(writer.warehouse, 2)
    assert [i["line_total"] for i in body["items"]] == [round(3 * p1, 2), round(p2, 2), round(2 * p1, 2)]
    assert body["total_amount"] == round(5 * p1 + p2, 2)
    assert body["payment"]["payment_method"] == "paypal"
    hard_rules_hold(writer.warehouse, order_id)
    last = audit(writer.warehouse)[-1]
    assert (last["action"], last["resource"], last["resource_id"]) == ("create", "orders", order_id)
    assert json.loads(last["after"]) == body


@pytest.mark.parametrize(
    ("change", "status", "rule"),
    [
        ({"customer_id": 999999}, 404, "orders.customer_id references customers.customer_id"),
        ({"items": [{"product_id": 2, "quantity": 1}, {"product_id": 999999, "quantity": 1}]}, 404,
         "order_items.product_id references products.product_id"),
        ({"order_date": "2025-10-13"}, 409, "order_after_signup"),
        ({"payment": {"payment_method": "card", "payment_date": "2025-10-31"}}, 409, "payment_after_order"),
        ({"order_date": "2026-01-02", "payment": {"payment_method": "card", "payment_date": "2026-01-02"}}, 409,
         "order_date_in_window"),
        ({"payment": {"payment_method": "card", "payment_date": "2026-01-01"}}, 409, "payment_date_in_window"),
    ],
)  # fmt: skip
def test_create_refused_names_its_rule_and_changes_nothing(
    writer: Served, change: dict[str, Any], status: int, rule: str
) -> None:
    before = contents(writer.warehouse)
    body = problem(writer.client.post("/orders", json={**NEW, **change}), status)
    assert body["rule"] == rule
    assert contents(writer.warehouse) == before


@pytest.mark.parametrize(
    "bad",
    [
        {"items": []},
        {"items": [{"product_id": 1, "quantity": 0}]},
        {"items": [{"product_id": 1, "quantity": 2, "line_total": 0.01}]},
        {"payment": {"payment_method": "cash", "payment_date": "2025-11-03"}},
        {"payment": {"payment_method": "card"}},
        {"total_amount": 1.0},
        {"customer_id": 0},
        {"customer_id": "one"},
    ],
)
def test_create_the_schema_rejects_is_422_and_changes_nothing(writer: Served, bad: dict[str, Any]) -> None:
    before = contents(writer.warehouse)
    problem(writer.client.post("/orders", json={**NEW, **bad}), 422)
    assert contents(writer.warehouse) == before


def test_update_lines_recomputes_total_and_payment(writer: Served) -> None:
    order_id = writer.client.post("/orders", json=NEW).json()["order_id"]
    response = writer.client.patch(f"/orders/{order_id}", json={"items": [{"product_id": 7, "quantity": 4}]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == nested(writer.warehouse, order_id)
    assert [(i["product_id"], i["quantity"]) for i in body["items"]] == [(7, 4)]
    assert body["total_amount"] == body["payment"]["amount"] == round(4 * price(writer.warehouse, 7), 2)
    hard_rules_hold(writer.warehouse, order_id)
    response = writer.client.patch(
        f"/orders/{order_id}", json={"payment": {"payment_method": "bank"}, "order_date": "2025-11-02"}
    )
    assert response.status_code == 200, response.text
    assert (response.json()["order_date"], response.json()["payment"]["payment_method"]) == ("2025-11-02", "bank")
    hard_rules_hold(writer.warehouse, order_id)


@pytest.mark.parametrize(
    ("change", "status", "rule"),
    [
        ({"order_date": "2025-11-04"}, 409, "payment_after_order"),  # paid 2025-11-03
        ({"customer_id": 2000, "order_date": "2023-06-19"}, 409, "order_after_signup"),  # signed up 2025-12-31
        ({"customer_id": 999999}, 404, "orders.customer_id references customers.customer_id"),
        ({"payment": {"payment_date": "2025-10-31"}}, 409, "payment_after_order"),
        ({"items": [{"product_id": 999999, "quantity": 1}]}, 404,
         "order_items.product_id references products.product_id"),
    ],
)  # fmt: skip
def test_update_refused_names_its_rule_and_changes_nothing(
    writer: Served, change: dict[str, Any], status: int, rule: str
) -> None:
    order_id = writer.client.post("/orders", json=NEW).json()["order_id"]
    before = contents(writer.warehouse)
    body = problem(writer.client.patch(f"/orders/{order_id}", json=change), status)
    assert body["rule"] == rule
    assert contents(writer.warehouse) == before


def test_delete_removes_lines_and_payment_in_one_go(writer: Served) -> None:
    order = writer.client.post("/orders", json=NEW).json()
    order_id = order["order_id"]
    response = writer.client.delete(f"/orders/{order_id}")
    assert response.status_code == 204
    for table in ("orders", "order_items", "payments"):
        assert sql(writer.warehouse, f"SELECT count(*) FROM {table} WHERE order_id = ?", (order_id,)) == [(0,)]
    last = audit(writer.warehouse)[-1]
    assert (last["action"], last["resource"], last["resource_id"]) == ("delete", "orders", order_id)
    assert json.loads(last["before"]) == order
    assert sql(writer.warehouse, "PRAGMA foreign_key_check") == []
    problem(writer.client.delete(f"/orders/{order_id}"), 404)


@pytest.mark.parametrize(
    ("sort", "order"),
    [
        ("order_id", "order_id"),
        ("order_date", "order_date, order_id"),
        ("-order_date", "order_date DESC, order_id DESC"),
        ("total_amount", "total_amount, order_id"),
        ("-total_amount", "total_amount DESC, order_id DESC"),
    ],
)
def test_sorted_pages_hold_every_order_once_in_that_order(reader: Served, sort: str, order: str) -> None:
    assert walk(reader.client, "/orders", {"sort": sort}, 333) == dicts(
        reader.warehouse, f"SELECT * FROM orders ORDER BY {order}"
    )
    large = dicts(reader.warehouse, f"SELECT * FROM orders WHERE total_amount >= 500 ORDER BY {order}")
    assert walk(reader.client, "/orders", {"sort": sort, "min_total": 500}, 50) == large != []


def test_an_unknown_sort_is_refused(reader: Served) -> None:
    body = problem(reader.client.get("/orders", params={"sort": "price"}), 422)
    assert body["errors"][0]["loc"] == ["query", "sort"]
