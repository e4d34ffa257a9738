"""The chunks of a lake as tasks: what every chunk needs to know, the list of tasks of a plan with the rows each
writes, and the frames a task generates (pure: no validation, no files).

Chunks are independent and addressed by (table, chunk), so the result does not depend on who runs which task.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.generate import anomalies, baskets, customers, order_items, orders, payments, products
from pipeline.generate.plan import Plan


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


def tasks(plan: Plan) -> list[Task]:
    # Biggest work first so that the pool's last tasks are short ones.
    return (
        [Task("orders", c) for c in range(len(plan.order_chunks()))]
        + [Task("customers", c) for c in range(len(plan.customer_chunks()))]
        + [Task("products", c) for c in range(len(plan.product_chunks()))]
    )


def task_rows(plan: Plan) -> dict[Task, int]:
    """The rows each task writes over all its tables (an orders chunk also writes its items and payments)."""
    rows = {Task("customers", c): stop - first for c, (first, stop) in enumerate(plan.customer_chunks())}
    rows |= {Task("products", c): stop - first for c, (first, stop) in enumerate(plan.product_chunks())}
    for c, (first, stop) in enumerate(plan.order_chunks()):
        rows[Task("orders", c)] = 2 * (stop - first) + plan.items_before(stop) - plan.items_before(first)
    return rows


def frames(job: Job, task: Task) -> tuple[dict[str, pl.DataFrame], pl.DataFrame]:
    """The task's frames by table (an orders chunk: orders, order_items and payments) and its anomaly labels."""
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
