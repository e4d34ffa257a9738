"""Generation in one process: every chunk's frames, no validation, no files; used by the suites and the sweep.

    python -m benchmarks.inprocess --scale 10 [--rounds 3] [--json]

prints the best of ``rounds`` cold runs (generation caches cleared before each).
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import time
from pathlib import Path

import polars as pl

from pipeline.generate import tasks
from pipeline.generate.plan import Plan

SEED = 42
START_DATE = dt.date(2023, 1, 1)
END_DATE = dt.date(2025, 12, 31)
ANOMALY_RATE = 0.005
GENERATOR_MODULES = ("anomalies", "baskets", "calendar", "customers", "orders", "order_items", "payments",
                     "products", "vocab")  # fmt: skip

Chunk = tuple[str, int, pl.DataFrame]


def clear_generation_caches() -> None:
    """Drop the per-process caches (catalogue, customer profiles, calendars) so that a run starts cold."""
    for name in GENERATOR_MODULES:
        module = importlib.import_module(f"pipeline.generate.{name}")
        for value in vars(module).values():
            clear = getattr(value, "cache_clear", None)
            if callable(clear):
                clear()


def generate_in_process(scale: float, seed: int = SEED) -> list[Chunk]:
    """Every chunk's frames in this process, in the runner's task order (nothing is written)."""
    job = tasks.Job(seed, scale, START_DATE, ANOMALY_RATE, Path("unused-lake"))
    chunks = []
    for task in tasks.tasks(Plan.of(seed, scale)):
        frames, _labels = tasks.frames(job, task)
        chunks += [(table, task.chunk, frame) for table, frame in frames.items()]
    return chunks


def best_generation_seconds(scale: float, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        clear_generation_caches()
        started = time.perf_counter()
        generate_in_process(scale)
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true", help="print the result as one JSON object")
    args = parser.parse_args()
    rows = sum(Plan.of(SEED, args.scale).row_counts.values())
    seconds = best_generation_seconds(args.scale, args.rounds)
    result = {"scale": args.scale, "rows": rows, "generate_s": seconds, "generate_rows_per_s": rows / seconds}
    print(json.dumps(result) if args.json else result)


if __name__ == "__main__":
    main()
