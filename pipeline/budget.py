"""A command's memory budget (``--memory-limit``, ``ECOM_MEMORY_LIMIT``) shared out among its parts (decision 0043)."""

from __future__ import annotations

from dataclasses import dataclass

from pipeline.settings import Settings, memory_bytes

# A generate worker's peak anonymous memory, whatever the scale (a chunk of every table at a time; measured at
# scale 300 and 1000: 220-300 MiB), rounded up; the parent process counts as one more.
GENERATE_WORKER_BYTES = 320 * 2**20


@dataclass(frozen=True)
class Budget:
    """How a command shares its memory budget (``--memory-limit``, decision 0043). Generation runs alone: its
    workers take the budget, each a chunk of every table at a time. The build's DuckDB (the rules, then the
    analyses) takes half, the warehouse's fill a sixth (it streams), the rest is Python, Polars and SQLite's page
    caches."""

    total: int

    @classmethod
    def of(cls, settings: Settings) -> Budget:
        return cls(memory_bytes(settings.memory_limit))

    def generate_workers(self, workers: int) -> int:
        """How many of ``workers`` fit beside the parent process, one at least."""
        return max(1, min(workers, self.total // GENERATE_WORKER_BYTES - 1))

    @property
    def analyses(self) -> str:
        return f"{max(self.total // 2, 128 * 2**20) // 2**20}MiB"

    @property
    def fill(self) -> str:
        return f"{max(self.total // 6, 64 * 2**20) // 2**20}MiB"


def analysis_threads(workers: int) -> int:
    """The DuckDB threads of the rules and analyses beside the fill: the fill takes one core (SQLite writes on one
    thread), they take the rest, so that the two lanes never contend for a core (decision 0041)."""
    return max(1, workers - 1)
