"""Every error is an RFC 9457 problem detail; the OpenAPI document says so, and gives examples everywhere."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Served
from tests.support.api import problem

pytestmark = pytest.mark.fast


@pytest.mark.parametrize("path", ["/nope", "/customers/1/orders", "/analytics", "/orders/1/items"])
def test_unknown_routes_are_404_problems(reader: Served, path: str) -> None:
    body = problem(reader.client.get(path, follow_redirects=False), 404)
    assert body["type"] == "about:blank"
    assert body["title"] == "Not Found"
    assert "/docs" in body["detail"]


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/customers/1", "DELETE, GET, HEAD, PATCH"),
        ("DELETE", "/customers", "GET, HEAD, POST"),
        ("POST", "/analytics/top-customers", "GET, HEAD"),
        ("GET", "/admin/refresh-marts", "POST"),
    ],
)
def test_a_method_not_allowed_is_a_405_that_lists_the_allowed_ones(
    reader: Served, method: str, path: str, allowed: str
) -> None:
    response = reader.client.request(method, path)
    body = problem(response, 405)
    assert response.headers["allow"] == allowed
    assert allowed in body["detail"]


def test_a_request_the_schema_rejects_is_a_422_listing_each_field(reader: Served) -> None:
    response = reader.client.get("/orders", params={"limit": 0, "min_total": "lots", "cursor": "%%%"})
    body = problem(response, 422)
    assert {tuple(e["loc"]) for e in body["errors"]} == {
        ("query", "limit"),
        ("query", "min_total"),
        ("query", "cursor"),
    }
    assert "query.limit" in body["detail"]


def test_a_body_that_is_not_json_is_refused_without_a_traceback(writer: Served) -> None:
    invalid = writer.client.post("/customers", content=b"{not json", headers={"content-type": "application/json"})
    assert problem(invalid, 422)["errors"][0]["type"] == "json_invalid"
    undecodable = writer.client.post(
        "/customers", content=b"\xff\xfe\x00", headers={"content-type": "application/json"}
    )
    problem(undecodable, 400)


def operations(schema: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, ops in schema["paths"].items() for method, op in ops.items()]


def resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def has_examples(schema: dict[str, Any], node: dict[str, Any]) -> bool:
    """The schema, or what it is a list or page of, carries examples."""
    node = resolve(schema, node)
    if "examples" in node or "example" in node:
        return True
    if node.get("type") == "array":
        return has_examples(schema, node["items"])
    inner = node.get("properties", {}).get("items")
    return inner is not None and has_examples(schema, inner)


def test_openapi_documents_problems_and_examples_for_every_operation(reader: Served) -> None:
    schema = reader.client.get("/openapi.json").json()
    assert reader.client.get("/docs").status_code == 200
    found = operations(schema)
    assert len(found) >= 30
    for path, method, op in found:
        where = f"{method.upper()} {path}"
        for status, response in op["responses"].items():
            if status.startswith(("4", "5")):
                assert list(response["content"]) == ["application/problem+json"], where
        for parameter in op.get("parameters", []):
            assert (
                "example" in parameter
                or "examples" in parameter
                or "examples" in parameter["schema"]
                or ("default" in parameter["schema"])
            ), f"{where}: parameter {parameter['name']} has no example"
        if "requestBody" in op:
            assert has_examples(schema, op["requestBody"]["content"]["application/json"]["schema"]), where
        success = next(r for s, r in op["responses"].items() if s.startswith("2"))
        for media, content in success.get("content", {}).items():
            if media == "application/json":
                assert has_examples(schema, content["schema"]), where
            else:  # CSV and NDJSON: text, with an example of it
                assert "example" in content, f"{where}: {media}"
    writes = [op for _, method, op in found if method in ("post", "patch", "delete")]
    assert writes
    assert all(op.get("security") == [{"ApiKey": []}] for op in writes)
