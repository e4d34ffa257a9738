"""HTTP caching: a strong ETag on every GET answer, If-None-Match answered 304, Cache-Control, Vary, HEAD wherever
GET is, gzip for JSON over 1 KiB; and CORS, on only when ECOM_API_CORS_ORIGINS names origins."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import Served
from tests.support.api import KEY, client, server, settings

GETS = [
    "/health",
    "/ready",
    "/customers/5",
    "/orders/7",
    "/products?category=Books&limit=5",
    "/orders?sort=-total_amount&limit=3",
    "/customers?limit=4&format=csv",
    "/analytics/revenue/monthly",
    "/analytics/top-products?limit=3&format=ndjson",
    "/analytics/queries/category_revenue",
    "/analytics/queries",
    "/openapi.json",
    "/export/products?category=Toys",
]


@pytest.mark.fast
@pytest.mark.parametrize("path", GETS)
def test_every_get_answer_has_a_strong_etag_and_revalidates_to_a_304(reader: Served, path: str) -> None:
    first = reader.client.get(path)
    assert first.status_code == 200, first.text
    tag = first.headers["etag"]
    assert tag.startswith('"')  # strong: no W/
    assert len(tag) == 34
    assert first.headers["cache-control"] == "max-age=0"
    assert first.headers["vary"] == "Accept, Accept-Encoding"
    again = reader.client.get(path)
    assert (again.headers["etag"], again.content) == (tag, first.content)  # one tag, one body
    for given in (tag, f"W/{tag}", f'"other", {tag}', "*"):
        revalidated = reader.client.get(path, headers={"If-None-Match": given})
        assert (revalidated.status_code, revalidated.content) == (304, b"")
        assert revalidated.headers["etag"] == tag
        assert revalidated.headers["cache-control"] == "max-age=0"
    assert reader.client.get(path, headers={"If-None-Match": '"not-it"'}).content == first.content


@pytest.mark.fast
def test_a_missing_row_is_a_404_even_for_if_none_match_star(reader: Served) -> None:
    assert reader.client.get("/customers/99999999", headers={"If-None-Match": "*"}).status_code == 404


@pytest.mark.fast
def test_the_tag_names_the_representation(reader: Served) -> None:
    tags = {
        reader.client.get("/customers?limit=4", headers=headers).headers["etag"]
        for headers in ({}, {"Accept": "text/csv"}, {"Accept": "application/x-ndjson"}, {"Accept-Encoding": "identity"})
    }
    tags.add(reader.client.get("/customers?limit=5").headers["etag"])
    assert len(tags) == 5


@pytest.mark.fast
def test_a_write_changes_the_tags_and_the_old_tag_gets_the_new_answer(writer: Served) -> None:
    before = writer.client.get("/customers/8")
    changed = writer.client.patch("/customers/8", json={"last_name": "Tagged"})
    assert changed.status_code == 200, changed.text
    after = writer.client.get("/customers/8", headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.json()["last_name"] == "Tagged"
    assert after.headers["etag"] != before.headers["etag"]
    assert writer.client.get("/customers/8", headers={"If-None-Match": after.headers["etag"]}).status_code == 304


@pytest.mark.fast
def test_json_over_1_kib_is_gzipped_when_taken(reader: Served) -> None:
    plain = reader.client.get("/analytics/revenue/monthly", headers={"Accept-Encoding": "identity"})
    zipped = reader.client.get("/analytics/revenue/monthly", headers={"Accept-Encoding": "gzip"})
    assert len(plain.content) > 1024
    assert "content-encoding" not in plain.headers
    assert zipped.headers["content-encoding"] == "gzip"
    assert zipped.content == plain.content  # httpx decodes it
    raw = httpx.Client(transport=reader.client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    with raw.stream("GET", "/analytics/revenue/monthly", headers={"Accept-Encoding": "gzip"}) as streamed:
        compressed = b"".join(streamed.iter_raw())
    assert gzip.decompress(compressed) == plain.content
    assert int(zipped.headers["content-length"]) == len(compressed) < len(plain.content) / 3
    small = reader.client.get("/customers/5", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers  # under 1 KiB
    text = reader.client.get("/customers?limit=100&format=csv", headers={"Accept-Encoding": "gzip"})
    assert len(text.content) > 1024
    assert "content-encoding" not in text.headers  # JSON only
    for refused in ("gzip;q=0", "br"):
        assert (
            "content-encoding"
            not in reader.client.get("/analytics/revenue/monthly", headers={"Accept-Encoding": refused}).headers
        )


@pytest.mark.fast
def test_cache_control_follows_the_setting(scale1: Path, tmp_path: Path) -> None:
    with client(settings(tmp_path, scale1 / "warehouse.sqlite", keys=(), api_cache_seconds=60)) as http:
        assert http.get("/customers/1").headers["cache-control"] == "max-age=60"
        assert http.get("/health").headers["cache-control"] == "max-age=60"


def test_head_is_the_get_without_its_body_through_uvicorn(scale1: Path, tmp_path: Path) -> None:
    """A real server (it sends no body for a HEAD), two workers: both give one answer the same tag."""
    shutil.copyfile(scale1 / "warehouse.sqlite", tmp_path / "warehouse.sqlite")
    with server(tmp_path, workers=2) as base, httpx.Client(base_url=base, timeout=30) as http:
        for path in GETS:
            got = http.get(path)
            head = http.head(path)
            assert (head.status_code, head.content) == (200, b""), path
            same = {"etag", "content-type", "cache-control", "vary", "content-disposition", "link"}
            assert {k: v for k, v in head.headers.items() if k in same} == {
                k: v for k, v in got.headers.items() if k in same
            }, path
            if "content-length" in got.headers:
                assert head.headers["content-length"] == got.headers["content-length"], path
            tags = {http.get(path).headers["etag"] for _ in range(6)}  # over both workers
            assert tags == {got.headers["etag"]}, path
        assert http.head("/customers/99999999").status_code == 404
        assert http.head("/admin/refresh-marts").status_code == 405


@pytest.mark.fast
def test_cors_is_off_without_origins(reader: Served) -> None:
    answer = reader.client.get("/customers/1", headers={"Origin": "https://shop.example"})
    assert not [name for name in answer.headers if name.startswith("access-control-")]
    preflight = reader.client.options(
        "/customers", headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 405


@pytest.mark.fast
def test_cors_for_the_origins_named(scale1: Path, tmp_path: Path) -> None:
    origins = ("https://shop.example", "http://localhost:3000")
    with client(settings(tmp_path, scale1 / "warehouse.sqlite", keys=(KEY,), api_cors_origins=origins)) as http:
        preflight = http.options(
            "/customers",
            headers={
                "Origin": "http://localhost:3000",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "X-API-Key, Idempotency-Key, Content-Type, If-None-Match",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == "http://localhost:3000"
        allowed = {h.strip().lower() for h in preflight.headers["access-control-allow-headers"].split(",")}
        assert {"x-api-key", "idempotency-key", "content-type", "if-none-match"} <= allowed
        assert "POST" in preflight.headers["access-control-allow-methods"]
        answer = http.get("/customers/1", headers={"Origin": "https://shop.example"})
        assert answer.headers["access-control-allow-origin"] == "https://shop.example"
        exposed = {h.strip().lower() for h in answer.headers["access-control-expose-headers"].split(",")}
        assert {"etag", "link", "retry-after"} <= exposed
        refused = http.post("/customers", json={}, headers={"Origin": "https://shop.example"})  # no key: api.intake
        assert refused.status_code == 401
        assert refused.headers["access-control-allow-origin"] == "https://shop.example"
        stranger = http.get("/customers/1", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in stranger.headers
        bad = http.options(
            "/customers", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
        )
        assert bad.status_code == 400
