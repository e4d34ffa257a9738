"""Writes made through the API since the warehouse was built: counted, archived, guarded against a rebuild.

The warehouse is derived from the lake, so a rebuild replaces it with what the lake says. Writes made through
the API (each with its ``audit_log`` row, in the same transaction) would be lost: a rebuild first archives the
audit rows under ``data/edits/`` and refuses unless told to discard them. The check and the swap hold the
warehouse's write lock, which every API write transaction holds too, so no acknowledged write can land
between the check and the swap (``pipeline.warehouse.lock``).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from contextlib import closing
from pathlib import Path

from pipeline import files
from pipeline.errors import Refused, UsageError

log = logging.getLogger(__name__)


def _audit_rows(warehouse: Path) -> list[dict[str, object]]:
    with closing(sqlite3.connect(f"{warehouse.resolve().as_uri()}?mode=ro", uri=True)) as db:
        db.row_factory = sqlite3.Row
        try:
            has_audit = db.execute("select 1 from sqlite_schema where type = 'table' and name = 'audit_log'").fetchone()
        except sqlite3.DatabaseError as error:  # a file that is not ours: never replaced unseen
            msg = (
                f"{warehouse} is not a SQLite database ({error}); a rebuild would replace it: move it away, "
                "or pass another --warehouse"
            )
            raise UsageError(msg) from None
        if not has_audit:
            return []  # built before the API existed: nothing can have been written through it
        build = db.execute("select build_id from build_record").fetchone()
        rows = db.execute("select * from audit_log order by audit_id").fetchall()
        return [{"build_id": build["build_id"] if build else None, **dict(row)} for row in rows]


def archive(warehouse: Path, directory: Path) -> tuple[int, Path | None]:
    """Copy the warehouse's audit rows to ``directory/<build_id>-<last audit_id>.jsonl``; (how many, where)."""
    if not warehouse.exists():
        return 0, None
    rows = _audit_rows(warehouse)
    if not rows:
        return 0, None
    path = directory / f"{rows[-1]['build_id']}-{rows[-1]['audit_id']}.jsonl"
    files.write_text(path, "".join(json.dumps(row, sort_keys=True) + "\n" for row in rows))
    return len(rows), path


def guard(warehouse: Path, directory: Path, *, discard: bool) -> None:
    """Archive the edits in the warehouse about to be replaced; refuse to replace it unless ``discard``.

    Call it holding :func:`pipeline.warehouse.lock.write_lock`.
    """
    count, path = archive(warehouse, directory)
    if not count:
        return
    if not discard:
        msg = (
            f"the warehouse {warehouse} holds {count} write(s) made through the API since it was built, archived "
            f"in {path}; a rebuild would discard them: pass --discard-edits to rebuild anyway"
        )
        raise Refused(msg)
    log.warning("discarding %d API write(s) in %s; they are archived in %s", count, warehouse, path)
