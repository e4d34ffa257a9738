"""``load``: validate a source, then build the SQLite warehouse from it and swap it into place."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.commands.validate import add_source_options, validated
from pipeline.load import BuildStep, LoadSummary, build_warehouse
from pipeline.logs import out, progress
from pipeline.manifest import Stages, update_manifest
from pipeline.settings import Settings


def add_warehouse_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--warehouse", default=argparse.SUPPRESS, help="SQLite file to build (default data/warehouse.sqlite)"
    )


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("load", parents=[common], help="validate, then build the SQLite warehouse")
    add_source_options(parser)
    add_warehouse_option(parser)
    parser.set_defaults(func=main)


def build_steps() -> list[BuildStep]:
    """Derived tables built inside the same atomic warehouse build."""
    return []


def load(settings: Settings, files_by_table: dict[str, list[Path]], stages: Stages) -> LoadSummary:
    expected = {t: pl.scan_parquet(f).select(pl.len()).collect().item() for t, f in files_by_table.items()}
    batches = sum(len(f) for f in files_by_table.values())
    with stages.stage("load", rows=sum(expected.values())), progress("load", batches) as advance:
        return build_warehouse(
            files_by_table,
            expected,
            settings.warehouse_path,
            workers=settings.workers,
            steps=build_steps(),
            advance=advance,
        )


def main(settings: Settings, args: argparse.Namespace) -> int:
    stages = Stages()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".load-", dir=settings.data_dir) as staging:
        with stages.stage("validate"):
            report, files_by_table = validated(settings, args, Path(staging))
        summary = load(settings, files_by_table, stages)
    update_manifest(settings.manifest_path, {"warehouse": str(settings.warehouse_path)}, stages)
    rows = ", ".join(f"{t} {n:,}" for t, n in summary.rows.items())
    out.print(f"valid: {report.checks_passed} checks passed on {report.source}")
    out.print(f"loaded {rows}; foreign_key_check and {summary.integrity_check} ok")
    out.print(f"warehouse: {settings.warehouse_path}")
    return 0
