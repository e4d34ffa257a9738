"""The warehouse load alone (no marts, no validation): the fill, indexes, and the proof of the copy per table.

What the sweep compares with the ``sqlite3`` shell's ``.import`` of the same rows plus the same index build.

    python -m benchmarks.load_only LAKE_DIR TARGET [--memory 512MiB]

prints one JSON object: seconds and the build's phases.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import polars as pl

from pipeline import lake
from pipeline.files import scratch_dir
from pipeline.warehouse.build import BuildRecord, LoadSummary, WarehouseBuild


def build_warehouse(files: dict[str, list[Path]], expected: dict[str, int], target: Path, memory: str) -> LoadSummary:
    """Fill, prove and complete a warehouse at ``target`` in one go, as ``load`` does after its validation (no
    marts, nothing published)."""
    record = BuildRecord(source="benchmark", source_hash="benchmark")
    target.unlink(missing_ok=True)
    with scratch_dir(target.parent, ".spill-") as spill:
        build = WarehouseBuild(target, spill, files, expected, memory)
        build.fill(lambda _: None, build.checksum_source, list)
        return build.complete(record)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lake_dir", type=Path)
    parser.add_argument("target", type=Path)
    parser.add_argument("--memory", default="512MiB", help="the fill's DuckDB memory limit")
    args = parser.parse_args()
    files = lake.lake_tables(args.lake_dir)
    expected = {t: pl.scan_parquet(f).select(pl.len()).collect().item() for t, f in files.items()}
    started = time.perf_counter()
    summary = build_warehouse(files, expected, args.target, args.memory)
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "rows": sum(expected.values()), "phases": summary.phases}))


if __name__ == "__main__":
    main()
