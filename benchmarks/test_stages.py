"""pytest-benchmark suites, one per pipeline stage, at ``BENCH_SCALE`` (default 10).

    pytest benchmarks/test_stages.py --benchmark-only [--benchmark-json out.json]

Stages, each timed on its own over the same data:
- generation in-process (every chunk's frames, one process, no validation, no files),
- per-chunk validation (the pandera models, as the workers run them),
- Parquet write (the lake writer),
- the chunked generate-validate-write of ``generate_lake`` (the stage as `run` sees it: a spawned process pool
  above ``pipeline.chunks.POOL_MIN_ROWS``, so small scales run in-process),
- cross-table rules (DuckDB over the lake),
- SQLite load (``benchmarks.load_only.build_warehouse``: bulk insert, indexes, the proof of the copy).
Then generation rows/s against the naive Faker + pandas baseline, both in-process at scale 10, in the same session.
Every result records the scale, row count, rows/s, versions and machine in ``extra_info``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pytest_benchmark.fixture import BenchmarkFixture

from benchmarks import naive_baseline
from benchmarks.inprocess import (
    ANOMALY_RATE,
    END_DATE,
    SEED,
    START_DATE,
    Chunk,
    clear_generation_caches,
    generate_in_process,
)
from benchmarks.load_only import build_warehouse
from pipeline import duck, lake
from pipeline.chunks import POOL_MIN_ROWS, LakeSummary, generate_lake
from pipeline.generate import tasks
from pipeline.generate.plan import Plan
from pipeline.validate import check_cross_table
from pipeline.validate.frames import check_frame
from pipeline.validate.report import Report

WORKERS = 2
NAIVE_SCALE = 10.0


def median_seconds(benchmark: BenchmarkFixture) -> float:
    if benchmark.stats is None:
        msg = "the benchmark has not run yet: call once() before record()"
        raise RuntimeError(msg)
    return float(benchmark.stats.stats.median)


def record(benchmark: BenchmarkFixture, environment: dict[str, Any], rows: int, **extra: Any) -> None:
    median = median_seconds(benchmark)
    benchmark.extra_info.update(environment)
    benchmark.extra_info.update(rows=rows, median_s=median, rows_per_s=rows / median, **extra)


def once(
    benchmark: BenchmarkFixture, rounds: int, target: Callable[[], Any], setup: Callable[[], None] | None = None
) -> Any:
    return benchmark.pedantic(  # type: ignore[no-untyped-call]
        target, setup=setup, rounds=rounds, iterations=1, warmup_rounds=0
    )


@pytest.fixture(scope="session")
def plan(scale: float) -> Plan:
    return Plan.of(SEED, scale)


@pytest.fixture(scope="session")
def total_rows(plan: Plan) -> int:
    return sum(plan.row_counts.values())


@pytest.fixture(scope="session")
def chunks(scale: float) -> list[Chunk]:
    clear_generation_caches()
    return generate_in_process(scale)


@pytest.fixture(scope="session")
def lake_dir(scale: float, plan: Plan, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A complete lake written by the pipeline's own chunk runner, for the stages that read it."""
    root = tmp_path_factory.mktemp("lake")
    job = tasks.Job(SEED, scale, START_DATE, ANOMALY_RATE, root / "lake")
    generate_lake(job, plan, WORKERS, root / "labels" / "anomalies.parquet", lambda _: None)
    return root / "lake"


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_generation(
    benchmark: BenchmarkFixture, environment: dict[str, Any], rounds: int, scale: float, total_rows: int
) -> None:
    chunks = once(benchmark, rounds, lambda: generate_in_process(scale), setup=clear_generation_caches)
    assert sum(frame.height for _, _, frame in chunks) == total_rows
    record(benchmark, environment, total_rows, processes=1)


def test_validation(
    benchmark: BenchmarkFixture, environment: dict[str, Any], rounds: int, chunks: list[Chunk], total_rows: int
) -> None:
    def validate() -> int:
        failures = 0
        for table, chunk, frame in chunks:
            failures += len(check_frame(table, frame, f"part-{chunk:05d}.parquet")[1])
        return failures

    assert once(benchmark, rounds, validate) == 0
    record(benchmark, environment, total_rows, processes=1)


def test_parquet_write(
    benchmark: BenchmarkFixture,
    environment: dict[str, Any],
    rounds: int,
    chunks: list[Chunk],
    total_rows: int,
    scratch: Path,
) -> None:
    def write() -> None:
        for table, chunk, frame in chunks:
            lake.write_parquet(frame, lake.part_path(scratch / "out", table, chunk))

    once(benchmark, rounds, write, setup=lambda: shutil.rmtree(scratch / "out", ignore_errors=True))
    size = sum(p.stat().st_size for p in scratch.rglob("*.parquet"))
    record(benchmark, environment, total_rows, processes=1, lake_mib=round(size / 2**20, 1))


def test_generate_lake(
    benchmark: BenchmarkFixture,
    environment: dict[str, Any],
    rounds: int,
    scale: float,
    plan: Plan,
    total_rows: int,
    scratch: Path,
) -> None:
    """Generation + per-chunk validation + Parquet + digests as `generate` runs them (process pool when large)."""
    job = tasks.Job(SEED, scale, START_DATE, ANOMALY_RATE, scratch / "lake")

    def generate() -> LakeSummary:
        return generate_lake(job, plan, WORKERS, scratch / "labels" / "anomalies.parquet", lambda _: None)

    summary = once(benchmark, rounds, generate, setup=lambda: shutil.rmtree(scratch, ignore_errors=True))
    assert summary.rows == plan.row_counts
    pooled = total_rows >= POOL_MIN_ROWS
    record(benchmark, environment, total_rows, processes=WORKERS if pooled else 1, includes_pool_start=pooled)


def test_cross_table_rules(
    benchmark: BenchmarkFixture, environment: dict[str, Any], rounds: int, lake_dir: Path, total_rows: int
) -> None:
    def check() -> Report:
        report = Report(source=str(lake_dir))
        with duck.connection(lake_dir.parent) as con:
            duck.create_views(con, lake.lake_tables(lake_dir))
            check_cross_table(con, (START_DATE, END_DATE), report)
        return report

    report = once(benchmark, rounds, check)
    assert report.valid, report.failures
    record(benchmark, environment, total_rows, rules_passed=report.rules_passed)


def test_sqlite_load(
    benchmark: BenchmarkFixture,
    environment: dict[str, Any],
    rounds: int,
    lake_dir: Path,
    plan: Plan,
    total_rows: int,
    scratch: Path,
) -> None:
    """Bulk insert, index build and the proof of the copy (counts, checksums, quick_check), as `load` runs them."""
    target = scratch / "warehouse.sqlite"
    files = lake.lake_tables(lake_dir)
    summary = once(
        benchmark,
        rounds,
        lambda: build_warehouse(files, plan.row_counts, target, "512MiB"),
        setup=lambda: target.unlink(missing_ok=True),
    )
    assert summary.rows == plan.row_counts
    size = round(target.stat().st_size / 2**20, 1)
    record(benchmark, environment, total_rows, warehouse_mib=size, check=summary.integrity_check)


@pytest.fixture(scope="module")
def naive_comparison() -> dict[str, float]:
    """Rows/s of both generators at scale 10, filled in by the two parametrised runs below."""
    return {}


@pytest.mark.parametrize("implementation", ["pipeline", "naive"])
def test_generation_vs_naive(
    benchmark: BenchmarkFixture,
    environment: dict[str, Any],
    rounds: int,
    implementation: str,
    naive_comparison: dict[str, float],
) -> None:
    """Generation alone, in-process, at scale 10: the vectorised generators against Faker row by row."""
    plan = Plan.of(SEED, NAIVE_SCALE)
    rows = sum(plan.row_counts.values())
    if implementation == "pipeline":
        once(benchmark, rounds, lambda: generate_in_process(NAIVE_SCALE), setup=clear_generation_caches)
    else:
        # The naive baseline takes seconds per round; one round is enough to see a 30x difference.
        frames = once(benchmark, 1, lambda: naive_baseline.generate(NAIVE_SCALE, SEED))
        assert {t: len(f) for t, f in frames.items()} == plan.row_counts
    naive_comparison[implementation] = rows / median_seconds(benchmark)
    extra: dict[str, Any] = {"implementation": implementation, "processes": 1}
    if len(naive_comparison) == 2:
        extra["speedup_vs_naive"] = naive_comparison["pipeline"] / naive_comparison["naive"]
    record(benchmark, {**environment, "scale": NAIVE_SCALE}, rows, **extra)
