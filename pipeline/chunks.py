"""The lake made chunk by chunk: each task generated (``pipeline.generate.tasks``), validated against its table's
pandera model and written as Parquet parts, in this process or on a process pool, then summed up.

Chunks are independent and addressed by (table, chunk), so the result does not depend on the worker count. Above
both generation and validation, so neither reaches into the other.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline import cancel, lake
from pipeline.errors import DataInvalid
from pipeline.generate.plan import Plan
from pipeline.generate.tasks import Job, Task, frames, task_rows, tasks
from pipeline.schema import TABLES
from pipeline.validate.frames import check_frame

# Starting worker processes costs about a second (imports); below this size one process is as fast.
POOL_MIN_ROWS = 1_000_000


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
    frames_validated: int  # chunk frames that passed their table's pandera model


def run_task(job: Job, task: Task) -> ChunkResult:
    """Generate, validate and write one chunk, with its anomaly labels (runs in a worker process)."""
    generated, labels = frames(job, task)
    failures = []
    for table, frame in generated.items():
        path = lake.part_path(job.lake_dir, table, task.chunk)
        failures += check_frame(table, frame, str(path.name))[1]
    if failures:
        raise DataInvalid(failures)
    for table, frame in generated.items():
        lake.write_parquet(frame, lake.part_path(job.lake_dir, table, task.chunk))
    if task.producer == "orders":  # every order chunk has a labels file, empty or not
        lake.write_parquet(labels, lake.labels_part_path(job.lake_dir, task.chunk))
    return ChunkResult(
        task,
        {t: f.height for t, f in generated.items()},
        {t: lake.content_digest(f) for t, f in generated.items()},
        labels,
    )


def _worker_started() -> None:
    # The parent decides when to stop: a Ctrl-C reaches the whole process group, and a worker that died of it
    # would only add its own traceback to the parent's one-line message.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextmanager
def worker_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """``workers`` spawned processes, each with its share of the cores for Polars' thread pool.

    Polars sizes its thread pool from ``POLARS_MAX_THREADS`` when a worker first imports it, and workers
    start lazily (with the first tasks), so the budget stays in the environment for the pool's whole life.
    Spawned, not forked: Polars' thread pool does not survive a fork. On any exit but success (a failed
    chunk, Ctrl-C, SIGTERM) the workers are terminated at once instead of finishing their chunks.
    """
    previous = os.environ.get("POLARS_MAX_THREADS")
    os.environ["POLARS_MAX_THREADS"] = str(max(1, (os.cpu_count() or 1) // workers))
    pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_started)

    def terminate() -> None:
        for process in list((pool._processes or {}).values()):  # no public way before Python 3.14
            process.terminate()

    try:
        with cancel.interruptible(terminate):
            yield pool
    except BaseException:
        terminate()
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    else:
        pool.shutdown(wait=True)
    finally:
        if previous is None:
            os.environ.pop("POLARS_MAX_THREADS", None)
        else:
            os.environ["POLARS_MAX_THREADS"] = previous


def run_tasks(job: Job, todo: list[Task], workers: int, advance: Callable[[int], None]) -> list[ChunkResult]:
    """Run ``todo`` (all chunks, or one partition's) in-process or on the pool; ``advance`` is called per chunk."""
    results: list[ChunkResult] = []
    rows = task_rows(Plan.of(job.seed, job.scale))
    if min(workers, len(todo)) == 1 or sum(rows[task] for task in todo) < POOL_MIN_ROWS:
        for task in todo:
            cancel.check()
            results.append(run_task(job, task))
            advance(1)
    else:
        with worker_pool(workers) as pool:
            for result in pool.map(run_task, [job] * len(todo), todo):
                results.append(result)
                advance(1)
    return results


def summarize(plan: Plan, results: list[ChunkResult]) -> LakeSummary:
    """Row counts and content hashes of a whole lake from its chunks' results (in any order)."""
    results = sorted(results, key=lambda r: (r.task.producer, r.task.chunk))
    rows = {t: sum(r.rows.get(t, 0) for r in results) for t in TABLES}
    if rows != plan.row_counts:
        msg = f"generated row counts {rows} differ from the plan {plan.row_counts}"
        raise RuntimeError(msg)
    hashes = {t: lake.combine_digests([r.digests[t] for r in results if t in r.digests]) for t in TABLES}
    anomalies = sum(r.labels.height for r in results)
    return LakeSummary(rows, hashes, anomalies, frames_validated=sum(len(r.rows) for r in results))


def generate_lake(job: Job, plan: Plan, workers: int, labels_path: Path, advance: Callable[[int], None]) -> LakeSummary:
    """Write every chunk under ``job.lake_dir`` and all anomaly labels to ``labels_path``."""
    results = run_tasks(job, tasks(plan), workers, advance)
    lake.write_parquet(pl.concat([r.labels for r in results]).sort("order_id"), labels_path)
    return summarize(plan, results)
