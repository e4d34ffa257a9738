"""Running ``python -m pipeline`` in the test process, and what its failures must look like."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from pipeline.cli import main


@dataclass(frozen=True)
class Outcome:
    status: int
    out: str
    err: str


RunCli = Callable[..., Outcome]


def clean_env(**more: str) -> dict[str, str]:
    """This process's environment without its ``ECOM_*`` settings, and ``more``: for a command that must read only
    its options (and ``more``). Made at the call, so it names the test that runs it (``PYTEST_CURRENT_TEST``)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("ECOM_")} | more


def run_pipeline(data_dir: Path, *options: str) -> Path:
    """A full in-process `run` without profiling (one worker: the spawn pool is exercised by its own tests)."""
    status = main(["run", "--data-dir", str(data_dir), "--workers", "1", "--no-profile", *options])
    assert status == 0, f"run {options} failed with status {status}"
    return data_dir


def one_error_line(result: Outcome) -> str:
    """The whole of stderr must be a single ``error: ...`` line; stdout must be empty."""
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}:\n{result.err}"
    assert lines[0].startswith("error: "), lines[0]
    assert "Traceback" not in result.out + result.err
    assert result.out == ""
    return str(lines[0])
