"""The build record and the mart answers kept per state of the warehouse file: reused while nothing changes, and
never once a write (from any process) or a rebuild's swap has changed the file."""

from __future__ import annotations

import os
import shutil
import sqlite3
import time
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

from api.answers import Answers
from pipeline.warehouse import connection as access
from pipeline.warehouse.connection import SETTLED_NS, Warehouse
from tests.support.api import KEY, client, settings

pytestmark = pytest.mark.fast

TOP = "/analytics/top-customers?limit=3"
CUSTOMER = {
    "first_name": "Cache",
    "last_name": "Buster",
    "email": "cache.buster@example.com",
    "signup_date": "2024-05-05",
}


def settle(path: Path, mtime_ns: int | None = None) -> None:
    """Date the file's last write back past SETTLED_NS, as if it had been written an hour ago (or at ``mtime_ns``)."""
    when = mtime_ns if mtime_ns is not None else time.time_ns() - 3600 * 10**9
    os.utime(path, ns=(when, when))


@pytest.fixture
def copy(scale1: Path, tmp_path: Path) -> Path:
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copyfile(scale1 / "warehouse.sqlite", data_dir / "warehouse.sqlite")
    return data_dir / "warehouse.sqlite"


@pytest.fixture
def build_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The statements Warehouse.build runs through the scanner (each read of the build record), as they run."""
    statements: list[str] = []
    real = access.native_rows

    def counting(cursor: Any, sql: str, *args: Any) -> list[dict[str, Any]]:
        statements.append(sql)
        return real(cursor, sql, *args)

    monkeypatch.setattr(access, "native_rows", counting)
    return statements


def rebuilt_beside(path: Path, build_id: str) -> Path:
    """A copy of ``path`` named as another build, of the same size: what a rebuild would rename into place."""
    other = path.with_name("next.sqlite")
    shutil.copyfile(path, other)
    with closing(sqlite3.connect(other)) as db, db:
        (old,) = db.execute("SELECT build_id FROM build_record").fetchone()
        assert len(build_id) == len(old)
        db.execute("UPDATE build_record SET build_id = ?", (build_id,))
    assert other.stat().st_size == path.stat().st_size
    return other


def test_the_state_is_unknown_while_the_file_was_just_written_and_changes_with_a_write_or_a_swap(copy: Path) -> None:
    warehouse = Warehouse(copy)
    assert warehouse.state() is None  # just copied: a write in the same clock tick would not change the mtime
    settle(copy)
    state = warehouse.state()
    assert state is not None
    assert warehouse.state() == state
    with closing(sqlite3.connect(copy)) as db, db:
        db.execute("UPDATE customers SET last_name = 'Changed' WHERE customer_id = 1")
    assert warehouse.state() is None
    settle(copy)
    assert warehouse.state() not in (None, state)
    before = warehouse.state()
    other = rebuilt_beside(copy, "f" * 16)
    settle(other, copy.stat().st_mtime_ns)  # same size, same mtime: only the inode tells the files apart
    os.replace(other, copy)
    assert warehouse.state() not in (None, before)
    assert Warehouse(copy.parent / "missing.sqlite").state() is None


def test_the_build_record_is_read_once_per_state_and_again_after_a_swap(copy: Path, build_reads: list[str]) -> None:
    settle(copy)
    with Warehouse(copy) as warehouse:
        cursor = warehouse.cursor()
        first = warehouse.build(cursor)
        assert warehouse.build(cursor) == first
        assert len(build_reads) == 1
        other = rebuilt_beside(copy, "e" * 16)
        settle(other, copy.stat().st_mtime_ns)
        os.replace(other, copy)
        swapped = warehouse.build(cursor)
        assert swapped.build_id == "e" * 16
        assert len(build_reads) == 2
        assert warehouse.build(cursor) == swapped
        assert len(build_reads) == 2


def test_an_unsettled_file_has_its_build_record_read_every_time(copy: Path, build_reads: list[str]) -> None:
    os.utime(copy, ns=(time.time_ns(), time.time_ns() - SETTLED_NS // 2))
    with Warehouse(copy) as warehouse:
        cursor = warehouse.cursor()
        warehouse.build(cursor)
        warehouse.build(cursor)
    assert len(build_reads) == 2


def test_a_write_in_one_process_is_in_the_next_mart_answer_of_another(copy: Path) -> None:
    """Two apps over one file, as two uvicorn workers are: the one that writes is not the one that answers."""
    data_dir = copy.parent
    settle(copy)
    with (
        client(settings(data_dir, copy, keys=())) as reader,
        client(settings(data_dir, copy, keys=(KEY,))) as writer,
    ):
        before = reader.get(TOP).json()
        assert reader.get(TOP).json() == before
        state = reader.app.state.warehouse.state()  # type: ignore[attr-defined]
        assert reader.app.state.answers.get(state, ("top-customers", 3, "json")) is not None  # type: ignore[attr-defined]
        assert before["build"]["marts_stale"] is False
        created = writer.post("/customers", json=CUSTOMER, headers={"X-API-Key": KEY})
        assert created.status_code == 201, created.text
        after = reader.get(TOP).json()
        assert after["build"]["edits"] == before["build"]["edits"] + 1
        assert after["build"]["marts_stale"] is True
        settle(copy)  # the same state for long enough to be kept again: still the write's
        assert reader.get(TOP).json() == after
        assert reader.get(TOP).json() == after


def test_a_swapped_in_build_is_in_the_next_mart_answer(copy: Path) -> None:
    data_dir = copy.parent
    settle(copy)
    with client(settings(data_dir, copy, keys=())) as reader:
        assert reader.get(TOP).json() == reader.get(TOP).json()
        other = rebuilt_beside(copy, "d" * 16)
        settle(other, copy.stat().st_mtime_ns)
        os.replace(other, copy)
        assert reader.get(TOP).json()["build"]["build_id"] == "d" * 16
        assert reader.get("/ready").json()["build_id"] == "d" * 16


def test_answers_keep_the_last_used_bodies_of_one_known_state() -> None:
    answers = Answers(size=2)
    one: Any = ((1, 2, 3, 4), None)
    two: Any = ((1, 2, 5, 6), None)
    answers.put(None, "a", b"unknown state")
    assert answers.get(None, "a") is None
    answers.put(one, "a", b"A")
    answers.put(one, "b", b"B")
    assert answers.get(one, "a") == b"A"
    answers.put(one, "c", b"C")  # b is the least recently used
    assert (answers.get(one, "a"), answers.get(one, "b"), answers.get(one, "c")) == (b"A", None, b"C")
    assert answers.get(two, "a") is None
    answers.put(two, "a", b"A2")
    assert (answers.get(two, "a"), answers.get(one, "c")) == (b"A2", None)
