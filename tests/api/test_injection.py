"""Hostile strings in every parameter: taken literally where a string is expected, refused (422/404) where it is
not, never a 5xx, and never a change to the warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.api.conftest import Served
from tests.support.api import contents, dicts
from tests.support.tiers import fast_first

HOSTILE = [
    "' OR '1'='1",
    "1; DROP TABLE customers; --",
    '"; DELETE FROM orders; --',
    "Robert'); DROP TABLE order_items;--",
    "' UNION SELECT key_id, 1, 1, 1, 1 FROM audit_log --",
    "%",
    "_",
    "%_%",
    "\\",
    "\\%",
    "$p0",
    "?",
    ":name",
    "\x00",
    "a\x00b",
    "é🙂中文",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "${jndi:ldap://x/a}",
    "NULL",
    "null",
    " ",
    "x" * 100,
]
IDS = [repr(s)[:20] for s in HOSTILE]
NULLABLE = {("/analytics/queries/rfm_segments", "as_of"), ("/analytics/queries/top_products", "limit")}
NUL = ("\x00", "a\x00b")


@pytest.fixture(scope="module")
def unchanged(reader: Served) -> Iterator[None]:
    before = contents(reader.warehouse)
    yield
    assert contents(reader.warehouse) == before


def contains(text: str, part: str) -> bool:
    return part.lower() in text.lower()


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("hostile", fast_first(HOSTILE, IDS))
def test_string_filters_take_the_text_literally(reader: Served, hostile: str) -> None:
    customers = dicts(reader.warehouse, "SELECT * FROM customers ORDER BY customer_id")
    products = dicts(reader.warehouse, "SELECT * FROM products ORDER BY product_id")
    checks = [
        ("/customers", {"q": hostile}, [c for c in customers if contains(c["first_name"], hostile)
                                         or contains(c["last_name"], hostile)]),
        ("/customers", {"email": hostile}, [c for c in customers if c["email"] == hostile]),
        ("/products", {"q": hostile}, [p for p in products if contains(p["name"], hostile)]),
    ]  # fmt: skip
    for path, params, expected in checks:
        response = reader.client.get(path, params={**params, "limit": 1000})
        if hostile in NUL:  # SQLite and DuckDB end text at a NUL: refused rather than cut short
            assert response.status_code == 422, response.text
            continue
        assert response.status_code == 200, response.text
        assert response.json()["items"] == expected[:1000], (path, params)


@pytest.mark.usefixtures("unchanged")
@pytest.mark.parametrize("hostile", fast_first(HOSTILE, IDS))
def test_every_other_parameter_refuses_the_text(reader: Served, hostile: str) -> None:
    typed = [
        ("/customers", "signup_from"),
        ("/customers", "cursor"),
        ("/customers", "limit"),
        ("/products", "category"),
        ("/products", "min_price"),
        ("/orders", "customer_id"),
        ("/orders", "date_to"),
        ("/orders", "max_total"),
        ("/analytics/revenue/daily", "start_date"),
        ("/analytics/top-products", "rank_by"),
        ("/analytics/anomalies", "kind"),
        ("/analytics/queries/top_products", "rank_by"),
        ("/analytics/queries/top_products", "limit"),
        ("/analytics/queries/anomalies", "mismatch_tolerance"),
        ("/analytics/queries/rfm_segments", "as_of"),
        ("/analytics/queries/top_customers", hostile),  # as a parameter name
    ]
    for path, name in typed:
        response = reader.client.get(path, params={name: hostile})
        if (path, name) in NULLABLE and hostile == "null":
            assert response.status_code == 200  # "null" is how null is spelled for a nullable parameter
            continue
        assert response.status_code == 422, (path, name, response.text)
    for path in ("/customers/", "/products/", "/orders/", "/analytics/revenue/", "/analytics/queries/"):
        response = reader.client.get(path + quote(hostile, safe=""))
        assert response.status_code in (404, 422), (path, response.text)


@pytest.mark.parametrize(
    "hostile",
    fast_first([h for h in HOSTILE if h.strip()], [i for h, i in zip(HOSTILE, IDS, strict=False) if h.strip()]),
)
def test_body_text_is_stored_literally(writer: Served, hostile: str) -> None:
    before = contents(writer.warehouse)
    if hostile in NUL:
        refused = writer.client.post("/products", json={"name": hostile, "category": "Toys", "price": 1.5})
        assert refused.status_code == 422, refused.text
        assert contents(writer.warehouse) == before
        return
    number = len(before["customers"])
    customer = {
        "first_name": hostile,
        "last_name": hostile,
        "email": f"hostile{number}@example.com",
        "signup_date": "2024-01-01",
    }
    response = writer.client.post("/customers", json=customer)
    assert response.status_code == 201, response.text
    key = response.json()["customer_id"]
    assert dicts(writer.warehouse, "SELECT * FROM customers WHERE customer_id = ?", (key,)) == [
        {"customer_id": key, **customer}
    ]
    assert writer.client.get(f"/customers/{key}").json()["first_name"] == hostile
    product = writer.client.post("/products", json={"name": hostile, "category": "Toys", "price": 1.5})
    assert product.status_code == 201, product.text
    assert dicts(
        writer.warehouse, "SELECT name FROM products WHERE product_id = ?", (product.json()["product_id"],)
    ) == [{"name": hostile}]
    assert writer.client.post("/products", json={"name": "x", "category": hostile, "price": 1.5}).status_code == 422
    after = contents(writer.warehouse)
    assert {t: rows for t, rows in after.items() if t not in ("customers", "products", "audit_log")} == {
        t: rows for t, rows in before.items() if t not in ("customers", "products", "audit_log")
    }
    assert len(after["customers"]) == number + 1
    assert len(after["audit_log"]) == len(before["audit_log"]) + 2
