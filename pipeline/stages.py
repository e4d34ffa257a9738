"""The pipeline's stages, each ending in one published output: the lake, a validated source, the warehouse.

Commands (``pipeline.commands``) parse options and print; the flow of each stage (stage into scratch space,
validate, swap in, record what was published) lives here, so that ``run`` and the single commands share it.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import polars as pl

from pipeline import duck, lake, manifest
from pipeline.analysis.marts import compute_marts
from pipeline.errors import DataInvalid
from pipeline.generate.plan import Plan
from pipeline.generate.runner import Job, LakeSummary, generate_lake, tasks
from pipeline.load import BuildRecord, EditPolicy, LoadSummary, build_warehouse
from pipeline.logs import progress
from pipeline.manifest import Stages
from pipeline.schema import TABLES
from pipeline.settings import Settings
from pipeline.validate import Validated, check_cross_table, validate_source
from pipeline.validate.report import Report
from pipeline.validate.source import SourceDir


def _lake_record(settings: Settings, summary: LakeSummary) -> dict[str, Any]:
    return {
        "path": str(settings.lake_dir),
        "labels": str(settings.labels_path),
        "seed": settings.seed,
        "scale": settings.scale,
        "end_date": settings.end_date.isoformat(),
        "anomaly_rate": settings.anomaly_rate,
        "row_counts": summary.rows,
        "content_hashes": summary.hashes,
        "anomalies_labelled": summary.anomalies,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def generate(settings: Settings, stages: Stages) -> tuple[LakeSummary, Report]:
    """Generate into a scratch directory, validate there, then swap the lake and labels into place."""
    plan = Plan.of(settings.seed, settings.scale)
    targets = [settings.lake_dir, settings.labels_path.parent]
    rows = sum(plan.row_counts.values())
    with lake.staging_dir(settings.data_dir) as scratch:
        with lake.staged_replace(targets, scratch) as (lake_dir, labels_dir):
            with stages.stage("generate", rows=rows), progress("generate", len(tasks(plan))) as advance:
                job = Job(settings.seed, settings.scale, settings.start_date, settings.anomaly_rate, lake_dir)
                summary = generate_lake(job, plan, settings.workers, labels_dir / settings.labels_path.name, advance)
            with stages.stage("validate", rows=rows):
                report = Report(source=str(settings.lake_dir), frames_validated=summary.frames_validated)
                check_cross_table(lake.lake_tables(lake_dir), settings.window, report, scratch)
                report.write(settings.report_path)
                if not report.valid:
                    raise DataInvalid(report.failures)
            record = _lake_record(settings, summary)
            lake.write_record(lake_dir, record)
        manifest.publish(settings.manifest_path, "lake", record, stages)
    return summary, report


def validate(settings: Settings, source: SourceDir, scratch: Path) -> Validated:
    """Validate ``source``; writes the report, raises DataInvalid on any failure.

    The Parquet files to load are the source's own or typed copies under ``scratch``.
    """
    with progress("validate", sum(len(source.files(t)) for t in TABLES)) as advance:
        validated = validate_source(source, settings.window, scratch, advance)
    validated.report.write(settings.report_path)
    if not validated.report.valid:
        raise DataInvalid(validated.report.failures)
    return validated


def build_record(settings: Settings, source_root: Path, content_hashes: dict[str, str]) -> BuildRecord:
    """What a warehouse loaded from ``source_root`` is: the generation facts when it is the generated lake
    (unchanged since it was generated), otherwise only where it came from and its content hash."""
    digest = lake.source_hash(content_hashes)
    if source_root == settings.lake_dir:
        generated = lake.read_record(settings.lake_dir)
        if generated.get("content_hashes") == content_hashes:
            return BuildRecord(
                source="lake",
                source_hash=digest,
                seed=generated["seed"],
                scale=generated["scale"],
                end_date=dt.date.fromisoformat(generated["end_date"]),
                anomaly_rate=generated["anomaly_rate"],
            )
    return BuildRecord(source=str(source_root), source_hash=digest)


def load(
    settings: Settings,
    files_by_table: dict[str, list[Path]],
    record: BuildRecord,
    stages: Stages,
    *,
    discard_edits: bool = False,
) -> LoadSummary:
    """Build the warehouse (marts included) from validated Parquet files and swap it into place."""
    expected = {t: pl.scan_parquet(f).select(pl.len()).collect().item() for t, f in files_by_table.items()}
    batches = sum(len(f) for f in files_by_table.values())
    with (
        stages.stage("load", rows=sum(expected.values())),
        progress("load", batches) as advance,
        lake.staging_dir(settings.data_dir) as scratch,
    ):
        with duck.connection(scratch) as con:
            duck.create_views(con, files_by_table)
            marts = compute_marts(con, scratch / "marts")
        summary = build_warehouse(
            files_by_table,
            expected,
            settings.warehouse_path,
            record,
            edit_policy=EditPolicy(settings.edits_dir, discard=discard_edits),
            workers=settings.workers,
            marts=marts,
            advance=advance,
        )
    stages.phases("load", summary.phases)
    manifest.publish(
        settings.manifest_path,
        "warehouse",
        {
            "path": str(settings.warehouse_path),
            "build_id": summary.build_id,
            "source": record.source,
            "source_hash": record.source_hash,
            "row_counts": summary.rows,
            "integrity_check": summary.integrity_check,
        },
        stages,
    )
    return summary
