"""/analytics: the marts (revenue series, top customers and products, categories, anomalies), each answer with
the warehouse build it was read from (the analyses of ``queries/`` are ``api.routes.queries``).

Mart reads are SQLite's own indexed reads, their answers kept per state of the warehouse file (``api.answers``):
a request answered from them costs what ``/health`` does.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Annotated, Any, Literal

import duckdb
import polars as pl
from fastapi import APIRouter, Path, Query, Response
from fastapi.concurrency import run_in_threadpool

from api.answers import Answers
from api.deps import AnswersDep, WarehouseDep
from api.models.analytics import (
    Anomaly,
    AnomalyQuery,
    CategoryRevenue,
    RevenuePeriod,
    TopCustomer,
    TopProduct,
)
from api.models.common import Analytics, AnalyticsPage, IsoDate
from api.problems import responses
from api.routes.shared import read_with_build
from pipeline.warehouse.connection import Warehouse
from pipeline.warehouse.reads import marts
from pipeline.warehouse.reads.pages import RowsPage

router = APIRouter(prefix="/analytics", tags=["analytics"])

GRAIN_OF_PATH = {"daily": "day", "weekly": "week", "monthly": "month"}
Limit = Annotated[int, Query(ge=1, le=1000, description="how many rows", examples=[10])]
StartDate = Annotated[IsoDate | None, Query(description="first period start included", examples=["2025-01-01"])]
EndDate = Annotated[
    IsoDate | None,
    Query(description="last period start included (before start_date: no periods)", examples=["2025-03-31"]),
]


async def _mart_answer(
    warehouse: Warehouse,
    answers: Answers,
    model: type[Analytics[Any]],
    key: Hashable,
    read: Callable[[duckdb.DuckDBPyConnection], dict[str, Any]],
) -> Response:
    """The JSON body of ``model`` for a mart read: kept from an earlier request in the same state of the warehouse
    file (``api.answers``; no thread, no query), else ``read(cursor)`` (the answer's fields but its build) with
    its build, in the thread pool. Validated against ``model`` as FastAPI would its response."""
    state = warehouse.state()
    body = answers.get(state, key)
    if body is None:

        def answer() -> bytes:
            with warehouse.lease() as cursor:
                build, fields = read_with_build(warehouse, cursor, lambda: read(cursor))
            return model.model_validate({"build": build, **fields}).model_dump_json().encode()

        body = await run_in_threadpool(answer)
        if warehouse.state() == state:  # nothing was written or swapped in while it was read
            answers.put(state, key, body)
    return Response(body, media_type="application/json")


def _items(frame: pl.DataFrame) -> dict[str, Any]:
    return {"items": frame.to_dicts()}


@router.get("/revenue/{grain}", response_model=Analytics[RevenuePeriod], responses=responses(422, 503))
async def revenue(
    warehouse: WarehouseDep,
    answers: AnswersDep,
    grain: Annotated[
        Literal["daily", "weekly", "monthly"], Path(description="the length of a period", examples=["monthly"])
    ],
    start_date: StartDate = None,
    end_date: EndDate = None,
) -> Response:
    """Revenue, orders and buyers per day, ISO week or month (from the revenue marts)."""
    return await _mart_answer(
        warehouse,
        answers,
        Analytics[RevenuePeriod],
        ("revenue", grain, start_date, end_date),
        lambda cursor: _items(marts.revenue(cursor, GRAIN_OF_PATH[grain], start_date, end_date)),
    )


@router.get("/top-customers", response_model=Analytics[TopCustomer], responses=responses(422, 503))
async def top_customers(warehouse: WarehouseDep, answers: AnswersDep, limit: Limit = 10) -> Response:
    """The biggest spenders, best first (from the customer summary mart)."""
    return await _mart_answer(
        warehouse,
        answers,
        Analytics[TopCustomer],
        ("top-customers", limit),
        lambda cursor: _items(marts.top_customers(cursor, limit)),
    )


@router.get("/top-products", response_model=Analytics[TopProduct], responses=responses(422, 503))
async def top_products(
    warehouse: WarehouseDep,
    answers: AnswersDep,
    limit: Limit = 10,
    rank_by: Annotated[Literal["revenue", "units"], Query(description="the measure that ranks them")] = "revenue",
) -> Response:
    """The best-selling products by revenue or units, best first (from the product summary mart)."""
    return await _mart_answer(
        warehouse,
        answers,
        Analytics[TopProduct],
        ("top-products", limit, rank_by),
        lambda cursor: _items(marts.top_products(cursor, limit, rank_by)),
    )


@router.get("/category-revenue", response_model=Analytics[CategoryRevenue], responses=responses(503))
async def category_revenue(warehouse: WarehouseDep, answers: AnswersDep) -> Response:
    """Revenue per product category and its share of the total, highest first (from the category mart)."""
    return await _mart_answer(
        warehouse,
        answers,
        Analytics[CategoryRevenue],
        ("category-revenue",),
        lambda cursor: _items(marts.mart(cursor, "mart_category_revenue", order_by="-revenue")),
    )


def _page_fields(page: RowsPage) -> dict[str, Any]:
    return {"items": page.items.to_dicts(), "next": page.next}


@router.get("/anomalies", response_model=AnalyticsPage[Anomaly], responses=responses(422, 503))
async def anomalies(warehouse: WarehouseDep, answers: AnswersDep, query: Annotated[AnomalyQuery, Query()]) -> Response:
    """Orders that look like fraud, by order_id, with the rule that flagged each (from the anomalies mart)."""
    return await _mart_answer(
        warehouse,
        answers,
        AnalyticsPage[Anomaly],
        ("anomalies", query.kind, query.limit, query.cursor),
        lambda cursor: _page_fields(marts.anomalies(cursor, query.kind, limit=query.limit, after=query.cursor)),
    )
