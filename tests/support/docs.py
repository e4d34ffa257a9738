"""Helpers shared by the documentation tests (a uniquely named module: every test directory has a conftest)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pipeline import cli

DICTIONARY_PATH = Path(__file__).resolve().parents[2] / "docs" / "data_dictionary.md"


@dataclass(frozen=True)
class Build:
    data_dir: Path
    scale: str
    seed: str

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def warehouse(self) -> Path:
        return self.data_dir / "warehouse.sqlite"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(*argv: str | Path) -> int:
    """``python -m pipeline ...`` in-process."""
    return cli.main([str(a) for a in argv])
