"""``generate``: write the Parquet lake and the anomaly labels, validated, swapped in only when valid."""

from __future__ import annotations

import argparse
from typing import Any

from rich.table import Table

from pipeline import duck
from pipeline.errors import DataInvalid
from pipeline.generate.plan import Plan
from pipeline.generate.runner import Job, LakeSummary, generate_lake, tasks
from pipeline.lake import staged_replace, staging_dir
from pipeline.logs import out, progress
from pipeline.manifest import Stages, update_manifest
from pipeline.settings import Settings
from pipeline.validate import check_cross_table
from pipeline.validate.report import Report


def add_generation_options(parser: argparse.ArgumentParser) -> None:
    s = argparse.SUPPRESS
    parser.add_argument("--scale", default=s, help="scale factor, any positive number (default 1)")
    parser.add_argument("--seed", default=s, help="random seed, a whole number >= 0 (default 42)")
    parser.add_argument("--end-date", default=s, help="last day of the 3-year window, YYYY-MM-DD (default 2025-12-31)")
    parser.add_argument(
        "--anomaly-rate", default=s, help="share of orders that start an anomaly, 0..0.2 (default 0.005)"
    )
    parser.add_argument("--workers", default=s, help="worker processes (default: the number of cores)")


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("generate", parents=[common], help="generate the Parquet lake")
    add_generation_options(parser)
    parser.set_defaults(func=main)


def generate(settings: Settings, stages: Stages) -> tuple[LakeSummary, Report]:
    """Generate into a staging directory, validate there, then swap the lake and labels into place."""
    plan = Plan.of(settings.seed, settings.scale)
    targets = [settings.lake_dir, settings.labels_path.parent]
    with staging_dir(settings.data_dir) as scratch, staged_replace(targets, scratch) as (lake_dir, labels_dir):
        total_rows = sum(plan.row_counts.values())
        with stages.stage("generate", rows=total_rows), progress("generate", len(tasks(plan))) as advance:
            job = Job(settings.seed, settings.scale, settings.start_date, settings.anomaly_rate, lake_dir)
            summary = generate_lake(job, plan, settings.workers, labels_dir / settings.labels_path.name, advance)
        with stages.stage("validate", rows=total_rows):
            report = Report(source=str(settings.lake_dir), checks_passed=summary.checks_passed)
            check_cross_table(duck.lake_tables(lake_dir), settings.window, report)
            report.write(settings.report_path)
            if not report.valid:
                raise DataInvalid(report.failures)
    return summary, report


def manifest_fields(settings: Settings, summary: LakeSummary) -> dict[str, Any]:
    return {
        "seed": settings.seed,
        "scale": settings.scale,
        "end_date": settings.end_date,
        "anomaly_rate": settings.anomaly_rate,
        "workers": settings.workers,
        "row_counts": summary.rows,
        "content_hashes": summary.hashes,
        "anomalies_labelled": summary.anomalies,
        "outputs": {
            "lake": str(settings.lake_dir),
            "labels": str(settings.labels_path),
            "validation_report": str(settings.report_path),
            "log": str(settings.log_path),
        },
    }


def print_tables(summary: LakeSummary) -> None:
    table = Table(title="tables", title_justify="left")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("content hash")
    for name, rows in summary.rows.items():
        table.add_row(name, f"{rows:,}", summary.hashes[name][:16])
    out.print(table)


def print_stages(stages: Stages) -> None:
    table = Table(title="stages", title_justify="left")
    for column in ("stage", "seconds", "rows/s", "peak RSS MiB"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for r in stages.records:
        rate = f"{r.rows_per_second:,.0f}" if r.rows else ""
        table.add_row(r.name, f"{r.seconds:.2f}", rate, f"{r.peak_rss_mib:,.0f}")
    out.print(table)


def main(settings: Settings, args: argparse.Namespace) -> int:
    stages = Stages()
    summary, report = generate(settings, stages)
    update_manifest(settings.manifest_path, manifest_fields(settings, summary), stages)
    print_summary(settings, summary, report, stages)
    return 0


def print_summary(settings: Settings, summary: LakeSummary, report: Report, stages: Stages) -> None:
    print_tables(summary)
    out.print(
        f"checks passed: {report.checks_passed} (pandera per chunk, cross-table rules in DuckDB); "
        f"{summary.anomalies:,} orders labelled as anomalies"
    )
    print_stages(stages)
    out.print(f"lake: {settings.lake_dir}\nlabels: {settings.labels_path}\nmanifest: {settings.manifest_path}")
