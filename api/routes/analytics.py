"""/analytics: the marts (revenue series, top customers and products, categories, anomalies), each answer with
the warehouse build it was read from (the analyses of ``queries/`` are ``api.routes.queries``).

Mart reads are SQLite's own indexed reads, their answers kept per state of the warehouse file (``api.answers``):
a request answered from them costs what ``/health`` does. An answer holds ECOM_API_MAX_ROWS rows at most; a
longer one pages by position (``cursor``), in the mart's declared order.

The routes are made by :func:`router` for the settings' row limit, and their annotations name its locals: this
module's annotations are evaluated when the routes are made (no ``from __future__ import annotations``), since
FastAPI reads them from the module's globals otherwise.
"""

from collections.abc import Callable, Hashable
from typing import Annotated, Any, Literal

import duckdb
import polars as pl
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from api import formats
from api.answers import Answers
from api.deps import AnswersDep, WarehouseDep
from api.formats import FORMAT_DESCRIPTION, Format, rows_responses
from api.models.analytics import Anomaly, AnomalyKind, CategoryRevenue, RevenuePeriod, TopCustomer, TopProduct
from api.models.common import CURSOR_DESCRIPTION, Analytics, IsoDate
from api.problems import responses
from api.routes.shared import read_with_build
from pipeline.settings import Settings
from pipeline.warehouse.connection import Warehouse
from pipeline.warehouse.reads import marts, pages
from pipeline.warehouse.reads.pages import CURSOR_PATTERN, MAX_PAGE, RowsPage

GRAIN_OF_PATH = {"daily": "day", "weekly": "week", "monthly": "month"}
StartDate = Annotated[IsoDate | None, Query(description="first period start included", examples=["2025-01-01"])]
EndDate = Annotated[
    IsoDate | None,
    Query(description="last period start included (before start_date: no periods)", examples=["2025-03-31"]),
]
Cursor = Annotated[str | None, Query(pattern=CURSOR_PATTERN, description=CURSOR_DESCRIPTION, examples=["AAAAAAAAAGQ"])]
FormatParam = Annotated[Format | None, Query(description=FORMAT_DESCRIPTION, examples=["csv"])]
# One read of a mart: the rows (one more than a page, to tell whether another follows) -> the answer's page.
Read = Callable[[duckdb.DuckDBPyConnection], RowsPage]


class MartAnswers:
    """A request's answer from a mart: kept from an earlier request in the same state of the warehouse file
    (``api.answers``; no thread, no query), else read with its build in the thread pool."""

    def __init__(self, request: Request, warehouse: Warehouse, answers: Answers) -> None:
        self.request, self.warehouse, self.answers = request, warehouse, answers

    async def answer(
        self, model: type[Analytics[Any]], key: tuple[Hashable, ...], given: str | None, read: Read
    ) -> Response:
        """The answer of ``model`` in the format asked for (``given``, else by Accept): ``read(cursor)``'s page,
        validated against ``model`` as FastAPI would its response."""
        fmt = formats.chosen(self.request, given)
        state = self.warehouse.state()
        kept = self.answers.get(state, (*key, fmt))
        if kept is None:

            def answer() -> tuple[bytes, str | None]:
                with self.warehouse.lease() as cursor:
                    build, page = read_with_build(self.warehouse, cursor, lambda: read(cursor))
                if fmt != "json":
                    return formats.encoded(page.items, fmt), page.next
                json = model.model_validate({"build": build, "items": page.items.to_dicts(), "next": page.next})
                return json.model_dump_json().encode(), page.next

            kept = await run_in_threadpool(answer)
            if self.warehouse.state() == state:  # nothing was written or swapped in while it was read
                self.answers.put(state, (*key, fmt), kept)
        body, following = kept
        return formats.rows_answer(self.request, fmt, body, following)


async def _mart_answers(request: Request, warehouse: WarehouseDep, answers: AnswersDep) -> MartAnswers:
    return MartAnswers(request, warehouse, answers)  # async: no thread-pool hop for the dependency


MartDep = Annotated[MartAnswers, Depends(_mart_answers)]


def _whole(frame: pl.DataFrame) -> RowsPage:
    return RowsPage(frame, None)


def router(settings: Settings) -> APIRouter:
    """The mart routes, their row limits from ``settings`` (ECOM_API_MAX_ROWS)."""
    made = APIRouter(prefix="/analytics", tags=["analytics"])
    cap = settings.api_max_rows
    limit_rows = Annotated[int, Query(ge=1, le=cap, description=f"how many rows (at most {cap:,})", examples=[10])]

    def paged(position: int, read: Callable[[int, int], pl.DataFrame]) -> RowsPage:
        """A page of at most ``cap`` rows from ``position``: ``read(limit, offset)`` reads one more."""
        return pages.positioned(read(cap + 1, position), position, cap)

    answered = rows_responses(responses(422, 503))

    @made.get("/revenue/{grain}", response_model=Analytics[RevenuePeriod], responses=answered)
    async def revenue(
        mart: MartDep,
        grain: Annotated[
            Literal["daily", "weekly", "monthly"], Path(description="the length of a period", examples=["monthly"])
        ],
        start_date: StartDate = None,
        end_date: EndDate = None,
        cursor: Cursor = None,
        format: FormatParam = None,
    ) -> Response:
        """Revenue, orders and buyers per day, ISO week or month, oldest first (from the revenue marts)."""
        position = pages.position_of(cursor)
        return await mart.answer(
            Analytics[RevenuePeriod],
            ("revenue", grain, start_date, end_date, position),
            format,
            lambda c: paged(
                position,
                lambda limit, offset: marts.revenue(
                    c, GRAIN_OF_PATH[grain], start_date, end_date, limit=limit, offset=offset
                ),
            ),
        )

    @made.get("/top-customers", response_model=Analytics[TopCustomer], responses=answered)
    async def top_customers(mart: MartDep, limit: limit_rows = 10, format: FormatParam = None) -> Response:
        """The biggest spenders, best first (from the customer summary mart)."""
        return await mart.answer(
            Analytics[TopCustomer], ("top-customers", limit), format, lambda c: _whole(marts.top_customers(c, limit))
        )

    @made.get("/top-products", response_model=Analytics[TopProduct], responses=answered)
    async def top_products(
        mart: MartDep,
        limit: limit_rows = 10,
        rank_by: Annotated[Literal["revenue", "units"], Query(description="the measure that ranks them")] = "revenue",
        format: FormatParam = None,
    ) -> Response:
        """The best-selling products by revenue or units, best first (from the product summary mart)."""
        return await mart.answer(
            Analytics[TopProduct],
            ("top-products", limit, rank_by),
            format,
            lambda c: _whole(marts.top_products(c, limit, rank_by)),
        )

    @made.get("/category-revenue", response_model=Analytics[CategoryRevenue], responses=answered)
    async def category_revenue(mart: MartDep, cursor: Cursor = None, format: FormatParam = None) -> Response:
        """Revenue per product category and its share of the total, highest first (from the category mart)."""
        position = pages.position_of(cursor)
        return await mart.answer(
            Analytics[CategoryRevenue],
            ("category-revenue", position),
            format,
            lambda c: paged(
                position,
                lambda limit, offset: marts.mart(
                    c, "mart_category_revenue", order_by="-revenue", limit=limit, offset=offset
                ),
            ),
        )

    page_limit = min(MAX_PAGE, cap)

    @made.get("/anomalies", response_model=Analytics[Anomaly], responses=answered)
    async def anomalies(
        mart: MartDep,
        limit: Annotated[int, Query(ge=1, le=page_limit, description="rows per page", examples=[100])] = 100,
        kind: Annotated[
            AnomalyKind | None, Query(description="only anomalies of this kind", examples=["burst"])
        ] = None,
        cursor: Cursor = None,
        format: FormatParam = None,
    ) -> Response:
        """Orders that look like fraud, by order_id, with the rule that flagged each (from the anomalies mart)."""
        return await mart.answer(
            Analytics[Anomaly],
            ("anomalies", kind, limit, cursor),
            format,
            lambda c: marts.anomalies(c, kind, limit=limit, after=cursor),
        )

    return made
