"""Rewrite ``tests/pipeline/generate/golden/sf-0.005/``: the generators' exact output at scale 0.005, seed 42.

Run it after changing generation on purpose (``.venv/bin/python -m tests.support.update_golden``) and read the
diff of the CSV files: it shows, row by row, what the change did. The test only ever compares.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from pipeline.cli import main
from pipeline.schema import TABLES
from tests.support.golden import GOLDEN, GOLDEN_OPTIONS, as_csv


def update() -> None:
    with tempfile.TemporaryDirectory() as scratch:
        data_dir = Path(scratch)
        assert main(["generate", "--data-dir", str(data_dir), *GOLDEN_OPTIONS]) == 0
        GOLDEN.mkdir(parents=True, exist_ok=True)
        for table in [*TABLES, "anomalies"]:
            (GOLDEN / f"{table}.csv").write_text(as_csv(data_dir, table))
            print(f"wrote {GOLDEN / table}.csv")


if __name__ == "__main__":
    update()
