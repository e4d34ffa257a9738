"""``generate``: write the Parquet lake and the anomaly labels, validated, swapped in only when valid."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from pipeline.commands.options import add_generation_options

if TYPE_CHECKING:
    from pipeline.generate.runner import LakeSummary
    from pipeline.manifest import Stages
    from pipeline.settings import Settings
    from pipeline.validate.report import Report


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("generate", parents=[common], help="generate the Parquet lake")
    add_generation_options(parser)
    parser.set_defaults(func=main)


def print_summary(settings: Settings, summary: LakeSummary, report: Report, stages: Stages) -> None:
    from rich.table import Table

    from pipeline.logs import out

    tables = Table(title="tables", title_justify="left")
    tables.add_column("table")
    tables.add_column("rows", justify="right")
    tables.add_column("content hash")
    for name, rows in summary.rows.items():
        tables.add_row(name, f"{rows:,}", summary.hashes[name][:16])
    out.print(tables)
    out.print(f"valid: {report.summary()}; {summary.anomalies:,} orders labelled as anomalies")
    timings = Table(title="stages", title_justify="left")
    for column in ("stage", "seconds", "rows/s", "peak RSS MiB"):
        timings.add_column(column, justify="left" if column == "stage" else "right")
    for r in stages.records:
        rate = f"{r.rows_per_second:,.0f}" if r.rows else ""
        peak = "" if r.peak_rss_mib is None else f"{r.peak_rss_mib:,.0f}"
        timings.add_row(r.name, f"{r.seconds:.2f}", rate, peak)
    out.print(timings)
    out.print(f"lake: {settings.lake_dir}\nlabels: {settings.labels_path}\nmanifest: {settings.manifest_path}")


def main(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline import stages as flow
    from pipeline.manifest import Stages

    stages = Stages()
    summary, report = flow.generate(settings, stages)
    print_summary(settings, summary, report, stages)
    return 0
