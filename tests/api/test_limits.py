"""Analyses run within a time limit and a few slots, so they cannot starve the keyed reads."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from api import limits
from api.limits import QueriesBusy, QueryGate, QueryTimeout
from pipeline import duck
from tests.api.conftest import Served
from tests.support.api import client, problem, settings

pytestmark = pytest.mark.fast

ENDLESS = "select sum(a.range * b.range) from range(1000000000) as a, range(1000) as b"


def test_a_query_past_its_limit_is_interrupted_and_frees_its_slot() -> None:
    gate = QueryGate(slots=1, seconds=0.3)
    con = duck.connect()
    started = time.monotonic()
    with pytest.raises(QueryTimeout, match=r"longer than 0\.3 s"), gate.admit(con, "endless"):
        con.execute(ENDLESS).fetchall()
    assert time.monotonic() - started < 10
    with gate.admit(con, "quick"):
        assert con.execute("select 42").fetchall() == [(42,)]


def test_every_slot_taken_refuses_at_once() -> None:
    gate = QueryGate(slots=2, seconds=60)
    con = duck.connect()
    with gate.admit(con, "a"), gate.admit(con, "b"):
        started = time.monotonic()
        with pytest.raises(QueriesBusy, match=r"2 analyses are already running"), gate.admit(con, "c"):
            pass
        assert time.monotonic() - started < 1
    with gate.admit(con, "d"):
        pass


def test_keyed_reads_answer_while_the_analyses_are_busy(reader: Served) -> None:
    gate: QueryGate = reader.client.app.state.gate  # type: ignore[attr-defined]
    con = duck.connect()
    release = threading.Event()
    held = [threading.Event() for _ in range(gate.slots)]

    def hold(flag: threading.Event) -> None:
        with gate.admit(con, "held"):
            flag.set()
            release.wait(30)

    threads = [threading.Thread(target=hold, args=(flag,)) for flag in held]
    for thread in threads:
        thread.start()
    try:
        assert all(flag.wait(10) for flag in held)
        busy = reader.client.get("/analytics/queries/top_customers")
        assert problem(busy, 503)["type"].endswith(":busy")
        assert busy.headers["retry-after"] == "1"
        assert reader.client.get("/export/queries/top_customers").status_code == 503  # exports take a slot too
        assert reader.client.get("/customers/1").status_code == 200
        assert reader.client.get("/analytics/top-customers").status_code == 200
    finally:
        release.set()
        for thread in threads:
            thread.join()
    assert reader.client.get("/analytics/queries/top_customers").status_code == 200


def test_an_analysis_past_the_limit_is_a_503_saying_so(scale1: Path, tmp_path: Path) -> None:
    """A query timeout is its own problem, without Retry-After: the same request would time out again."""
    with client(settings(tmp_path, scale1 / "warehouse.sqlite", keys=(), api_query_seconds=0.001)) as http:
        for path in ("/analytics/queries/bought_together", "/export/queries/bought_together"):
            answer = http.get(path)
            body = problem(answer, 503)
            assert body["type"].endswith(":query-timeout")
            assert "ECOM_API_QUERY_SECONDS" in body["detail"]
            assert "retry-after" not in answer.headers
        assert http.get("/customers/1").status_code == 200


class Watched(QueryGate):
    """The gate, noting what it bounds in time."""

    def __init__(self, slots: int, seconds: float) -> None:
        super().__init__(slots, seconds)
        self.bounded: list[str] = []

    @contextmanager
    def limit(self, cursor: duckdb.DuckDBPyConnection, what: str) -> Iterator[None]:
        self.bounded.append(what)
        with super().limit(cursor, what):
            yield


def test_a_list_page_that_must_scan_is_bounded_in_time_too(reader: Served) -> None:
    """A name search reads the whole table: its page runs within the time limit; the filters an index answers
    do not need it."""
    gate = Watched(2, 30)
    # Not monkeypatch.setattr: its undo deletes an attribute of Starlette's State instead of restoring it.
    state = reader.client.app.state  # type: ignore[attr-defined]
    state.gate, original = gate, state.gate
    try:
        for path in (
            "/customers?q=ann",
            "/products?q=lamp&category=Home%20%26%20Garden",
            "/customers?q=x&sort=-signup_date",
        ):
            assert reader.client.get(path).status_code == 200, path
        assert gate.bounded == ["a page of /customers", "a page of /products", "a page of /customers"]
        for path in (
            "/customers?email=kari.miller1@gmail.com",
            "/orders?customer_id=7&sort=-total_amount",
            "/products?min_price=5",
        ):
            assert reader.client.get(path).status_code == 200, path
        assert len(gate.bounded) == 3
    finally:
        state.gate = original


def test_the_limit_covers_making_the_answer_s_bytes() -> None:
    """Work done after the query inside the block (turning rows into the answer) runs out the limit too."""
    gate = QueryGate(slots=1, seconds=0.2)
    con = duck.connect()

    def answer() -> None:
        with gate.admit(con, "slow to serialize"):
            con.execute("select 1").fetchall()
            time.sleep(0.5)  # as a slow serialization would

    with pytest.raises(QueryTimeout, match="slow to serialize"):
        answer()
    with gate.admit(con, "quick"):  # the slot is free again
        pass


class LateTimer(threading.Timer):
    """A timer whose thread is never scheduled in time (a busy machine): it never fires."""

    def start(self) -> None:
        pass


def test_a_block_past_the_limit_is_stopped_even_when_the_timer_is_late(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits.threading, "Timer", LateTimer)
    gate = QueryGate(slots=1, seconds=0.05)
    con = duck.connect()
    with gate.limit(con, "quick"):
        pass  # within the limit: no timeout
    with pytest.raises(QueryTimeout, match=r"ran longer than 0\.05 s"), gate.limit(con, "slow"):
        time.sleep(0.1)
