from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from pipeline.generate.plan import TABLES


def test_manifest_records_inputs_versions_counts_hashes_and_stages(scale1: Path) -> None:
    manifest = json.loads((scale1 / "manifest.json").read_text())
    assert (manifest["seed"], manifest["scale"], manifest["end_date"]) == (42, 1.0, "2025-12-31")
    assert manifest["row_counts"] == {
        "customers": 2000,
        "products": 600,
        "orders": 4000,
        "order_items": 10000,
        "payments": 4000,
    }
    assert set(manifest["content_hashes"]) == set(TABLES)
    assert all(len(h) == 64 for h in manifest["content_hashes"].values())
    assert {"python", "polars", "duckdb", "pandera", "sqlite"} <= set(manifest["versions"])
    stages = {s["name"]: s for s in manifest["stages"]}
    assert {"generate", "validate", "load"} <= set(stages)
    assert stages["generate"]["rows"] == 20_600
    assert all(s["seconds"] > 0 and s["peak_rss_mib"] > 50 for s in stages.values())
    assert Path(manifest["outputs"]["lake"]) == scale1 / "lake"
    assert manifest["anomalies_labelled"] == pl.read_parquet(scale1 / "labels" / "anomalies.parquet").height


def test_logs_go_to_a_file_under_data(scale1: Path) -> None:
    log = (scale1 / "logs" / "pipeline.log").read_text()
    assert "swapped into place" in log
