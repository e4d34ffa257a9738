"""Runs the table generators chunk by chunk on a process pool, validates each chunk and writes the lake.

Chunks are independent and addressed by (table, chunk), so the result does not depend on the worker count.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline import lake
from pipeline.errors import DataInvalid
from pipeline.generate import anomalies, baskets, customers, order_items, orders, payments, products
from pipeline.generate.plan import TABLES, Plan
from pipeline.validate.frames import check_frame

# Starting worker processes costs about a second (imports); below this size one process is as fast.
POOL_MIN_ROWS = 1_000_000


@dataclass(frozen=True)
class Job:
    """What every chunk needs to know; small and picklable."""

    seed: int
    scale: float
    start_date: dt.date
    anomaly_rate: float
    lake_dir: Path


@dataclass(frozen=True)
class Task:
    producer: str  # "customers", "products" or "orders" (orders also yields order_items and payments)
    chunk: int


@dataclass(frozen=True)
class ChunkResult:
    task: Task
    rows: dict[str, int]
    digests: dict[str, bytes]
    labels: pl.DataFrame


@dataclass(frozen=True)
class LakeSummary:
    rows: dict[str, int]
    hashes: dict[str, str]
    anomalies: int
    checks_passed: int


def _frames(job: Job, task: Task) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    no_labels = pl.DataFrame(schema=anomalies.LABEL_SCHEMA)
    if task.producer == "customers":
        return {"customers": customers.generate(job.seed, job.scale, task.chunk, job.start_date)}, no_labels
    if task.producer == "products":
        return {"products": products.generate(job.seed, job.scale, task.chunk)}, no_labels
    chunk = baskets.simulate(job.seed, job.scale, task.chunk, job.start_date, job.anomaly_rate)
    frames = {
        "orders": orders.from_baskets(chunk, job.start_date),
        "order_items": order_items.from_baskets(chunk),
        "payments": payments.from_baskets(chunk, job.start_date),
    }
    return frames, anomalies.labels(chunk.order_id, chunk.kind)


def run_task(job: Job, task: Task) -> ChunkResult:
    """Generate, validate and write one chunk (runs in a worker process)."""
    frames, labels = _frames(job, task)
    failures = []
    for table, frame in frames.items():
        path = lake.part_path(job.lake_dir, table, task.chunk)
        failures += check_frame(table, frame, str(path.name))[1]
    if failures:
        raise DataInvalid(failures)
    for table, frame in frames.items():
        lake.write_parquet(frame, lake.part_path(job.lake_dir, table, task.chunk))
    return ChunkResult(
        task,
        {t: f.height for t, f in frames.items()},
        {t: lake.content_digest(f) for t, f in frames.items()},
        labels,
    )


def tasks(plan: Plan) -> list[Task]:
    # Biggest work first so that the pool's last tasks are short ones.
    return (
        [Task("orders", c) for c in range(len(plan.order_chunks()))]
        + [Task("customers", c) for c in range(len(plan.customer_chunks()))]
        + [Task("products", c) for c in range(len(plan.product_chunks()))]
    )


def _pool(workers: int) -> ProcessPoolExecutor:
    # Each worker is one of `workers` processes on the machine's cores: one Polars thread each avoids
    # oversubscription. Spawned (not forked) because Polars' thread pool does not survive a fork.
    os.environ["POLARS_MAX_THREADS"] = "1"
    try:
        return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
    finally:
        del os.environ["POLARS_MAX_THREADS"]


def generate_lake(job: Job, plan: Plan, workers: int, labels_path: Path, advance: Callable[[int], None]) -> LakeSummary:
    """Write every chunk under ``job.lake_dir`` and the anomaly labels; ``advance`` is called per chunk."""
    todo = tasks(plan)
    results: list[ChunkResult] = []
    if workers == 1 or sum(plan.row_counts.values()) < POOL_MIN_ROWS:
        for task in todo:
            results.append(run_task(job, task))
            advance(1)
    else:
        with _pool(workers) as pool:
            for result in pool.map(run_task, [job] * len(todo), todo):
                results.append(result)
                advance(1)
    results.sort(key=lambda r: (r.task.producer, r.task.chunk))
    labels = pl.concat([r.labels for r in results]).sort("order_id")
    lake.write_parquet(labels, labels_path)
    rows = {t: sum(r.rows.get(t, 0) for r in results) for t in TABLES}
    if rows != plan.row_counts:
        msg = f"generated row counts {rows} differ from the plan {plan.row_counts}"
        raise RuntimeError(msg)
    hashes = {t: lake.combine_digests([r.digests[t] for r in results if t in r.digests]) for t in TABLES}
    return LakeSummary(rows, hashes, labels.height, checks_passed=len(todo))
