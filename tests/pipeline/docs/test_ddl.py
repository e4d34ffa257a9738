"""The CHECK reader: commas, parentheses and comment markers inside literals do not confuse it."""

from __future__ import annotations

import pytest

from pipeline.docs.ddl import checks_of
from pipeline.schema import SCHEMA_PATH

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
