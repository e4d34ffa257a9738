"""Keyed reads coalesced: the keys asked for together are read by one statement, those asked for while it runs by
the next, each request gets its own row (or None, or the statement's error), and a request gone meanwhile
changes nothing for the others."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pytest

from api.batching import Coalesced
from pipeline.errors import WarehouseMissing
from pipeline.warehouse.connection import Warehouse
from pipeline.warehouse.reads import rows
from tests.support.api import dicts

pytestmark = pytest.mark.fast


class Recorded:
    """``rows.products_by_key`` with the keys of each statement recorded; the first statement may be held until
    ``release`` is set (so that more requests arrive while it runs)."""

    def __init__(self, hold: bool = False) -> None:
        self.statements: list[list[int]] = []
        self.running = threading.Event()
        self.release = threading.Event()
        if not hold:
            self.release.set()

    def __call__(self, cursor: duckdb.DuckDBPyConnection, keys: Sequence[int]) -> dict[int, dict[str, Any]]:
        self.statements.append(sorted(keys))
        self.running.set()
        assert self.release.wait(30)
        return rows.products_by_key(cursor, keys)


def product(warehouse: Path, key: int) -> dict[str, Any] | None:
    found = dicts(warehouse, "SELECT * FROM products WHERE product_id = ?", (key,))
    return found[0] if found else None


async def until(event: threading.Event) -> None:
    while not event.is_set():
        await asyncio.sleep(0.001)


def test_keys_asked_together_are_read_by_one_statement(warehouse: Warehouse, warehouse_path: Path) -> None:
    read = Recorded()
    keys = [5, 2, 5, 999_999, 40]  # a key twice, one that does not exist

    async def ask() -> list[dict[str, Any] | None]:
        coalesced = Coalesced(warehouse, read)
        return await asyncio.gather(*(coalesced.get(key) for key in keys))

    assert asyncio.run(ask()) == [product(warehouse_path, key) for key in keys]
    assert read.statements == [[2, 5, 40, 999_999]]


def test_keys_asked_while_a_statement_runs_are_read_by_the_next(warehouse: Warehouse, warehouse_path: Path) -> None:
    read = Recorded(hold=True)

    async def ask() -> list[dict[str, Any] | None]:
        coalesced = Coalesced(warehouse, read)
        first = asyncio.ensure_future(coalesced.get(1))
        await until(read.running)  # the first statement runs (and waits): these keys come too late for it
        later = [asyncio.ensure_future(coalesced.get(key)) for key in (3, 1, 4)]
        read.release.set()
        return [await first, *[await answer for answer in later]]

    assert asyncio.run(ask()) == [product(warehouse_path, key) for key in (1, 3, 1, 4)]
    assert read.statements == [[1], [1, 3, 4]]  # a key read before is read again: its row may have changed since


def test_a_statement_takes_at_most_max_rows_by_key(
    warehouse: Warehouse, warehouse_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rows, "MAX_ROWS_BY_KEY", 3)
    read = Recorded()

    async def ask() -> list[dict[str, Any] | None]:
        coalesced = Coalesced(warehouse, read)
        return await asyncio.gather(*(coalesced.get(key) for key in range(1, 8)))

    assert asyncio.run(ask()) == [product(warehouse_path, key) for key in range(1, 8)]
    assert read.statements == [[1, 2, 3], [4, 5, 6], [7]]


def test_the_statements_error_reaches_each_of_its_requests(tmp_path: Path) -> None:
    read = Recorded()
    missing = Warehouse(tmp_path / "none.sqlite")

    async def ask() -> tuple[list[Any], list[Any]]:
        coalesced = Coalesced(missing, read)
        first = await asyncio.gather(*(coalesced.get(key) for key in (1, 2, 1)), return_exceptions=True)
        again = await asyncio.gather(coalesced.get(3), return_exceptions=True)  # the next request reads anew
        return first, again

    first, again = asyncio.run(ask())
    assert [type(error) for error in first + again] == [WarehouseMissing] * 4
    assert read.statements == []  # no cursor without a warehouse: refused before reading


def test_a_request_gone_meanwhile_leaves_the_others_their_rows(warehouse: Warehouse, warehouse_path: Path) -> None:
    read = Recorded(hold=True)

    async def ask() -> list[dict[str, Any] | None]:
        coalesced = Coalesced(warehouse, read)
        first = asyncio.ensure_future(coalesced.get(8))
        await until(read.running)
        gone, staying = asyncio.ensure_future(coalesced.get(9)), asyncio.ensure_future(coalesced.get(9))
        await asyncio.sleep(0)
        gone.cancel()
        read.release.set()
        answers = [await first, await staying]
        assert gone.cancelled()
        return answers

    assert asyncio.run(ask()) == [product(warehouse_path, 8), product(warehouse_path, 9)]
    assert read.statements == [[8], [9]]
