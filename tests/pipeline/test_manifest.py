"""What a run records: the manifest's section per output, the lake's own record, the warehouse's build record."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

import polars as pl
import pytest

from pipeline.schema import TABLES

pytestmark = pytest.mark.fast

SCALE1_ROWS = {"customers": 2000, "products": 600, "orders": 4000, "order_items": 10000, "payments": 4000}


def test_manifest_describes_each_output_with_versions_and_stages(scale1: Path) -> None:
    manifest = json.loads((scale1 / "manifest.json").read_text())
    generated = manifest["lake"]
    assert (generated["seed"], generated["scale"], generated["end_date"]) == (42, 1.0, "2025-12-31")
    assert generated["row_counts"] == SCALE1_ROWS
    assert set(generated["content_hashes"]) == set(TABLES)
    assert all(len(h) == 64 for h in generated["content_hashes"].values())
    assert Path(generated["path"]) == scale1 / "lake"
    assert generated["anomalies_labelled"] == pl.read_parquet(scale1 / "labels" / "anomalies.parquet").height
    assert manifest["warehouse"]["row_counts"] == SCALE1_ROWS
    assert manifest["warehouse"]["source"] == "lake"
    assert manifest["analysis"]["rows"]["top_customers"] == 10
    assert {"python", "polars", "duckdb", "pandera", "sqlite"} <= set(manifest["versions"])
    stages = {s["name"]: s for s in manifest["stages"]}
    build_phases = {"validate", "analyze", "fill", "index", "checks", "marts", "record"}
    assert {"generate", "build"} | {f"build: {phase}" for phase in build_phases} <= set(stages)
    assert stages["generate"]["rows"] == 20_600
    whole = [s for s in stages.values() if ":" not in s["name"]]  # "load: merge" and co. are phases of a stage
    assert all(s["seconds"] > 0 and s["peak_rss_mib"] > 50 for s in whole)
    # The rules, the fill and the analyses run side by side: each phase took part of the build's wall time.
    assert all(0 <= s["seconds"] <= stages["build"]["seconds"] for name, s in stages.items() if ":" in name)


def test_the_lake_and_the_warehouse_describe_themselves(scale1: Path) -> None:
    manifest = json.loads((scale1 / "manifest.json").read_text())
    lake_record = json.loads((scale1 / "lake" / "_lake.json").read_text())
    assert lake_record == manifest["lake"]
    with closing(sqlite3.connect(f"file:{scale1 / 'warehouse.sqlite'}?mode=ro", uri=True)) as db:
        assert db.execute("SELECT refreshed_through FROM mart_state").fetchall() == [(0,)]
        assert db.execute("SELECT count(*) FROM audit_log").fetchone() == (0,)
        db.row_factory = sqlite3.Row
        (record,) = db.execute("SELECT * FROM build_record").fetchall()
    assert (record["source"], record["seed"], record["scale"], record["end_date"]) == ("lake", 42, 1.0, "2025-12-31")
    assert record["build_id"] == manifest["warehouse"]["build_id"]
    assert record["source_hash"] == manifest["warehouse"]["source_hash"]


def test_logs_go_to_a_file_under_data(scale1: Path) -> None:
    log = (scale1 / "logs" / "pipeline.log").read_text()
    assert "published set" in log


def test_one_list_of_tables_keys_everything() -> None:
    """The tables are those of warehouse/schema.sql; row counts and models are keyed by exactly them."""
    from pipeline.generate.plan import BASE_ROWS, Plan
    from pipeline.schema import schema
    from pipeline.validate.models import MODELS

    assert TABLES == schema().tables == ("customers", "products", "orders", "order_items", "payments")
    assert list(BASE_ROWS) == list(MODELS) == list(Plan.of(1, 1.0).row_counts) == list(TABLES)
