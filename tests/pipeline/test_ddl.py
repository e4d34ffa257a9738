"""The CHECK reader, and the statements without their CHECKs that the warehouse fill creates: commas,
parentheses and comment markers inside literals do not confuse them."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from pipeline.ddl import checks_of, without_checks
from pipeline.schema import SCHEMA_PATH, TABLES, schema

pytestmark = pytest.mark.fast


def test_checks_per_column_and_table() -> None:
    sql = """CREATE TABLE t (
        id INTEGER PRIMARY KEY, -- a comment, with a comma (and a parenthesis
        "odd name" TEXT NOT NULL CHECK ("odd name" IN ('a, b', 'c)', '-- not a comment')),
        n   REAL CHECK (n > 0) CHECK (n < round(10.5, 1)),
        CONSTRAINT pair CHECK (n > length("odd name")),
        UNIQUE (id, n)
    )"""
    found = checks_of(sql)
    assert found.columns == {
        "id": (),
        "odd name": ("\"odd name\" IN ('a, b', 'c)', '-- not a comment')",),
        "n": ("n > 0", "n < round(10.5, 1)"),
    }
    assert found.table == ('CONSTRAINT pair CHECK (n > length("odd name"))', "UNIQUE (id, n)")


def test_the_warehouse_schema() -> None:
    tables = SCHEMA_PATH.read_text().partition("-- indexes")[0].split(";")
    products = next(t for t in tables if "create table products" in t)
    checks = checks_of(products).columns
    assert checks["price"] == ("price > 0",)
    assert checks["category"][0].startswith("category = 'Electronics' or category = 'Clothing' or ")
    assert checks["product_id"] == ()


def test_without_checks_keeps_everything_else_verbatim() -> None:
    sql = """create table t (
        id INTEGER primary key, -- check (this is a comment
        "odd name" TEXT not null CHECK ("odd name" IN ('a, b', 'c)', 'check (no)')) default 'check',
        n REAL check (n > 0) check(n < round(10.5, 1)) references u (n),
        rechecked INTEGER
    )"""
    assert (
        without_checks(sql)
        == """create table t (
        id INTEGER primary key, -- check (this is a comment
        "odd name" TEXT not null default 'check',
        n REAL references u (n),
        rechecked INTEGER
    )"""
    )


def test_a_table_level_check_is_refused() -> None:
    with pytest.raises(ValueError, match="table-level CHECK"):
        without_checks("create table t (n REAL, check (n > 0))")


def test_the_warehouse_tables_without_checks_differ_only_in_their_checks() -> None:
    """Same columns, types, keys, NOT NULLs and foreign keys; no CHECK (a row every CHECK refuses goes in)."""
    with closing(sqlite3.connect(":memory:")) as checked, closing(sqlite3.connect(":memory:")) as unchecked:
        checked.executescript(schema().tables_ddl)
        unchecked.executescript(without_checks(schema().tables_ddl))
        for table in TABLES:
            for pragma in ("table_info", "foreign_key_list"):
                query = f"select * from pragma_{pragma}('{table}')"
                assert unchecked.execute(query).fetchall() == checked.execute(query).fetchall()
        stored = "".join(sql for (sql,) in unchecked.execute("select sql from sqlite_schema where type = 'table'"))
        assert "check" not in stored.lower()
        unchecked.execute("insert into products values (1, '', 'Weapons', -1)")
