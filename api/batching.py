"""Keyed reads asked for together are read together: the keys of one kind of read (customers, orders, products by
id) that requests ask for while that read's statement runs are read by its next statement, all at once.

A statement through DuckDB's sqlite scanner costs about the same for one key as for eight: most of it is DuckDB's
planning and the scanner opening the SQLite file and parsing its schema, once per statement (0038). So under
load each request pays a share of a statement, and its wait for the thread pool is shared too; a lone request
is read at once, as before. One statement per kind of read runs at a time, so a read never waits behind more
than one statement of its kind; the keys of a statement are at most ``MAX_ROWS_BY_KEY``. A key is read by a
statement that starts after it was asked for, never by one already running: no answer is older than its
request (a write acknowledged before it is in it, and its ETag, taken before, cannot name newer data).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import duckdb
from fastapi.concurrency import run_in_threadpool

from pipeline.warehouse.connection import Warehouse
from pipeline.warehouse.reads import rows
from pipeline.warehouse.writes.transaction import Row

ReadByKey = Callable[[duckdb.DuckDBPyConnection, Sequence[int]], dict[int, Row]]


class Coalesced:
    """One kind of keyed read (``read(cursor, keys)``: the rows found, by key), its concurrent requests coalesced
    into one statement at a time. Made and used in the event loop's thread only."""

    def __init__(self, warehouse: Warehouse, read: ReadByKey) -> None:
        self._warehouse = warehouse
        self._read = read
        self._waiting: dict[int, list[asyncio.Future[Row | None]]] = {}
        self._reading: asyncio.Task[None] | None = None  # the reads of the waiting keys, while any wait

    async def get(self, key: int) -> Row | None:
        """The row with ``key``, or None: read with the keys asked for meanwhile."""
        answer: asyncio.Future[Row | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, []).append(answer)
        if self._reading is None:
            self._reading = asyncio.create_task(self._read_waiting())
        return await answer

    async def _read_waiting(self) -> None:
        try:
            while self._waiting:
                keys = list(self._waiting)[: rows.MAX_ROWS_BY_KEY]
                answers = {key: self._waiting.pop(key) for key in keys}
                try:
                    found = await run_in_threadpool(self._leased, keys)
                except Exception as error:  # each request answers it as it would have alone (a 503, ...)
                    for _, answer in _awaited(answers):
                        answer.set_exception(error)
                except BaseException:  # cancelled: the server is stopping
                    for _, answer in _awaited(answers):
                        answer.cancel()
                    raise
                else:
                    for key, answer in _awaited(answers):
                        answer.set_result(found.get(key))
        finally:
            self._reading = None

    def _leased(self, keys: Sequence[int]) -> dict[int, Row]:
        with self._warehouse.lease() as cursor:
            return self._read(cursor, keys)


def _awaited(answers: dict[int, list[asyncio.Future[Row | None]]]) -> Iterator[tuple[int, asyncio.Future[Row | None]]]:
    """The answers still awaited, with their keys: a request cancelled meanwhile (its client gone) is not."""
    return ((key, answer) for key, futures in answers.items() for answer in futures if not answer.done())


@dataclass(frozen=True)
class KeyedReads:
    """The process's coalesced keyed reads, one per resource read by id."""

    customers: Coalesced
    orders: Coalesced
    products: Coalesced

    @classmethod
    def of(cls, warehouse: Warehouse) -> KeyedReads:
        customers, orders, products = rows.customers_by_key, rows.orders_by_key, rows.products_by_key
        return cls(Coalesced(warehouse, customers), Coalesced(warehouse, orders), Coalesced(warehouse, products))
