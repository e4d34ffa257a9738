"""Every hard rule holds on generated data, at integer and non-integer scales, in the lake and the warehouse."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from pipeline import duck, lake
from pipeline.generate.plan import Plan
from pipeline.schema import TABLES
from pipeline.settings import Settings
from pipeline.validate.rules import all_rules, check_rules
from tests.support.cli import run_pipeline
from tests.support.tiers import fast_first


@pytest.fixture(scope="module", params=fast_first([1.0, 0.37, 0.0007], ["1", "0.37", "0.0007"]))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[float, Path]:
    return request.param, run_pipeline(tmp_path_factory.mktemp("rules"), "--scale", str(request.param))


def test_counts_are_exact_in_lake_and_warehouse(built: tuple[float, Path]) -> None:
    scale, data_dir = built
    expected = Plan.of(42, scale).row_counts
    manifest = json.loads((data_dir / "manifest.json").read_text())
    assert manifest["lake"]["row_counts"] == manifest["warehouse"]["row_counts"] == expected
    with closing(sqlite3.connect(data_dir / "warehouse.sqlite")) as db:
        assert {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES} == expected


def test_every_cross_table_rule_passes(built: tuple[float, Path]) -> None:
    _, data_dir = built
    with duck.connect() as con:
        duck.create_views(con, lake.lake_tables(data_dir / "lake"))
        passed, failures = check_rules(con, Settings().window)
    assert failures == []
    assert passed == len(all_rules()) == 20  # 7 unique keys, 4 foreign keys, 9 business rules


def test_the_report_lists_the_checks_that_passed(built: tuple[float, Path]) -> None:
    _, data_dir = built
    report = json.loads((data_dir / "reports" / "validation.json").read_text())
    assert report["valid"] is True
    assert report["failures"] == []
    chunks = sum(len(list((data_dir / "lake" / table).glob("*.parquet"))) for table in TABLES)
    assert report["frames_validated"] == chunks == 5
    assert report["rules_passed"] == len(all_rules()) == 20


def test_the_warehouse_enforces_what_the_lake_promises(built: tuple[float, Path]) -> None:
    _, data_dir = built
    with closing(sqlite3.connect(data_dir / "warehouse.sqlite")) as db:
        assert db.execute("PRAGMA foreign_key_check").fetchall() == []
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        mismatched = db.execute(
            "select count(*) from orders o join (select order_id, sum(line_total) s from order_items group by 1) i"
            " using (order_id) where abs(o.total_amount - i.s) > 0.005"
        ).fetchone()[0]
        assert mismatched == 0
        assert (
            db.execute(
                "select count(*) from payments p join orders o using (order_id) where p.payment_date < o.order_date"
            ).fetchone()[0]
            == 0
        )
        assert db.execute("select typeof(order_date), length(order_date) from orders limit 1").fetchone() == (
            "text",
            10,
        )
