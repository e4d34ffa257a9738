"""The tiny golden dataset: where it lies, how it is generated, and how a lake is compared with it (as CSV text)."""

from __future__ import annotations

from pathlib import Path

import polars as pl

GOLDEN = Path(__file__).resolve().parents[1] / "pipeline" / "generate" / "golden" / "sf-0.005"
GOLDEN_OPTIONS = ("--scale", "0.005", "--anomaly-rate", "0.1", "--workers", "1")


def as_csv(data_dir: Path, table: str) -> str:
    if table == "anomalies":
        return pl.read_parquet(data_dir / "labels" / "anomalies.parquet").write_csv()
    return pl.read_parquet(sorted((data_dir / "lake" / table).glob("*.parquet"))).write_csv()
