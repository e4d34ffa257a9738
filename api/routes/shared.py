"""What the resource routers share: the key path parameter, listing a page, answering found or created rows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

import duckdb
from fastapi import Path, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api.models.common import MAX_KEY, BuildInfo, Page, PageQuery
from api.problems import Problem
from pipeline.errors import WarehouseMissing
from pipeline.schema import schema
from pipeline.warehouse.connection import Warehouse
from pipeline.warehouse.reads import pages
from pipeline.warehouse.writes.idempotency import Created

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
P = ParamSpec("P")

KeyPath = Annotated[int, Path(ge=1, le=MAX_KEY, description="the row's key", examples=[1])]

LOCATION = {
    "headers": {
        "Location": {"description": "where the new row is read: /<resource>/<id>", "schema": {"type": "string"}}
    }
}


async def ask(
    warehouse: Warehouse,
    question: Callable[Concatenate[duckdb.DuckDBPyConnection, P], T],
    *args: P.args,
    **kwargs: P.kwargs,
) -> T:
    """``question(cursor, ...)`` on a cursor leased in the thread pool: one hop per request, where a cursor
    dependency would add an async generator's entry and exit to every request."""

    def leased() -> T:
        with warehouse.lease() as cursor:
            return question(cursor, *args, **kwargs)

    return await run_in_threadpool(leased)


def list_page(cursor: duckdb.DuckDBPyConnection, resource: str, query: PageQuery, model: type[M]) -> Page[M]:
    """A keyset page of ``resource``: the query's filters (every field but limit and cursor) and page."""
    filters = query.model_dump(exclude={"limit", "cursor"})
    found = pages.page(cursor, resource, filters, limit=query.limit, after=query.cursor)
    return Page[model](items=found.items.to_dicts(), next=found.next)  # type: ignore[valid-type]


def found(model: type[M], name: str, key: int, row: dict[str, Any] | None) -> M:
    """``row`` as ``model``; 404 naming the row if there is none."""
    if row is None:
        raise Problem(404, f"{name} {key} does not exist", slug="not-found")
    return model.model_validate(row)


def created(response: Response, resource: str, model: type[M], answer: Created) -> M:
    """A create's answer (the new row's, or the one kept for its Idempotency-Key) as ``model``, with the Location
    the row is read from."""
    response.status_code = answer.status
    response.headers["Location"] = f"/{resource}/{answer.row[schema().primary_keys[resource]]}"
    return model.model_validate(answer.row)


def _file(warehouse: Warehouse) -> tuple[int, int]:
    """Which file is the warehouse now: a rebuild swaps in another file (another inode), a write changes this one."""
    try:
        status = warehouse.path.stat()
    except FileNotFoundError:
        raise WarehouseMissing(warehouse.path) from None
    return status.st_dev, status.st_ino


def read_with_build(
    warehouse: Warehouse, cursor: duckdb.DuckDBPyConnection, read: Callable[[], T]
) -> tuple[BuildInfo, T]:
    """``read()`` with the build it read from: the rows, then the build, and again if a rebuild swapped another
    file in meanwhile (a stat on each side, not a second query; rebuilds are minutes apart)."""
    for _ in range(3):
        before = _file(warehouse)
        result = read()
        build = warehouse.build(cursor)
        if _file(warehouse) == before:
            break
    return BuildInfo.model_validate(build), result
