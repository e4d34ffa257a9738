"""The warehouse's own tables (``warehouse/meta.sql``), as a reader of the file would list them."""

from __future__ import annotations

import sqlite3
from contextlib import closing

from pipeline.warehouse.build import META_PATH


def meta_tables() -> tuple[str, ...]:
    """The tables of ``warehouse/meta.sql``, in declaration order."""
    with closing(sqlite3.connect(":memory:")) as db:
        db.executescript(META_PATH.read_text())
        rows = db.execute("select name from sqlite_schema where type = 'table' order by rowid").fetchall()
    return tuple(name for (name,) in rows)
