"""/customers: pages and filters against sqlite3, one customer with their totals, and every write rule."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.api.conftest import Served
from tests.support.api import audit, contents, dicts, problem, sql, walk

pytestmark = pytest.mark.fast

Keep = Callable[[dict[str, Any]], bool]
NEW = {"first_name": "Ada", "last_name": "Lovelace", "email": "ada.lovelace@example.com", "signup_date": "2024-03-01"}


def test_pages_hold_every_customer_once_in_key_order(reader: Served) -> None:
    expected = dicts(reader.warehouse, "SELECT * FROM customers ORDER BY customer_id")
    assert walk(reader.client, "/customers", {}, 1000) == expected
    assert walk(reader.client, "/customers", {}, 333) == expected


def test_the_default_page_is_50_and_the_last_page_has_no_next(reader: Served) -> None:
    first = reader.client.get("/customers").json()
    assert [c["customer_id"] for c in first["items"]] == list(range(1, 51))
    (count,) = sql(reader.warehouse, "SELECT count(*) FROM customers")[0]
    last = reader.client.get("/customers", params={"limit": 1000, "cursor": first["next"]}).json()
    last = reader.client.get("/customers", params={"limit": 1000, "cursor": last["next"]}).json()
    assert last["next"] is None
    assert last["items"][-1]["customer_id"] == count


@pytest.mark.parametrize(
    ("params", "keep"),
    [
        ({"signup_from": "2025-01-01"}, lambda c: c["signup_date"] >= "2025-01-01"),
        ({"signup_to": "2023-06-30"}, lambda c: c["signup_date"] <= "2023-06-30"),
        (
            {"signup_from": "2024-02-01", "signup_to": "2024-02-29"},
            lambda c: "2024-02-01" <= c["signup_date"] <= "2024-02-29",
        ),
        ({"email": "kari.miller1@gmail.com"}, lambda c: c["email"] == "kari.miller1@gmail.com"),
        ({"q": "ann"}, lambda c: "ann" in c["first_name"].lower() or "ann" in c["last_name"].lower()),
        (
            {"q": "LEE", "signup_from": "2024-01-01"},
            lambda c: (
                ("lee" in c["first_name"].lower() or "lee" in c["last_name"].lower())
                and c["signup_date"] >= "2024-01-01"
            ),
        ),
        ({"signup_from": "2026-01-01"}, lambda c: False),
    ],
)
def test_each_filter_matches_sqlite3(reader: Served, params: dict[str, str], keep: Keep) -> None:
    rows = dicts(reader.warehouse, "SELECT * FROM customers ORDER BY customer_id")
    expected = [c for c in rows if keep(c)]
    assert walk(reader.client, "/customers", params, 97) == expected
    if params.get("signup_from") != "2026-01-01":
        assert expected


def test_one_customer_carries_order_count_and_spend(reader: Served) -> None:
    for customer_id in (1, 2, 777, 2000):
        (row,) = dicts(reader.warehouse, "SELECT * FROM customers WHERE customer_id = ?", (customer_id,))
        count, cents = sql(
            reader.warehouse,
            "SELECT count(*), coalesce(sum(round(total_amount * 100)), 0) FROM orders WHERE customer_id = ?",
            (customer_id,),
        )[0]
        body = reader.client.get(f"/customers/{customer_id}").json()
        assert body == {**row, "order_count": count, "total_spend": pytest.approx(cents / 100, abs=1e-9)}
    assert problem(reader.client.get("/customers/999999"), 404)["detail"] == "customer 999999 does not exist"


# --- writes ------------------------------------------------------------------------------------------------


def test_create_answers_201_with_the_row_and_where_it_is(writer: Served) -> None:
    response = writer.client.post("/customers", json=NEW)
    assert response.status_code == 201, response.text
    body = response.json()
    (largest,) = sql(writer.warehouse, "SELECT max(customer_id) FROM customers")[0]
    assert body == {"customer_id": largest, **NEW, "order_count": 0, "total_spend": 0.0}
    assert response.headers["location"] == f"/customers/{largest}"
    assert writer.client.get(response.headers["location"]).json() == body
    (stored,) = dicts(writer.warehouse, "SELECT * FROM customers WHERE customer_id = ?", (largest,))
    assert stored == {"customer_id": largest, **NEW}
    last = audit(writer.warehouse)[-1]
    assert (last["action"], last["resource"], last["resource_id"], last["before"]) == (
        "create",
        "customers",
        largest,
        None,
    )
    assert json.loads(last["after"]) == body


@pytest.mark.parametrize(
    ("change", "rule"),
    [
        ({"email": "kari.miller1@gmail.com"}, "unique customers.email"),
        ({"signup_date": "2022-12-31"}, "signup_date_in_window"),
        ({"signup_date": "2026-01-01"}, "signup_date_in_window"),
    ],
)
def test_create_refused_by_a_rule_changes_nothing(writer: Served, change: dict[str, str], rule: str) -> None:
    before = contents(writer.warehouse)
    body = problem(writer.client.post("/customers", json={**NEW, "email": "someone.new@example.com", **change}), 409)
    assert body["rule"] == rule
    assert contents(writer.warehouse) == before


@pytest.mark.parametrize(
    "bad",
    [
        {"email": "not-an-email"},
        {"email": "two@@example.com"},
        {"first_name": ""},
        {"signup_date": "2024-02-30"},
        {"signup_date": "20240301"},
        {"signup_date": None},
        {"extra": "field"},
    ],
)
def test_create_the_schema_rejects_is_422_and_changes_nothing(writer: Served, bad: dict[str, object]) -> None:
    before = contents(writer.warehouse)
    body = problem(writer.client.post("/customers", json={**NEW, **bad}), 422)
    assert body["errors"]
    assert body["errors"][0]["loc"][0] == "body"
    assert contents(writer.warehouse) == before


def test_update_changes_only_the_fields_sent(writer: Served) -> None:
    (row,) = dicts(writer.warehouse, "SELECT * FROM customers WHERE customer_id = 3")
    response = writer.client.patch("/customers/3", json={"last_name": "Okafor"})
    assert response.status_code == 200, response.text
    assert dicts(writer.warehouse, "SELECT * FROM customers WHERE customer_id = 3") == [{**row, "last_name": "Okafor"}]
    last = audit(writer.warehouse)[-1]
    assert (last["action"], last["resource_id"]) == ("update", 3)
    assert json.loads(last["before"])["last_name"] == row["last_name"]
    assert json.loads(last["after"])["last_name"] == "Okafor"
    writes = len(audit(writer.warehouse))
    assert writer.client.patch("/customers/3", json={}).json()["last_name"] == "Okafor"
    assert len(audit(writer.warehouse)) == writes  # nothing changed, nothing logged


@pytest.mark.parametrize(
    ("customer_id", "change", "status", "rule"),
    [
        (32, {"signup_date": "2024-12-22"}, 409, "order_after_signup"),  # first order 2024-12-21
        (2, {"email": "kari.miller1@gmail.com"}, 409, "unique customers.email"),
        (2, {"signup_date": "2019-01-01"}, 409, "signup_date_in_window"),
        (999999, {"last_name": "Nobody"}, 404, None),
    ],
)
def test_update_refused_changes_nothing(
    writer: Served, customer_id: int, change: dict[str, str], status: int, rule: str | None
) -> None:
    before = contents(writer.warehouse)
    body = problem(writer.client.patch(f"/customers/{customer_id}", json=change), status)
    assert body.get("rule") == rule
    assert contents(writer.warehouse) == before


def test_signup_may_move_up_to_the_first_order(writer: Served) -> None:
    response = writer.client.patch("/customers/32", json={"signup_date": "2024-12-21"})  # signed up 2023-01-28
    assert response.status_code == 200, response.text
    assert sql(writer.warehouse, "SELECT signup_date FROM customers WHERE customer_id = 32") == [("2024-12-21",)]


def test_delete_refused_while_the_customer_has_orders(writer: Served) -> None:
    before = contents(writer.warehouse)
    body = problem(writer.client.delete("/customers/1"), 409)
    assert body["rule"] == "orders.customer_id references customers.customer_id"
    assert "15 row(s) of orders" in body["detail"]
    assert contents(writer.warehouse) == before


def test_delete_removes_a_customer_without_orders(writer: Served) -> None:
    created = writer.client.post("/customers", json={**NEW, "email": "to.delete@example.com"}).json()
    key = created["customer_id"]
    response = writer.client.delete(f"/customers/{key}")
    assert response.status_code == 204
    assert response.content == b""
    assert sql(writer.warehouse, "SELECT count(*) FROM customers WHERE customer_id = ?", (key,)) == [(0,)]
    last = audit(writer.warehouse)[-1]
    assert (last["action"], last["resource_id"], last["after"]) == ("delete", key, None)
    assert json.loads(last["before"]) == created
    problem(writer.client.get(f"/customers/{key}"), 404)
    problem(writer.client.delete(f"/customers/{key}"), 404)


@pytest.mark.parametrize(
    ("sort", "order"),
    [("signup_date", "signup_date, customer_id"), ("-signup_date", "signup_date DESC, customer_id DESC")],
)
def test_customers_sorted_by_signup(reader: Served, sort: str, order: str) -> None:
    expected = dicts(reader.warehouse, f"SELECT * FROM customers WHERE signup_date >= '2024-01-01' ORDER BY {order}")
    assert walk(reader.client, "/customers", {"sort": sort, "signup_from": "2024-01-01"}, 77) == expected


def test_ids_are_never_given_twice_and_the_counts_follow_the_writes(writer: Served) -> None:
    """The newest customer deleted, the next one created gets a new id; /ready's counts are the tables' counts."""
    new = {"first_name": "Last", "last_name": "One", "email": "last.one@example.com", "signup_date": "2025-01-01"}
    made = writer.client.post("/customers", json=new).json()["customer_id"]
    (newest,) = sql(writer.warehouse, "SELECT max(customer_id) FROM customers")[0]
    assert made == newest
    assert writer.client.delete(f"/customers/{made}").status_code == 204
    again = writer.client.post("/customers", json=new).json()["customer_id"]
    assert again == made + 1
    ready = writer.client.get("/ready").json()["row_counts"]
    assert ready == {t: sql(writer.warehouse, f"SELECT count(*) FROM {t}")[0][0] for t in ready}
    assert ready["customers"] == len(sql(writer.warehouse, "SELECT 1 FROM customers"))
