"""Writes make the marts stale, analytics answers say so, and /admin/refresh-marts brings them up to date."""

from __future__ import annotations

import pytest

from tests.api.conftest import Served
from tests.support.api import audit, problem, sql


def test_writes_make_marts_stale_until_a_refresh(writer: Served) -> None:
    before = writer.client.get("/analytics/category-revenue").json()
    assert before["build"]["marts_stale"] is False
    order = {
        "customer_id": 1,
        "order_date": "2025-12-30",
        "items": [{"product_id": 3, "quantity": 40}],
        "payment": {"payment_method": "card", "payment_date": "2025-12-30"},
    }
    created = writer.client.post("/orders", json=order)
    assert created.status_code == 201, created.text
    category = sql(writer.warehouse, "SELECT category FROM products WHERE product_id = 3")[0][0]

    stale = writer.client.get("/analytics/category-revenue").json()
    assert stale["build"]["marts_stale"] is True
    assert stale["build"]["edits"] == len(audit(writer.warehouse))
    assert stale["items"] == before["items"]  # the mart still holds the build's numbers

    refreshed = writer.client.post("/admin/refresh-marts")
    assert refreshed.status_code == 200, refreshed.text
    last = audit(writer.warehouse)[-1]["audit_id"]
    assert refreshed.json() == {"refreshed_through": last}
    assert sql(writer.warehouse, "SELECT refreshed_through FROM mart_state") == [(last,)]

    fresh = writer.client.get("/analytics/category-revenue").json()
    assert fresh["build"]["marts_stale"] is False
    (expected,) = sql(
        writer.warehouse,
        "SELECT sum(round(i.line_total * 100)) FROM order_items AS i JOIN products AS p USING (product_id) "
        "WHERE p.category = ?",
        (category,),
    )[0]
    row = next(r for r in fresh["items"] if r["category"] == category)
    assert round(row["revenue"] * 100) == expected
    old = next(r for r in before["items"] if r["category"] == category)
    assert round((row["revenue"] - old["revenue"]) * 100) == round(created.json()["total_amount"] * 100)


@pytest.mark.fast
def test_refresh_needs_a_key(reader: Served) -> None:
    assert problem(reader.client.post("/admin/refresh-marts"), 403)["type"].endswith("writes-disabled")
