"""Analyses run within a time limit and a few slots, so they cannot starve the keyed reads."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest

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
        assert problem(busy, 503)["type"].endswith("busy")
        assert busy.headers["retry-after"] == "1"
        assert reader.client.get("/customers/1").status_code == 200
        assert reader.client.get("/analytics/top-customers").status_code == 200
    finally:
        release.set()
        for thread in threads:
            thread.join()
    assert reader.client.get("/analytics/queries/top_customers").status_code == 200


def test_an_analysis_past_the_limit_is_a_503_saying_so(scale1: Path, tmp_path: Path) -> None:
    with client(settings(tmp_path, scale1 / "warehouse.sqlite", keys=(), api_query_seconds=0.001)) as http:
        body = problem(http.get("/analytics/queries/bought_together"), 503)
        assert "ECOM_API_QUERY_SECONDS" in body["detail"]
        assert http.get("/customers/1").status_code == 200
