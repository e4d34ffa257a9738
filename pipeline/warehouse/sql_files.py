"""The warehouse's own SQL files, in SQLite's dialect: the reads of ``warehouse/reads/`` (with the DuckDB types of
their result columns) and the questions of ``warehouse/writes.sql``. No DuckDB import: the API's writer process
imports this, not DuckDB and Polars (seconds of start-up on a busy host).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from pipeline.settings import PROJECT_ROOT

READS_DIR = PROJECT_ROOT / "warehouse" / "reads"
WRITES_PATH = PROJECT_ROOT / "warehouse" / "writes.sql"


@dataclass(frozen=True)
class ReadStatement:
    """A read of ``warehouse/reads/`` in SQLite's dialect, with the DuckDB types of its columns."""

    name: str
    sql: str
    columns: dict[str, str]


@cache
def read_statement(name: str) -> ReadStatement:
    text = (READS_DIR / f"{name}.sql").read_text()
    header = " ".join(line.removeprefix("--").strip() for line in text.splitlines() if line.startswith("--"))
    declared = re.search(r"columns: (.*?)(?:$|\w+:)", header)
    if declared is None:
        msg = f"{READS_DIR / name}.sql: the header must declare its result as '-- columns: name type, ...'"
        raise ValueError(msg)
    columns = dict(pair.strip().split() for pair in declared.group(1).split(","))
    return ReadStatement(name, text, columns)


def keys_json(keys: Iterable[int]) -> str:
    """The one value bound to a keyed read of ``warehouse/reads/``: its keys as a JSON array, each once, in order."""
    return json.dumps(sorted(set(keys)))


@cache
def write_statement(name: str) -> str:
    """The statement after ``-- name: <name>`` in ``warehouse/writes.sql``."""
    text = WRITES_PATH.read_text()
    blocks = dict(re.findall(r"^-- name: (\w+)\n(.*?)(?=^-- name:|\Z)", text, flags=re.MULTILINE | re.DOTALL))
    body = "\n".join(line for line in blocks[name].splitlines() if not line.startswith("--"))
    return body.strip()
