"""/analytics: the marts (revenue series, top customers and products, categories, anomalies) and every analysis
of ``queries/``, each answer with the warehouse build it was read from.

Mart reads are SQLite's own indexed reads, their answers kept per state of the warehouse file (``api.answers``):
a request answered from them costs what ``/health`` does. The analyses of ``queries/`` run over the whole
warehouse, so each runs on its own cursor within a time limit and one of a few slots (``api.limits``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from typing import Annotated, Any, Literal, TypeVar

import duckdb
import polars as pl
from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from api.answers import Answers
from api.deps import AnswersDep, CursorDep, GateDep, WarehouseDep
from api.models.analytics import (
    Anomaly,
    AnomalyQuery,
    CategoryRevenue,
    QueryColumn,
    QueryInfo,
    QueryParameter,
    QueryResult,
    RevenuePeriod,
    TopCustomer,
    TopProduct,
)
from api.models.common import Analytics, AnalyticsPage, BuildInfo, IsoDate
from api.problems import Problem, responses
from pipeline.analysis.queries import Param, Value, all_queries
from pipeline.analysis.queries import Query as Analysis
from pipeline.errors import UsageError, WarehouseMissing
from pipeline.warehouse.connection import Warehouse
from pipeline.warehouse.reads import marts

T = TypeVar("T")

router = APIRouter(prefix="/analytics", tags=["analytics"])

GRAINS = {"daily": "day", "weekly": "week", "monthly": "month"}
Limit = Annotated[int, Query(ge=1, le=1000, description="how many rows", examples=[10])]
StartDate = Annotated[IsoDate | None, Query(description="first period start included", examples=["2025-01-01"])]
EndDate = Annotated[
    IsoDate | None,
    Query(description="last period start included (before start_date: no periods)", examples=["2025-03-31"]),
]


def _file(warehouse: Warehouse) -> tuple[int, int]:
    """Which file is the warehouse now: a rebuild swaps in another file (another inode), a write changes this one."""
    try:
        status = warehouse.path.stat()
    except FileNotFoundError:
        raise WarehouseMissing(warehouse.path) from None
    return status.st_dev, status.st_ino


def _read(warehouse: Warehouse, cursor: duckdb.DuckDBPyConnection, read: Callable[[], T]) -> tuple[BuildInfo, T]:
    """``read()`` with the build it read from: the rows, then the build, and again if a rebuild swapped another
    file in meanwhile (a stat on each side, not a second query; rebuilds are minutes apart)."""
    for _ in range(3):
        before = _file(warehouse)
        result = read()
        build = warehouse.build(cursor)
        if _file(warehouse) == before:
            break
    return BuildInfo.model_validate(build), result


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
                build, fields = _read(warehouse, cursor, lambda: read(cursor))
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
        lambda cursor: _items(marts.revenue(cursor, GRAINS[grain], start_date, end_date)),
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


def _anomalies(cursor: duckdb.DuckDBPyConnection, query: AnomalyQuery) -> dict[str, Any]:
    page = marts.anomalies(cursor, query.kind, limit=query.limit, after=query.cursor)
    return {"items": page.items.to_dicts(), "next": page.next}


@router.get("/anomalies", response_model=AnalyticsPage[Anomaly], responses=responses(422, 503))
async def anomalies(warehouse: WarehouseDep, answers: AnswersDep, query: Annotated[AnomalyQuery, Query()]) -> Response:
    """Orders that look like fraud, by order_id, with the rule that flagged each (from the anomalies mart)."""
    return await _mart_answer(
        warehouse,
        answers,
        AnalyticsPage[Anomaly],
        ("anomalies", query.kind, query.limit, query.cursor),
        lambda cursor: _anomalies(cursor, query),
    )


# --- the analyses of queries/ -----------------------------------------------------------------------------


def _info(query: Analysis) -> QueryInfo:
    return QueryInfo(
        name=query.name,
        title=query.title,
        grain=query.grain,
        path=f"{router.prefix}/queries/{query.name}",
        parameters=[
            QueryParameter(
                name=p.name,
                type=p.kind,  # type: ignore[arg-type]
                default=p.default,
                description=p.doc,
                minimum=p.low,
                maximum=p.high,
                choices=list(p.choices) or None,
                nullable=p.nullable,
            )
            for p in query.params
        ],
    )


@router.get("/queries")
def list_queries() -> list[QueryInfo]:
    """Every analysis in queries/, with its parameters: run one at /analytics/queries/{name}."""
    return [_info(query) for query in all_queries().values()]


def _parameter_schema(param: Param) -> dict[str, Any]:
    """The OpenAPI schema of a query parameter, from its header line: type, bounds, choices, default."""
    types: dict[str, dict[str, Any]] = {
        "date": {"type": "string", "format": "date"},
        "int": {"type": "integer"},
        "float": {"type": "number"},
        "choice": {"type": "string", "enum": list(param.choices)},
    }
    schema = types[param.kind]
    if param.low is not None and param.high is not None:
        schema |= {"minimum": param.low, "maximum": param.high}
    if param.nullable:
        schema = {"anyOf": [schema, {"type": "string", "enum": ["null"]}]}
    if param.default is not None:
        schema["default"] = str(param.default)
    return schema


# A query-string value as the OpenAPI schema describes it (the CLI's parser is more lenient: "none", "", padding).
_FORMS = {
    "date": re.compile(r"\d{4}-\d{2}-\d{2}"),
    "int": re.compile(r"-?\d+"),
    "float": re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?"),
    "choice": re.compile(r"\w+"),
}


def _typed(param: Param, raw: str) -> Value:
    if param.nullable and raw == "null":
        return None
    if not _FORMS[param.kind].fullmatch(raw):
        msg = f"parameter {param.describe()}: {raw!r} is not a valid {param.kind}"
        raise UsageError(msg)
    return param.parse(raw)


def _values(request: Request, query: Analysis) -> dict[str, Value]:
    """The query string as typed parameters; a parameter given twice is refused rather than guessed at."""
    pairs = request.query_params.multi_items()
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise Problem(422, f"parameter(s) given more than once: {', '.join(repeated)}", slug="invalid-parameter")
    return {name: _typed(query.param(name), raw) for name, raw in pairs}


def _analysis(query: Analysis) -> Callable[..., QueryResult]:
    def run(request: Request, warehouse: WarehouseDep, cursor: CursorDep, gate: GateDep) -> QueryResult:
        values = query.bind(_values(request, query), empty_range=True)

        def read() -> Any:
            own = warehouse.cursor()  # the time limit interrupts this cursor, and nothing else
            try:
                with gate.admit(own, query.name):
                    return query.run(own, values)
            finally:
                own.close()

        build, frame = _read(warehouse, cursor, read)
        return QueryResult(
            build=build,
            query=query.name,
            parameters=values,
            columns=[QueryColumn(name=name, type=str(kind)) for name, kind in frame.schema.items()],
            items=frame.to_dicts(),
        )

    return run


for _query in all_queries().values():
    router.add_api_route(
        f"/queries/{_query.name}",
        _analysis(_query),
        methods=["GET"],
        name=f"query_{_query.name}",
        summary=f"Run {_query.name}",
        description=f"{_query.title}\n\nOne row: {_query.grain}\n\nComputed live over the warehouse tables.",
        responses=responses(422, 503),
        openapi_extra={
            "parameters": [
                {
                    "name": p.name,
                    "in": "query",
                    "required": False,
                    "description": p.doc,
                    "schema": _parameter_schema(p),
                    "example": str(p.default) if p.default is not None else "null",
                }
                for p in _query.params
            ]
        },
    )
