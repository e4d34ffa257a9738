"""The memory budget (``--memory-limit``) shared out: generation's workers, the build's DuckDB and fill."""

from __future__ import annotations

import pytest

from pipeline.budget import GENERATE_WORKER_BYTES, Budget, analysis_threads
from pipeline.settings import Settings

pytestmark = pytest.mark.fast

MIB = 2**20


@pytest.mark.parametrize(
    ("budget", "workers", "expected"),
    [
        ("512MiB", 8, 1),  # one worker beside the parent would not fit: still one
        ("2GiB", 8, 2048 * MIB // GENERATE_WORKER_BYTES - 1),
        ("2GiB", 2, 2),  # never more than asked
        ("64GiB", 32, 32),
    ],
)
def test_generation_runs_as_many_workers_as_the_budget_holds(budget: str, workers: int, expected: int) -> None:
    assert Budget.of(Settings.load({"memory_limit": budget})).generate_workers(workers) == expected


def test_the_build_shares_the_budget_between_its_duckdb_and_its_fill() -> None:
    budget = Budget.of(Settings.load({"memory_limit": "3GiB"}))
    assert (budget.analyses, budget.fill) == ("1536MiB", "512MiB")
    small = Budget.of(Settings.load({"memory_limit": "64MiB"}))
    assert (small.analyses, small.fill) == ("128MiB", "64MiB")  # the floors DuckDB needs to work at all


@pytest.mark.parametrize(("workers", "threads"), [(1, 1), (2, 1), (8, 7)])
def test_the_analyses_leave_one_core_to_the_fill(workers: int, threads: int) -> None:
    assert analysis_threads(workers) == threads
