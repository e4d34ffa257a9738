"""What ``generate`` and ``run`` print at the end: the tables with their hashes, the verdict, the stages."""

from __future__ import annotations

from rich.table import Table

from pipeline.generate.runner import LakeSummary
from pipeline.logs import out
from pipeline.manifest import Stages
from pipeline.settings import Settings
from pipeline.validate.report import Report


def tables_table(summary: LakeSummary) -> Table:
    """Rows and the start of the content hash per table (``spark generate`` prints it too: equal hashes, equal data)."""
    tables = Table(title="tables", title_justify="left")
    tables.add_column("table")
    tables.add_column("rows", justify="right")
    tables.add_column("content hash")
    for name, rows in summary.rows.items():
        tables.add_row(name, f"{rows:,}", summary.hashes[name][:16])
    return tables


def print_summary(settings: Settings, summary: LakeSummary, report: Report, stages: Stages) -> None:
    out.print(tables_table(summary))
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
