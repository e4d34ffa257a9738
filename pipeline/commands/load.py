"""``load``: validate a source, then build the SQLite warehouse from it and swap it into place."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import polars as pl

from pipeline.analysis.marts import build_marts
from pipeline.commands.validate import add_source_options, open_source, validated
from pipeline.lake import staging_dir
from pipeline.load import BuildStep, LoadSummary, build_warehouse
from pipeline.logs import out, progress
from pipeline.manifest import GENERATION_FIELDS, Stages, update_manifest
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
    return [build_marts]


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
    source = open_source(settings, args)
    stages = Stages()
    with staging_dir(settings.data_dir) as scratch:
        with stages.stage("validate"):
            report, files_by_table = validated(settings, source, scratch)
        summary = load(settings, files_by_table, stages)
    fields = {"warehouse": str(settings.warehouse_path), "warehouse_source": str(source.root)}
    # A warehouse built from anything but the generated lake is not described by the generation's seed/scale.
    drop = () if source.root == settings.lake_dir else GENERATION_FIELDS
    update_manifest(settings.manifest_path, fields, stages, drop=drop)
    rows = ", ".join(f"{t} {n:,}" for t, n in summary.rows.items())
    out.print(f"valid: {report.checks_passed} checks passed on {report.source}")
    out.print(f"loaded {rows}; foreign_key_check and {summary.integrity_check} ok")
    out.print(f"warehouse: {settings.warehouse_path}")
    return 0
