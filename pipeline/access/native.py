"""What the access layer needs without DuckDB: its SQL files in SQLite's own dialect, and the missing-warehouse
error. The API's writer process imports only this, not DuckDB and Polars (seconds of start-up on a busy host).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SQL_DIR = Path(__file__).parent / "sql"


class WarehouseMissing(Exception):
    """There is no warehouse (yet) at the configured path."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"no warehouse at {path}; build one with `just run`")
        self.path = path

    def __reduce__(self) -> tuple[Any, ...]:  # raised in the API's writer process too, and sent back
        return (type(self), (self.path,))


@dataclass(frozen=True)
class NativeQuery:
    """A SQL file of ``pipeline/access/sql`` in SQLite's dialect, with the DuckDB types of its columns."""

    name: str
    sql: str
    columns: dict[str, str]


@cache
def native_query(name: str) -> NativeQuery:
    text = (SQL_DIR / f"{name}.sql").read_text()
    header = " ".join(line.removeprefix("--").strip() for line in text.splitlines() if line.startswith("--"))
    declared = re.search(r"columns: (.*?)(?:$|\w+:)", header)
    if declared is None:
        msg = f"{SQL_DIR / name}.sql: the header must declare its result as '-- columns: name type, ...'"
        raise ValueError(msg)
    columns = dict(pair.strip().split() for pair in declared.group(1).split(","))
    return NativeQuery(name, text, columns)
