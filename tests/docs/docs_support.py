"""Helpers shared by the documentation tests (a uniquely named module: every test directory has a conftest)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

from pipeline import cli

DOCS_COMMANDS = "pipeline.docs.command"


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
    """``python -m pipeline ...`` in-process, with the docs commands registered."""
    modules: tuple[str, ...] = cli.COMMAND_MODULES
    if DOCS_COMMANDS not in modules:
        modules = (*modules, DOCS_COMMANDS)
    with mock.patch.object(cli, "COMMAND_MODULES", modules):
        return cli.main([str(a) for a in argv])
