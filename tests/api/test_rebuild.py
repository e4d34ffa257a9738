"""A rebuild over a warehouse holding API writes refuses (exit 1) and archives them; --discard-edits proceeds."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pipeline import stages
from pipeline.warehouse import build
from tests.support.api import KEY, audit, client, contents, settings, sql
from tests.support.cli import RunCli

CUSTOMER = {"first_name": "Grace", "last_name": "Hopper", "email": "grace@example.com", "signup_date": "2024-02-02"}


def build_id(warehouse: Path) -> str:
    return str(sql(warehouse, "SELECT build_id FROM build_record")[0][0])


def test_rebuild_refuses_over_api_writes_and_archives_them(rebuildable: Path, run_cli: RunCli) -> None:
    warehouse = rebuildable / "warehouse.sqlite"
    with client(settings(rebuildable, warehouse)) as http:
        http.headers["X-API-Key"] = KEY
        assert http.post("/customers", json=CUSTOMER).status_code == 201
        assert http.patch("/products/1", json={"name": "Renamed lamp"}).status_code == 200
    written = audit(warehouse)
    before = contents(warehouse)
    old = build_id(warehouse)

    refused = run_cli("load", "--data-dir", rebuildable, "--workers", "1")
    assert refused.status == 1
    said = " ".join((refused.out + refused.err).split())
    assert "holds 2 write(s)" in said
    assert "--discard-edits" in said
    (archive,) = (rebuildable / "edits").glob("*.jsonl")
    assert str(archive.name) in said
    rows = [json.loads(line) for line in archive.read_text().splitlines()]
    assert [(r["audit_id"], r["action"], r["resource"]) for r in rows] == [
        (w["audit_id"], w["action"], w["resource"]) for w in written
    ]
    assert {r["build_id"] for r in rows} == {old}
    assert json.loads(rows[0]["after"])["email"] == CUSTOMER["email"]
    assert contents(warehouse) == before  # refused: the warehouse with its writes is still the one served

    discarded = run_cli("load", "--data-dir", rebuildable, "--workers", "1", "--discard-edits")
    assert discarded.status == 0, discarded.err
    assert build_id(warehouse) != old
    assert audit(warehouse) == []
    assert sql(warehouse, "SELECT count(*) FROM customers WHERE email = ?", (CUSTOMER["email"],)) == [(0,)]
    assert archive.exists()


def test_a_rebuild_without_api_writes_proceeds(
    rebuildable: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse = rebuildable / "warehouse.sqlite"
    old = build_id(warehouse)
    # The rebuild's clock reads the old build's second: its id must differ all the same (caches and ETags key on it).
    (built_at,) = sql(warehouse, "SELECT built_at FROM build_record")[0]
    frozen = dt.datetime.fromisoformat(built_at)
    monkeypatch.setattr(build, "dt", SimpleNamespace(datetime=SimpleNamespace(now=lambda tz: frozen), UTC=dt.UTC))
    outcome = run_cli("load", "--data-dir", rebuildable, "--workers", "1")
    assert outcome.status == 0, outcome.err
    assert build_id(warehouse) != old
    assert not (rebuildable / "edits").exists()


def test_a_write_that_lands_during_a_rebuild_refuses_its_switch(
    rebuildable: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Checked once before the build and again under the write lock at the switch: a write made meanwhile is not
    lost under a new warehouse."""
    warehouse = rebuildable / "warehouse.sqlite"
    old = build_id(warehouse)
    sets_before = sorted(p.name for p in (rebuildable / "builds").iterdir())
    describe = stages._describe_warehouse

    def write_meanwhile(*args: Any, **kwargs: Any) -> None:
        with client(settings(rebuildable, warehouse)) as http:
            http.headers["X-API-Key"] = KEY
            assert http.post("/customers", json=CUSTOMER).status_code == 201
        describe(*args, **kwargs)

    monkeypatch.setattr(stages, "_describe_warehouse", write_meanwhile)
    refused = run_cli("load", "--data-dir", rebuildable, "--workers", "1")

    assert refused.status == 1
    assert "holds 1 write(s)" in " ".join((refused.out + refused.err).split())
    assert build_id(warehouse) == old
    assert sql(warehouse, "select count(*) from customers where email = ?", (CUSTOMER["email"],)) == [(1,)]
    assert sorted(p.name for p in (rebuildable / "builds").iterdir()) == sets_before
