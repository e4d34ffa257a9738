"""`generate --parts P --part I --output DIR`: all partitions, in any order and in separate processes, write
byte for byte the files of one `generate`; the split is balanced by rows; bad values are one-line usage errors."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import polars as pl
import pytest

from pipeline.generate.partition import assign
from pipeline.generate.plan import Plan
from pipeline.generate.tasks import Task
from pipeline.settings import PROJECT_ROOT
from tests.support.cli import RunCli, clean_env, one_error_line
from tests.support.exports import files_of

TABLES = ("customers", "products", "orders", "order_items", "payments")


def rows_by_table(directory: Path) -> dict[str, int]:
    return {t: sum(pl.read_parquet(p).height for p in (directory / t).glob("part-*.parquet")) for t in TABLES}


def generate_part(run_cli: RunCli, data_dir: Path, output: Path, parts: int, part: int, *options: str) -> None:
    outcome = run_cli(
        "generate", "--data-dir", data_dir, "--workers", "1", "--parts", str(parts), "--part", str(part),
        "--output", output, *options,
    )  # fmt: skip
    assert outcome.status == 0, outcome.err


def test_scale_1_splits_as_worked_out_by_hand() -> None:
    """Scale 1: one chunk per producer; the orders chunk writes 4,000 orders, 10,000 items and 4,000 payments."""
    two = assign(Plan.of(42, 1), 2)
    assert [(p.tasks, p.rows) for p in two] == [
        ((Task("orders", 0),), 18_000),
        ((Task("customers", 0), Task("products", 0)), 2_600),
    ]
    five = assign(Plan.of(42, 1), 5)
    assert [p.rows for p in five] == [18_000, 2_000, 600, 0, 0]
    assert [p.number for p in five] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(("scale", "parts"), [(1000, 7), (1000, 13), (333, 4), (3, 2), (100, 64)])
def test_every_chunk_is_in_one_partition_and_the_split_is_balanced(scale: float, parts: int) -> None:
    plan = Plan.of(42, scale)
    sizes = {Task("customers", c): b - a for c, (a, b) in enumerate(plan.customer_chunks())}
    sizes |= {Task("products", c): b - a for c, (a, b) in enumerate(plan.product_chunks())}
    sizes |= {
        Task("orders", c): 2 * (b - a) + plan.items_before(b) - plan.items_before(a)
        for c, (a, b) in enumerate(plan.order_chunks())
    }
    partitions = assign(plan, parts)
    owned = [task for p in partitions for task in p.tasks]
    assert sorted(owned, key=str) == sorted(sizes, key=str)  # each chunk exactly once
    loads = [sum(sizes[t] for t in p.tasks) for p in partitions]
    assert loads == [p.rows for p in partitions]
    assert sum(loads) == sum(plan.row_counts.values())
    assert max(loads) - min(loads) <= max(sizes.values())  # within one chunk of each other
    assert assign(plan, parts) == partitions  # the same on every machine


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize(
    ("scale", "parts", "order"),
    [
        (1, 2, [2, 1]),
        (1, 5, [3, 5, 1, 4, 2]),
        (0.5, 3, [1, 2, 3]),
        (1, 40, list(range(40, 0, -1))),  # more partitions than the 22 chunks: 18 partitions write nothing
    ],
)
def test_all_partitions_in_any_order_equal_one_generate(
    run_cli: RunCli, tmp_path: Path, scale: float, parts: int, order: list[int]
) -> None:
    options = ("--scale", str(scale))
    assert run_cli("generate", "--data-dir", tmp_path / "single", "--workers", "1", *options).status == 0
    shared = tmp_path / "shared"
    for part in order:
        generate_part(run_cli, tmp_path / "logs", shared, parts, part, *options)
    single = files_of(tmp_path / "single" / "lake")
    assert len(single) > 5 * 2  # several chunks per table
    assert files_of(shared).keys() == single.keys()
    assert files_of(shared) == single
    labels = pl.read_parquet(sorted((shared / "_labels").glob("part-*.parquet")))
    assert labels.equals(pl.read_parquet(tmp_path / "single" / "labels" / "anomalies.parquet"))


def test_partitions_in_separate_processes_make_a_lake_that_validates_and_loads(
    scale1: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    """Real chunk sizes, two processes: partition 1 owns the orders chunk and no customers or products."""
    shared = tmp_path / "shared"
    for part in (1, 2):
        subprocess.run(
            [sys.executable, "-m", "pipeline", "generate", "--data-dir", str(tmp_path / "logs"), "--workers", "1",
             "--parts", "2", "--part", str(part), "--output", str(shared)],
            cwd=PROJECT_ROOT, env=clean_env(), check=True, capture_output=True,
        )  # fmt: skip
        if part == 1:
            assert rows_by_table(shared) == {
                "customers": 0, "products": 0, "orders": 4_000, "order_items": 10_000, "payments": 4_000,
            }  # fmt: skip
    assert files_of(shared) == files_of(scale1 / "lake")

    data_dir = tmp_path / "data"
    assert run_cli("validate", "--data-dir", data_dir, "--source", shared).status == 0
    assert run_cli("load", "--data-dir", data_dir, "--source", shared, "--workers", "1").status == 0
    with closing(sqlite3.connect(data_dir / "warehouse.sqlite")) as db:
        counts = {t: db.execute(f"select count(*) from {t}").fetchone()[0] for t in TABLES}
    assert counts == {"customers": 2_000, "products": 600, "orders": 4_000, "order_items": 10_000, "payments": 4_000}


BAD_PARTITIONS = {
    "parts-zero": (["--parts", "0", "--part", "1"], ["--parts", ">= 1", "'0'"]),
    "parts-negative": (["--parts", "-2", "--part", "1"], ["--parts", ">= 1", "'-2'"]),
    "parts-not-a-number": (["--parts", "two", "--part", "1"], ["--parts", "whole number", "'two'"]),
    "part-zero": (["--parts", "2", "--part", "0"], ["--part", ">= 1", "'0'"]),
    "part-beyond-parts": (["--parts", "2", "--part", "3"], ["--part 3", "1 to --parts (2)"]),
    "part-without-parts": (["--part", "1"], ["--parts", "missing"]),
    "parts-without-part": (["--parts", "2"], ["--part", "missing"]),
}


@pytest.mark.parametrize(("argv", "fragments"), list(BAD_PARTITIONS.values()), ids=list(BAD_PARTITIONS))
def test_bad_partition_values_are_one_line_and_write_nothing(
    argv: list[str], fragments: list[str], tmp_path: Path, run_cli: RunCli
) -> None:
    data_dir, output = tmp_path / "data", tmp_path / "out"
    outcome = run_cli("generate", "--data-dir", data_dir, *argv, "--output", output)
    assert outcome.status == 2
    line = one_error_line(outcome)
    for fragment in fragments:
        assert fragment in line, f"{fragment!r} missing from: {line}"
    assert not data_dir.exists()
    assert not output.exists()


@pytest.mark.parametrize("make", [lambda p: None, lambda p: p.write_text("not a directory")])
def test_output_missing_or_a_file_is_a_usage_error(
    make: Callable[[Path], None], tmp_path: Path, run_cli: RunCli
) -> None:
    output = tmp_path / "out"
    make(output)
    argv = ["--parts", "2", "--part", "1"] + (["--output", str(output)] if output.exists() else [])
    outcome = run_cli("generate", "--data-dir", tmp_path / "data", *argv)
    assert outcome.status == 2
    line = one_error_line(outcome)
    assert "--output" in line
    assert not (tmp_path / "data").exists()
