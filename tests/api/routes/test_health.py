"""/health answers without a database; /ready names the build being served and its rows, or says what to run."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.schema import TABLES
from tests.api.conftest import Served
from tests.support.api import client, dicts, problem, settings, sql

pytestmark = pytest.mark.fast


def test_health_touches_no_database(tmp_path: Path) -> None:
    with client(settings(tmp_path, tmp_path / "absent.sqlite")) as http:
        response = http.get("/health")
        assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_ready_names_the_build_and_counts_the_rows(reader: Served) -> None:
    body = reader.client.get("/ready").json()
    (record,) = dicts(reader.warehouse, "SELECT * FROM build_record")
    assert body["status"] == "ready"
    assert {k: body[k] for k in ("build_id", "built_at", "source", "seed", "scale", "end_date")} == {
        k: record[k] for k in ("build_id", "built_at", "source", "seed", "scale", "end_date")
    }
    assert (body["edits"], body["marts_stale"]) == (0, False)
    assert body["row_counts"] == {t: sql(reader.warehouse, f"SELECT count(*) FROM {t}")[0][0] for t in TABLES}


def test_without_a_warehouse_every_read_and_write_is_503_with_the_hint(tmp_path: Path) -> None:
    with client(settings(tmp_path, tmp_path / "absent.sqlite")) as http:
        for response in (
            http.get("/ready"),
            http.get("/customers"),
            http.get("/orders/1"),
            http.get("/analytics/category-revenue"),
            http.get("/analytics/queries/top_customers"),
            http.post("/customers", json={"first_name": "A", "last_name": "B", "email": "a@b.co",
                                          "signup_date": "2024-01-01"}, headers={"X-API-Key": "test-key-4f1c9a7e2b"}),
            http.post("/admin/refresh-marts", headers={"X-API-Key": "test-key-4f1c9a7e2b"}),
        ):  # fmt: skip
            body = problem(response, 503)
            assert "`just run`" in body["detail"]
            assert str(tmp_path) not in body["detail"]  # server paths stay on the server
    assert not (tmp_path / "absent.sqlite").exists()  # nothing created it
