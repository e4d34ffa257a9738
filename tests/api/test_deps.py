"""The API-key check: writes disabled without keys, 401 without a key, 403 with a wrong one; keys never stored."""

from __future__ import annotations

import hashlib

import pytest

from api.deps import _known, key_id
from tests.api.conftest import Served
from tests.support.api import KEY, OTHER_KEY, audit, contents, problem

pytestmark = pytest.mark.fast

CUSTOMER = {"first_name": "Key", "last_name": "Holder", "email": "key.holder@example.com", "signup_date": "2024-05-05"}
WRITES = [
    ("post", "/customers", CUSTOMER),
    ("patch", "/customers/1", {"last_name": "X"}),
    ("delete", "/customers/1", None),
    ("post", "/products", {"name": "P", "category": "Toys", "price": 1.0}),
    ("patch", "/orders/1", {"payment": {"payment_method": "bank"}}),
    ("delete", "/orders/1", None),
    ("post", "/admin/refresh-marts", None),
]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_without_keys_writes_are_disabled_and_say_how_to_enable_them(
    reader: Served, method: str, path: str, body: object
) -> None:
    response = reader.client.request(method, path, json=body, headers={"X-API-Key": KEY})
    detail = problem(response, 403)["detail"]
    assert "ECOM_API_KEYS" in detail
    assert "X-API-Key" in detail


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_no_key_is_401_and_a_wrong_key_403_and_neither_writes(
    writer: Served, method: str, path: str, body: object
) -> None:
    before = contents(writer.warehouse)
    missing = writer.client.request(method, path, json=body, headers={"X-API-Key": ""})
    assert problem(missing, 401)["type"].endswith("missing-key")
    assert missing.headers["www-authenticate"] == 'ApiKey header="X-API-Key"'
    for wrong in (KEY[:-1], KEY + "x", KEY.upper(), "x" * 500, "é"):
        response = writer.client.request(method, path, json=body, headers={"X-API-Key": wrong.encode()})
        assert problem(response, 403)["type"].endswith("wrong-key")
    assert contents(writer.warehouse) == before


def test_every_key_works_and_the_audit_log_holds_its_digest_never_the_key(writer: Served) -> None:
    for number, key in enumerate((KEY, OTHER_KEY)):
        response = writer.client.post(
            "/customers", json={**CUSTOMER, "email": f"holder{number}@example.com"}, headers={"X-API-Key": key}
        )
        assert response.status_code == 201, response.text
        assert audit(writer.warehouse)[-1]["key_id"] == "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:16]
    stored = writer.warehouse.read_bytes()
    assert KEY.encode() not in stored
    assert OTHER_KEY.encode() not in stored


def test_a_key_is_compared_with_every_configured_key() -> None:
    keys = ("alpha-key", "beta-key", "gamma-key")
    assert all(_known(key, keys) for key in keys)
    assert not any(_known(key, keys) for key in ("alpha", "beta-key ", "", "gamma-keys"))
    assert not _known("anything", ())
    assert key_id("alpha-key") != key_id("beta-key")
    assert "alpha" not in key_id("alpha-key")
