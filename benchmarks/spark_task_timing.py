"""Functions the benchmark's Spark jobs run in the Python workers (which import this module, so it stays light)."""

from __future__ import annotations

import os
import time
from typing import Any


def import_generators(_: int) -> float:
    """Seconds to import the generators (polars, numpy, pandera, ...) in a fresh worker."""
    started = time.perf_counter()
    import pipeline.chunks  # noqa: F401

    return time.perf_counter() - started


def timed_run_task(job: Any, task: Any) -> tuple[Any, dict[str, float]]:
    """``chunks.run_task`` (generate, validate, write one chunk) with its wall and CPU seconds."""
    from pipeline.chunks import run_task

    started, cpu = time.perf_counter(), time.process_time()
    result = run_task(job, task)
    return result, {"pid": os.getpid(), "task_s": time.perf_counter() - started, "cpu_s": time.process_time() - cpu}


def no_op(value: int) -> int:
    return value
