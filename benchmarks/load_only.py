"""The warehouse load alone (no marts, no validation): fill, indexes, merge, foreign-key and integrity checks, swap.

What the sweep compares with the ``sqlite3`` shell's ``.import`` of the same rows plus the same index build.

    python -m benchmarks.load_only LAKE_DIR TARGET [--workers N]

prints one JSON object: seconds and the build's phases.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import polars as pl

from pipeline import lake
from pipeline.warehouse.build import BuildRecord, EditPolicy, LoadSummary, warehouse_build


def build_warehouse(files: dict[str, list[Path]], expected: dict[str, int], target: Path, workers: int) -> LoadSummary:
    """Fill, complete and publish a warehouse in one go, as ``load`` does after its validation (no marts)."""
    record = BuildRecord(source="benchmark", source_hash="benchmark")
    with warehouse_build(target, files, expected) as build:
        build.fill(workers, lambda _: None)
        build.complete()
        return build.publish(record, EditPolicy(target.parent / "edits", discard=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lake_dir", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    files = lake.lake_tables(args.lake_dir)
    expected = {t: pl.scan_parquet(f).select(pl.len()).collect().item() for t, f in files.items()}
    started = time.perf_counter()
    summary = build_warehouse(files, expected, args.target, args.workers)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": sum(expected.values()), "phases": summary.phases}))


if __name__ == "__main__":
    main()
