"""Idempotency-Key on the creates: a retry answers the first answer and writes nothing, another request under the
key is refused, a key is per API key and kept 24 hours, a key whose first request runs is a 409, and a retry after
an unknown outcome (the writer died) makes the row once."""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
import shutil
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.idempotency import InFlight
from api.problems import Problem
from pipeline import files
from pipeline.warehouse.lock import lock_path
from pipeline.warehouse.writes import idempotency
from pipeline.warehouse.writes.idempotency import Created, KeyReused, Retry
from tests.api.conftest import Served
from tests.support.api import KEY, OTHER_KEY, audit, client, contents, problem, server, settings, sql
from tests.support.jobs import writing

PRODUCT = {"name": "Idempotent Lamp", "category": "Home & Garden", "price": 19.99}
ORDER = {
    "customer_id": 5,  # signed up 2025-10-14
    "order_date": "2025-11-02",
    "items": [{"product_id": 3, "quantity": 2}],
    "payment": {"payment_method": "card", "payment_date": "2025-11-02"},
}


def created_with(served: Served, path: str, body: dict[str, Any], key: str, api_key: str = KEY) -> httpx.Response:
    return served.client.post(path, json=body, headers={"Idempotency-Key": key, "X-API-Key": api_key})


@pytest.mark.fast
def test_a_retry_answers_the_first_answer_and_writes_nothing(writer: Served) -> None:
    before = contents(writer.warehouse)
    first = created_with(writer, "/orders", ORDER, "order-retry-1")
    assert first.status_code == 201, first.text
    after_first = contents(writer.warehouse)
    assert len(after_first["orders"]) == len(before["orders"]) + 1
    assert len(after_first["idempotent_request"]) == len(before["idempotent_request"]) + 1
    for _ in range(3):
        again = created_with(writer, "/orders", ORDER, "order-retry-1")
        assert (again.status_code, again.content, again.headers["location"]) == (
            201,
            first.content,
            first.headers["location"],
        )
    assert contents(writer.warehouse) == after_first  # no second order, line, payment or audit row
    without = writer.client.post("/orders", json=ORDER)  # the negative control: no key, a second order
    assert without.status_code == 201
    assert without.json()["order_id"] == first.json()["order_id"] + 1


@pytest.mark.fast
def test_the_key_with_another_request_is_refused_and_changes_nothing(writer: Served) -> None:
    assert created_with(writer, "/products", PRODUCT, "product-key-2").status_code == 201
    before = contents(writer.warehouse)
    other_body = created_with(writer, "/products", {**PRODUCT, "price": 20.0}, "product-key-2")
    assert problem(other_body, 422)["type"].endswith(":idempotency-key-reused")
    customer = {"first_name": "I", "last_name": "K", "email": "ik@example.com", "signup_date": "2024-05-05"}
    other_path = created_with(writer, "/customers", customer, "product-key-2")
    assert problem(other_path, 422)["type"].endswith(":idempotency-key-reused")
    assert contents(writer.warehouse) == before


@pytest.mark.fast
def test_a_retry_is_the_same_json_value_however_it_is_spelled(writer: Served) -> None:
    first = created_with(writer, "/products", PRODUCT, "product-respelled-4")
    assert first.status_code == 201, first.text
    before = contents(writer.warehouse)
    respelled = json.dumps(dict(reversed(PRODUCT.items())), indent=2)  # other spacing, other field order
    headers = {"Idempotency-Key": "product-respelled-4", "Content-Type": "application/json"}
    again = writer.client.post("/products", content=respelled, headers=headers)
    assert (again.status_code, again.content) == (201, first.content)
    not_json = writer.client.post("/products", content=b"name=Lamp", headers={**headers, "Content-Type": "text/plain"})
    assert problem(not_json, 422)["errors"][0]["loc"] == ["body"]  # refused as a body, not a failure of the digest
    assert contents(writer.warehouse) == before


@pytest.mark.fast
def test_keys_are_kept_per_api_key(writer: Served) -> None:
    mine = created_with(writer, "/products", PRODUCT, "shared-key-3")
    theirs = created_with(writer, "/products", PRODUCT, "shared-key-3", api_key=OTHER_KEY)
    assert (mine.status_code, theirs.status_code) == (201, 201)
    assert theirs.json()["product_id"] == mine.json()["product_id"] + 1
    kept = sql(writer.warehouse, "SELECT key_id FROM idempotent_request WHERE idempotency_key = 'shared-key-3'")
    assert sorted(kept) == sorted({(row["key_id"],) for row in audit(writer.warehouse)[-2:]})


@pytest.mark.fast
@pytest.mark.parametrize("key", ["", "with space", "é", "x" * 256])
def test_a_key_outside_its_documented_form_is_a_422(writer: Served, key: str) -> None:
    before = contents(writer.warehouse)
    response = writer.client.post("/products", json=PRODUCT, headers={"Idempotency-Key": key.encode()})
    assert problem(response, 422)["errors"][0]["loc"] == ["header", "Idempotency-Key"]
    assert contents(writer.warehouse) == before


@pytest.mark.fast
def test_a_kept_answer_is_forgotten_after_24_hours(scale1: Path, tmp_path: Path) -> None:
    """Straight against the table, with the clock given: the answer holds for 24 hours, then the key is free."""
    copy = tmp_path / "warehouse.sqlite"
    shutil.copyfile(scale1 / "warehouse.sqlite", copy)
    context, retry = writing(copy), Retry("day-old", "hash-1")
    sent = dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC)
    with closing(sqlite3.connect(copy, isolation_level=None)) as db:
        db.row_factory = sqlite3.Row
        idempotency.keep(db, context, retry, Created(201, {"product_id": 7}), sent)
        assert idempotency.kept(db, context, retry, sent + dt.timedelta(hours=23, minutes=59)) == Created(
            201, {"product_id": 7}
        )
        with pytest.raises(KeyReused):
            idempotency.kept(db, context, Retry("day-old", "hash-2"), sent + dt.timedelta(hours=23))
        assert idempotency.kept(db, context, retry, sent + dt.timedelta(hours=24, seconds=1)) is None
        assert db.execute("SELECT count(*) FROM idempotent_request").fetchone()[0] == 0


def _claim_and_wait(lock_dir: Path, ready: Any, release: Any) -> None:
    in_flight = InFlight(lock_dir / "warehouse.sqlite")
    with in_flight.claim("sha256:a", "running-key"):
        ready.set()
        release.wait(30)


@pytest.mark.fast
def test_a_key_is_in_flight_for_every_process_and_thread(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    ready, release = context.Event(), context.Event()
    other = context.Process(target=_claim_and_wait, args=(tmp_path, ready, release))
    other.start()
    try:
        assert ready.wait(30)
        here = InFlight(tmp_path / "warehouse.sqlite")
        with pytest.raises(Problem, match="still running"), here.claim("sha256:a", "running-key"):
            pass  # held by another process
        with (
            here.claim("sha256:b", "running-key"),  # other keys are free
            here.claim("sha256:a", "another-key"),
            pytest.raises(Problem, match="still running"),
            here.claim("sha256:b", "running-key"),  # held by this process
        ):
            pass
    finally:
        release.set()
        other.join(30)
    with here.claim("sha256:a", "running-key"):  # free once its request ended
        pass
    here.close()


@contextmanager
def write_lock_held(warehouse: Path) -> Iterator[None]:
    """The warehouse's write lock, taken here as a rebuild's swap takes it: every write waits behind it."""
    with files.exclusive_lock(lock_path(warehouse)):
        yield


def test_a_key_whose_first_request_runs_is_a_409_then_the_first_answer(scale1: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(scale1 / "warehouse.sqlite", data_dir / "warehouse.sqlite")
    headers = {"X-API-Key": KEY, "Idempotency-Key": "slow-first"}
    first: list[httpx.Response] = []
    with server(data_dir, workers=2, env={"ECOM_API_WRITE_WAIT_SECONDS": "30"}) as base:
        with write_lock_held(data_dir / "warehouse.sqlite"):
            thread = threading.Thread(
                target=lambda: first.append(httpx.post(f"{base}/products", json=PRODUCT, headers=headers, timeout=60))
            )
            thread.start()
            time.sleep(1.5)  # the first request is waiting for the write lock
            for _ in range(6):  # over both workers: the claim is seen across processes
                body = problem(httpx.post(f"{base}/products", json=PRODUCT, headers=headers, timeout=10), 409)
                assert body["type"].endswith(":idempotency-key-in-use")
        thread.join(60)
        (answer,) = first
        assert answer.status_code == 201, answer.text
        again = httpx.post(f"{base}/products", json=PRODUCT, headers=headers, timeout=10)
        assert (again.status_code, again.content) == (201, answer.content)
    assert sql(data_dir / "warehouse.sqlite", "SELECT count(*) FROM products WHERE name = ?", (PRODUCT["name"],)) == [
        (1,)
    ]


def test_after_an_unknown_outcome_a_retry_with_the_key_makes_the_row_once(scale1: Path, tmp_path: Path) -> None:
    """The writer process dies during the write: 503 outcome-unknown without Retry-After; the retry with the same
    key makes the row (it was not made) and any further retry answers it again."""
    copy = tmp_path / "warehouse.sqlite"
    shutil.copyfile(scale1 / "warehouse.sqlite", copy)
    headers = {"Idempotency-Key": "died-once"}
    answers: list[httpx.Response] = []
    with client(settings(tmp_path, copy, keys=(KEY,))) as http:
        http.headers["X-API-Key"] = KEY
        http.post("/products", json={**PRODUCT, "name": "warm-up"})  # the writer process is up
        with write_lock_held(copy):
            thread = threading.Thread(
                target=lambda: answers.append(http.post("/products", json=PRODUCT, headers=headers))
            )
            thread.start()
            time.sleep(1.0)  # the write waits for the lock in the writer process
            pool = http.app.state.writer._pool  # type: ignore[attr-defined]
            for process in pool._processes.values():
                process.kill()
            thread.join(30)
        (died,) = answers
        body = problem(died, 503)
        assert body["type"].endswith(":outcome-unknown")
        assert "retry-after" not in died.headers
        assert "Idempotency-Key" in body["detail"]
        retried = http.post("/products", json=PRODUCT, headers=headers)
        assert retried.status_code == 201, retried.text
        assert http.post("/products", json=PRODUCT, headers=headers).content == retried.content
    assert sql(copy, "SELECT count(*) FROM products WHERE name = ?", (PRODUCT["name"],)) == [(1,)]
    assert contents(copy)["idempotent_request"][-1][1] == "died-once"
