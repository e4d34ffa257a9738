"""What the resource routers share: the key path parameter, listing a page, answering found or created rows, reading
with the build."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from typing import Annotated, Any, Concatenate, ParamSpec, TypeVar

import duckdb
from fastapi import Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel

from api import formats
from api.limits import QueryGate
from api.models.common import MAX_KEY, BuildInfo, Page, PageQuery
from api.problems import Problem
from pipeline.schema import schema
from pipeline.warehouse.connection import Warehouse
from pipeline.warehouse.reads import pages
from pipeline.warehouse.writes.idempotency import Created

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
P = ParamSpec("P")

KeyPath = Annotated[int, Path(ge=1, le=MAX_KEY, description="the row's key", examples=[1])]

# Rows an export reads and sends at a time: large enough that a page costs little besides its rows, small
# enough that a page's frame and its text stay a few megabytes (measured: docs/benchmarks/api.md).
EXPORT_ROWS = 50_000
EXPORT_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Every row, streamed",
        "content": formats.ROWS_CONTENT,
        "headers": {
            "Content-Disposition": {
                "description": 'attachment; filename="<name>.<format>"',
                "schema": {"type": "string"},
            }
        },
    }
}

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


async def list_page(
    request: Request, warehouse: Warehouse, gate: QueryGate, resource: str, query: PageQuery, model: type[M]
) -> Response:
    """A keyset page of ``resource`` (the query's filters, sort and page) in the format asked for, made in one hop
    to the thread pool; a page whose filter no index answers is made within the time limit."""
    fmt = formats.chosen(request, query.format)
    filters = query.filters()
    scanning = pages.scans(resource, filters)

    def read() -> Response:
        with warehouse.lease() as cursor, gate.limit(cursor, f"a page of /{resource}") if scanning else nullcontext():
            found = pages.page(cursor, resource, filters, limit=query.limit, after=query.cursor, sort=query.sort)
            if fmt == "json":
                page = Page[model](items=found.items.to_dicts(), next=found.next)  # type: ignore[valid-type]
                body = page.model_dump_json().encode()
            else:
                body = formats.encoded(found.items, fmt)
            return formats.rows_answer(request, fmt, body, found.next)

    return await run_in_threadpool(read)


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


def read_with_build(
    warehouse: Warehouse, cursor: duckdb.DuckDBPyConnection, read: Callable[[], T]
) -> tuple[BuildInfo, T]:
    """``read()`` with the build it read from: the rows, then the build, and again if a rebuild swapped another
    file in meanwhile (a stat on each side, not a second query; rebuilds are minutes apart)."""
    for _ in range(3):
        before = warehouse.file()
        result = read()
        build = warehouse.build(cursor)
        if warehouse.file() == before:
            break
    return BuildInfo.model_validate(build), result
