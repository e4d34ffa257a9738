"""What a write may send, checked before its body is read, through a real uvicorn and raw sockets: the key first
(401/403 whatever the body), then a Content-Length over ECOM_API_MAX_BODY_BYTES (413 before a byte is read), and a
chunked body cut off at the limit (413); a body at the limit is read and answered."""

from __future__ import annotations

import json
import shutil
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.support.api import KEY, contents, server

LIMIT = 4096
CUSTOMER = {"first_name": "Big", "last_name": "Body", "email": "big.body@example.com", "signup_date": "2024-02-02"}


@pytest.fixture(scope="module")
def served(scale1: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path_factory.mktemp("intake")
    shutil.copyfile(scale1 / "warehouse.sqlite", data_dir / "warehouse.sqlite")
    with server(data_dir, env={"ECOM_API_MAX_BODY_BYTES": str(LIMIT)}) as base:
        yield base, data_dir / "warehouse.sqlite"


def raw(base: str, head: str, body: bytes = b"", *, wait: float = 10) -> tuple[int, dict[str, str], bytes, float]:
    """Send ``head`` (and ``body``) on a socket; the answer's status, headers, body and how long it took."""
    address = urlsplit(base)
    started = time.monotonic()
    with socket.create_connection((address.hostname, address.port), timeout=wait) as sock:
        sock.sendall(head.strip("\n").replace("\n", "\r\n").encode() + b"\r\n\r\n" + body)
        received = b""
        while b"\r\n\r\n" not in received or not _complete(received):
            try:
                chunk = sock.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
    took = time.monotonic() - started
    header, _, rest = received.partition(b"\r\n\r\n")
    status_line, *lines = header.decode().split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, rest, took


def _complete(received: bytes) -> bool:
    header, _, rest = received.partition(b"\r\n\r\n")
    for line in header.decode().split("\r\n"):
        if line.lower().startswith("content-length:"):
            return len(rest) >= int(line.split(":")[1])
    return False


def post(path: str, length: int | str, key: str | None = None, extra: str = "") -> str:
    lines = [f"POST {path} HTTP/1.1", "Host: test", "Content-Type: application/json"]
    lines += [f"Content-Length: {length}"] if isinstance(length, int) else [f"Transfer-Encoding: {length}"]
    lines += [f"X-API-Key: {key}"] if key is not None else []
    return "\n".join([*lines, extra])


def test_a_missing_or_wrong_key_is_answered_before_the_body_whatever_it_is(served: tuple[str, Path]) -> None:
    base, warehouse = served
    before = contents(warehouse)
    # 20 MiB announced, none sent: the answer comes anyway, at once.
    for key, status in ((None, 401), ("not-the-key", 403)):
        got, headers, body, took = raw(base, post("/customers", 20 * 2**20, key, "Expect: 100-continue"))
        assert (got, json.loads(body)["status"]) == (status, status)
        assert headers["connection"] == "close"
        assert took < 5
    malformed = httpx.post(f"{base}/customers", content=b"{not json", headers={"content-type": "application/json"})
    assert malformed.status_code == 401  # not the 422 of a body parsed first
    assert httpx.request("DELETE", f"{base}/customers/1", content=b"x" * 10).status_code == 401
    assert contents(warehouse) == before


def test_a_body_announced_over_the_limit_is_a_413_before_it_is_read(served: tuple[str, Path]) -> None:
    base, warehouse = served
    before = contents(warehouse)
    got, headers, body, took = raw(base, post("/customers", 20 * 2**20, KEY, "Expect: 100-continue"))
    problem = json.loads(body)
    assert (got, problem["status"], headers["connection"]) == (413, 413, "close")
    assert problem["type"].endswith(":body-too-large")
    assert f"{LIMIT:,} bytes" in problem["detail"]
    assert took < 5
    assert contents(warehouse) == before


def test_a_chunked_body_is_cut_off_at_the_limit(served: tuple[str, Path]) -> None:
    base, warehouse = served
    before = contents(warehouse)
    chunk = b" " * 1000
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(6))  # 6,000 bytes, no end: it never ends
    got, _, body, _ = raw(base, post("/customers", "chunked", KEY), chunks)
    assert (got, json.loads(body)["type"].split(":")[-1]) == (413, "body-too-large")
    assert contents(warehouse) == before


def test_a_body_at_the_limit_is_read_and_one_byte_more_is_not(served: tuple[str, Path]) -> None:
    base, warehouse = served
    exact = json.dumps(CUSTOMER).encode()
    exact += b" " * (LIMIT - len(exact))  # JSON allows the trailing spaces
    assert len(exact) == LIMIT
    over = httpx.post(
        f"{base}/customers", content=exact + b" ", headers={"X-API-Key": KEY, "content-type": "application/json"}
    )
    assert over.status_code == 413
    chunked = httpx.post(
        f"{base}/customers",
        content=iter([exact[:1000], exact[1000:], b" "]),
        headers={"X-API-Key": KEY, "content-type": "application/json"},
    )
    assert chunked.status_code == 413
    before = len(contents(warehouse)["customers"])
    created = httpx.post(
        f"{base}/customers", content=exact, headers={"X-API-Key": KEY, "content-type": "application/json"}
    )
    assert created.status_code == 201, created.text
    assert created.json()["email"] == CUSTOMER["email"]
    assert len(contents(warehouse)["customers"]) == before + 1
