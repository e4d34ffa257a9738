"""Helpers for the API tests: apps and servers over real warehouses, and plain sqlite3 to check what they say.

Expected values always come from sqlite3 over the file (or Python over rows read with it), never from the code
under test.
"""

from __future__ import annotations

import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
from fastapi.testclient import TestClient

from api.main import create_app
from pipeline.schema import TABLES
from pipeline.settings import PROJECT_ROOT, Settings
from tests.support.cli import clean_env
from tests.support.schema import meta_tables

KEY = "test-key-4f1c9a7e2b"
OTHER_KEY = "second-key-88d2"


def sql(warehouse: Path, query: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``query`` over the warehouse, through a fresh read-only sqlite3 connection."""
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        return db.execute(query, params).fetchall()


def dicts(warehouse: Path, query: str, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
    with closing(sqlite3.connect(f"file:{warehouse}?mode=ro", uri=True)) as db:
        db.row_factory = sqlite3.Row
        return [dict(row) for row in db.execute(query, params)]


def contents(warehouse: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table (data model, meta tables, marts): what a refused write must leave as it was."""
    tables = [name for (name,) in sql(warehouse, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")]
    assert set(TABLES) | set(meta_tables()) <= set(tables)
    return {table: sql(warehouse, f"SELECT * FROM {table} ORDER BY rowid") for table in tables}


def settings(data_dir: Path, warehouse: Path, keys: tuple[str, ...] = (KEY,), **more: Any) -> Settings:
    return Settings(data_dir=data_dir, warehouse=warehouse, api_keys=keys, **more)


@contextmanager
def client(app_settings: Settings) -> Iterator[TestClient]:
    """The app in this process (its lifespan run), its writes in its own writer process."""
    with TestClient(create_app(app_settings)) as test_client:
        yield test_client


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    """The RFC 9457 body of an error response, after checking its status and media type."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["title"]
    assert body["detail"]
    assert "Traceback" not in response.text
    return body


def free_port() -> int:
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def server(
    data_dir: Path, *, keys: tuple[str, ...] = (KEY,), workers: int = 1, env: dict[str, str] | None = None
) -> Iterator[str]:
    """A real uvicorn serving ``api.main:app`` over ``data_dir`` in a subprocess (``env``: more ``ECOM_*``
    settings); yields its base URL."""
    port = free_port()
    variables = clean_env(ECOM_DATA_DIR=str(data_dir), ECOM_API_KEYS=",".join(keys), **(env or {}))
    command = [sys.executable, "-m", "uvicorn", "api.main:app", "--port", str(port), "--workers", str(workers)]
    log = data_dir / f"uvicorn-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=variables, stdout=output, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None, f"uvicorn exited: {log.read_text()}"
            assert time.monotonic() < deadline, f"uvicorn did not start: {log.read_text()}"
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    text = log.read_text()
    assert "Traceback" not in text, text
    assert not any(key in text for key in keys)  # keys are never logged


def walk(http: TestClient | httpx.Client, path: str, params: dict[str, Any], limit: int) -> list[dict[str, Any]]:
    """Every item of a list, page by page through ``next``; each page but the last is full."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = http.get(path, params={**params, "limit": limit} | ({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.text
        body = page.json()
        items += body["items"]
        cursor = body["next"]
        if cursor is None:
            return items
        assert len(body["items"]) == limit


def audit(warehouse: Path) -> list[dict[str, Any]]:
    return dicts(warehouse, "SELECT * FROM audit_log ORDER BY audit_id")
