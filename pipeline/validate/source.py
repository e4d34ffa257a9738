"""Input to validate and load: a directory with the five tables as Parquet or CSV files.

Layouts accepted per table: ``<table>/*.<ext>`` (the lake's own ``part-*.parquet``) or ``<table>.<ext>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.errors import UsageError
from pipeline.schema import TABLES

FORMATS = ("parquet", "csv")


@dataclass(frozen=True)
class SourceDir:
    root: Path
    format: str

    @classmethod
    def open(cls, root: Path, fmt: str) -> SourceDir:
        if fmt not in FORMATS:
            msg = f"--format {fmt!r} is not supported; expected one of {', '.join(FORMATS)}"
            raise UsageError(msg)
        root = root.expanduser().resolve()
        if not root.is_dir():
            msg = (
                f"--source {root} is not a directory; expected a directory holding the tables "
                f"{', '.join(TABLES)} as <table>.{fmt} or <table>/*.{fmt}"
            )
            raise UsageError(msg)
        return cls(root, fmt)

    def files(self, table: str) -> list[Path]:
        parts = sorted((self.root / table).glob(f"*.{self.format}"))
        single = self.root / f"{table}.{self.format}"
        return parts or ([single] if single.is_file() else [])

    def expected_layout(self, table: str) -> str:
        return f"{self.root / table}.{self.format} or {self.root / table}/*.{self.format}"

    def read(self, path: Path) -> pl.DataFrame:
        """Read one file as it is; CSV is read as text so that the validator reports what does not parse."""
        if self.format == "csv":
            return pl.read_csv(path, infer_schema=False)
        return pl.read_parquet(path)
