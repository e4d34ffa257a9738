"""What ``generate`` and ``run`` print at the end: the tables with their hashes, the verdict, the stages."""

from __future__ import annotations

from rich.table import Table

from pipeline.chunks import LakeSummary
from pipeline.logs import out
from pipeline.manifest import Timings
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


def print_lake_summary(settings: Settings, summary: LakeSummary, report: Report, timings: Timings) -> None:
    """The tables with their hashes, the validation verdict and the stages with their time and memory."""
    out.print(tables_table(summary))
    out.print(f"valid: {report.summary()}; {summary.anomalies:,} orders labelled as anomalies")
    table = Table(title="stages", title_justify="left")
    for column in ("stage", "seconds", "rows/s", "peak RSS MiB"):
        table.add_column(column, justify="left" if column == "stage" else "right")
    for r in timings.records:
        rate = f"{r.rows_per_second:,.0f}" if r.rows else ""
        peak = "" if r.peak_rss_mib is None else f"{r.peak_rss_mib:,.0f}"
        table.add_row(r.name, f"{r.seconds:.2f}", rate, peak)
    out.print(table)
    out.print(f"lake: {settings.lake_dir}\nlabels: {settings.labels_path}\nmanifest: {settings.manifest_path}")
