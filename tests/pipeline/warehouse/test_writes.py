"""The keys and counts the writes keep (``table_state``), straight against a copy of the warehouse with sqlite3."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from pipeline.schema import TABLES, schema
from pipeline.warehouse.writes import rows

pytestmark = pytest.mark.fast


@pytest.fixture
def db(warehouse_path: Path, tmp_path: Path) -> Iterator[sqlite3.Connection]:
    copy = tmp_path / "warehouse.sqlite"
    shutil.copyfile(warehouse_path, copy)
    with closing(sqlite3.connect(copy, isolation_level=None)) as connection:
        connection.row_factory = sqlite3.Row
        yield connection


def kept(db: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    return {r["table_name"]: (r["row_count"], r["last_key"]) for r in db.execute("SELECT * FROM table_state")}


def actual(db: sqlite3.Connection) -> dict[str, tuple[int, int]]:
    found = {}
    for table in TABLES:
        key = schema().primary_keys[table]
        count, largest = db.execute(f"SELECT count(*), coalesce(max({key}), 0) FROM {table}").fetchone()
        found[table] = (count, largest)
    return found


def test_the_build_records_every_table_s_rows_and_largest_key(db: sqlite3.Connection) -> None:
    assert kept(db) == actual(db)
    assert list(kept(db)) == list(TABLES)


def test_a_deleted_newest_key_is_not_given_again(db: sqlite3.Connection) -> None:
    product = {"name": "Keyed", "category": "Toys", "price": 2.5}
    first = rows.insert_row(db, "products", product)
    assert first == actual(db)["products"][1]
    rows.delete_rows(db, "products", "product_id", first)
    second = rows.insert_row(db, "products", product)
    assert second == first + 1  # SQLite alone (max + 1) would give first again
    assert kept(db)["products"] == (actual(db)["products"][0], second)


def test_a_row_put_in_by_other_means_is_never_collided_with(db: sqlite3.Connection) -> None:
    (count, last) = kept(db)["customers"]
    db.execute(
        "INSERT INTO customers VALUES (?, 'By', 'Hand', 'by.hand@example.com', '2024-01-01')", (last + 10,)
    )  # not through the writes: table_state does not know it
    made = rows.insert_row(
        db, "customers", {"first_name": "A", "last_name": "B", "email": "a.b@example.com", "signup_date": "2024-01-02"}
    )
    assert made == last + 11
    assert kept(db)["customers"] == (count + 1, last + 11)  # the hand-made row is the one count it misses


def test_deleting_many_rows_takes_them_all_off_the_count(db: sqlite3.Connection) -> None:
    (order_id,) = db.execute("SELECT order_id FROM order_items GROUP BY 1 ORDER BY count(*) DESC LIMIT 1").fetchone()
    lines = db.execute("SELECT count(*) FROM order_items WHERE order_id = ?", (order_id,)).fetchone()[0]
    before = kept(db)["order_items"][0]
    rows.delete_rows(db, "order_items", "order_id", order_id)
    assert lines > 1
    assert kept(db)["order_items"][0] == before - lines == actual(db)["order_items"][0]
