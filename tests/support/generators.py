"""A lake drawn in this process by the generators as they are now: for the tests that patch a generator (a wrong
generator, a negative control) and check that a law or the anomaly query catches it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl

from pipeline import lake as lake_files
from pipeline.chunks import generate_lake
from pipeline.generate import anomalies, baskets, calendar, customers, plan, products, vocab
from pipeline.generate.plan import Plan
from pipeline.generate.tasks import Job
from pipeline.schema import TABLES
from pipeline.settings import Settings
from tests.support.laws import Frames

GENERATORS = (anomalies, baskets, calendar, customers, plan, products, vocab)


def _clear_caches() -> None:
    """Forget everything the generators cached (catalogue, profiles, curves): it was drawn by the constants in
    force when it was cached."""
    for module in GENERATORS:
        for value in vars(module).values():
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def generate(data_dir: Path, seed: int, scale: float, **options: Any) -> Settings:
    """The lake of ``seed`` at ``scale`` and its labels, under ``data_dir``, in this process (one worker);
    ``options``: other settings (``anomaly_rate``)."""
    settings = Settings(data_dir=data_dir, workers=1, **options)
    job = Job(seed, scale, settings.start_date, settings.anomaly_rate, settings.lake_dir)
    _clear_caches()
    try:
        generate_lake(job, Plan.of(seed, scale), 1, settings.labels_path, lambda _: None)
    finally:
        _clear_caches()
    return settings


def frames(data_dir: Path, seed: int, scale: float, **options: Any) -> Frames:
    """The tables of :func:`generate`'s lake, and its labels."""
    settings = generate(data_dir, seed, scale, **options)
    tables = {table: pl.read_parquet(lake_files.lake_files(settings.lake_dir, table)) for table in TABLES}
    return tables | {"labels": pl.read_parquet(settings.labels_path)}
