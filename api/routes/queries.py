"""/analytics/queries: every analysis of ``queries/``, listed and run live over the warehouse, each within a time
limit and one of a few slots (``api.limits``), its answer naming the build it was read from; and
/export/queries: every row of one, streamed.

An answer holds ECOM_API_MAX_ROWS rows at most (a ``limit`` parameter above it is refused); a longer result pages
by position (``cursor``) in the order the query declares, each page computed anew. The rows are turned into the
answer's bytes inside the slot and the time limit. An export computes the whole result within them into a Parquet
file of the process's spill directory, then streams it page by page, the slot already free for the next analysis
however slowly the client reads.

One route per query, with the query's parameters typed in the OpenAPI document from its header; the routes are
made by :func:`router` when the app is built, not when this module is imported.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import polars as pl
from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse

from api import formats
from api.deps import GateDep, WarehouseDep
from api.formats import FORMAT_DESCRIPTION, MEDIA_TYPES
from api.models.analytics import QueryColumn, QueryInfo, QueryParameter, QueryResult
from api.models.common import CURSOR_DESCRIPTION
from api.problems import Problem, responses
from api.routes.shared import EXPORT_RESPONSES, EXPORT_ROWS, read_with_build
from pipeline.analysis.queries import Param, Value, all_queries
from pipeline.analysis.queries import Query as Analysis
from pipeline.errors import UsageError
from pipeline.settings import Settings
from pipeline.warehouse.reads import pages
from pipeline.warehouse.reads.analyses import analysis_rows, analysis_to_parquet
from pipeline.warehouse.reads.pages import CURSOR_PATTERN

PREFIX = "/analytics"
# The API's own query-string names, which no analysis parameter may take.
RESERVED = ("cursor", "format")
ROW_LIMIT = "limit"  # an analysis parameter that bounds its rows: no more than an answer holds


def _info(query: Analysis) -> QueryInfo:
    return QueryInfo(
        name=query.name,
        title=query.title,
        grain=query.grain,
        path=f"{PREFIX}/queries/{query.name}",
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


def list_queries() -> list[QueryInfo]:
    """Every analysis in queries/, with its parameters: run one at /analytics/queries/{name}."""
    return [_info(query) for query in all_queries().values()]


def _high(param: Param, cap: int | None) -> float | None:
    """A parameter's upper bound in the API: a row limit's at most ``cap`` (None: the export, unbounded)."""
    if param.high is None or cap is None or param.name != ROW_LIMIT:
        return param.high
    return min(param.high, cap)


def _parameter_schema(param: Param, cap: int | None) -> dict[str, Any]:
    """The OpenAPI schema of a query parameter, from its header line: type, bounds, choices, default."""
    types: dict[str, dict[str, Any]] = {
        "date": {"type": "string", "format": "date"},
        "int": {"type": "integer"},
        "float": {"type": "number"},
        "choice": {"type": "string", "enum": list(param.choices)},
    }
    schema = types[param.kind]
    if param.low is not None and param.high is not None:
        schema |= {"minimum": param.low, "maximum": _high(param, cap)}
    if param.nullable:
        schema = {"anyOf": [schema, {"type": "string", "enum": ["null"]}]}
    if param.default is not None:
        schema["default"] = str(param.default)
    return schema


# A query-string value as the OpenAPI schema describes it (the CLI's parser is more lenient: "none", "", padding).
_FORMS = {
    "date": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
    "int": re.compile(r"-?[0-9]+"),
    "float": re.compile(r"-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?"),
    "choice": re.compile(r"[A-Za-z0-9_]+"),
}


def _typed(param: Param, raw: str, cap: int | None) -> Value:
    if param.nullable and raw == "null":
        return None
    if not _FORMS[param.kind].fullmatch(raw):
        msg = f"parameter {param.describe()}: {raw!r} is not a valid {param.kind}"
        raise UsageError(msg)
    value = param.parse(raw)
    high = _high(param, cap)
    if isinstance(value, int) and high is not None and value > high:
        msg = f"parameter {param.describe()}: {value} is more rows than an answer holds ({high:g}, ECOM_API_MAX_ROWS)"
        raise UsageError(msg)
    return value


def _given(request: Request) -> dict[str, str]:
    """The query string as a mapping; a parameter given twice is refused rather than guessed at."""
    pairs = request.query_params.multi_items()
    names = [name for name, _ in pairs]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise Problem(422, f"parameter(s) given more than once: {', '.join(repeated)}", slug="invalid-parameter")
    return dict(pairs)


def _values(query: Analysis, given: dict[str, str], cap: int | None) -> dict[str, Value]:
    """The analysis's parameters (every one, defaults included), typed and checked."""
    typed = {name: _typed(query.param(name), raw, cap) for name, raw in given.items() if name not in RESERVED}
    return query.bind(typed, empty_range=True)


def _format(given: dict[str, str], choices: tuple[str, ...]) -> str | None:
    fmt = given.get("format")
    if fmt is not None and fmt not in choices:
        raise Problem(422, f"format must be one of {', '.join(choices)} (got {fmt!r})", slug="invalid-parameter")
    return fmt


def _analysis(query: Analysis, cap: int) -> Callable[..., Response]:
    def run(request: Request, warehouse: WarehouseDep, gate: GateDep) -> Response:
        given = _given(request)
        values = _values(query, given, cap)
        fmt = formats.chosen(request, _format(given, tuple(MEDIA_TYPES)))
        position = pages.position_of(given.get("cursor"))
        with warehouse.lease() as cursor, gate.admit(cursor, query.name):
            build, page = read_with_build(
                warehouse,
                cursor,
                lambda: pages.positioned(
                    analysis_rows(cursor, query, values, offset=position, limit=cap + 1), position, cap
                ),
            )
            if fmt != "json":
                body = formats.encoded(page.items, fmt)
            else:
                columns = [QueryColumn(name=name, type=str(kind)) for name, kind in page.items.schema.items()]
                answer = QueryResult(
                    build=build,
                    query=query.name,
                    parameters=values,
                    columns=columns,
                    items=page.items.to_dicts(),
                    next=page.next,
                )
                body = answer.model_dump_json().encode()
        return formats.rows_answer(request, fmt, body, page.next)

    return run


def _export(query: Analysis, spill: Callable[[Request], Path]) -> Callable[..., Response]:
    def run(request: Request, warehouse: WarehouseDep, gate: GateDep) -> Response:
        given = _given(request)
        values = _values(query, given, None)
        fmt = _format(given, ("csv", "ndjson")) or "csv"
        handle, name = tempfile.mkstemp(prefix=f"export-{query.name}-", suffix=".parquet", dir=spill(request))
        os.close(handle)
        path = Path(name)
        try:
            with warehouse.lease() as cursor, gate.admit(cursor, query.name):
                analysis_to_parquet(cursor, query, values, path)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        return StreamingResponse(
            formats.export_answer(fmt, _batches(path)),
            media_type=MEDIA_TYPES[fmt],
            headers={"Content-Disposition": formats.disposition(query.name, fmt)},
        )

    return run


def _batches(path: Path) -> Iterator[pl.DataFrame]:
    """The rows of an export's Parquet file, EXPORT_ROWS at a time; the file is gone once they are."""
    try:
        yield from pl.scan_parquet(path).collect_batches(chunk_size=EXPORT_ROWS)
    finally:
        path.unlink(missing_ok=True)


def _parameters(query: Analysis, cap: int | None, formats_given: tuple[str, ...]) -> list[dict[str, Any]]:
    found = [
        {
            "name": p.name,
            "in": "query",
            "required": False,
            "description": p.doc,
            "schema": _parameter_schema(p, cap),
            "example": str(p.default) if p.default is not None else "null",
        }
        for p in query.params
    ]
    found.append(
        {
            "name": "format",
            "in": "query",
            "required": False,
            "description": FORMAT_DESCRIPTION,
            "schema": {"type": "string", "enum": list(formats_given)},
            "example": formats_given[0],
        }
    )
    if cap is not None:
        found.append(
            {
                "name": "cursor",
                "in": "query",
                "required": False,
                "description": CURSOR_DESCRIPTION,
                "schema": {"type": "string", "pattern": CURSOR_PATTERN},
                "example": "AAAAAAAAJxA",
            }
        )
    return found


def _check_reserved(query: Analysis) -> None:
    taken = sorted({p.name for p in query.params} & set(RESERVED))
    if taken:
        msg = f"{query.path}: the parameter(s) {', '.join(taken)} are the API's own query-string names; rename them"
        raise UsageError(msg)


def router(settings: Settings, spill: Callable[[Request], Path]) -> APIRouter:
    """The list of the analyses, one route per analysis with its parameters from the file's header (at most
    ``settings.api_max_rows`` rows an answer), and one export per analysis (``spill(request)``: where its result
    is written before it is sent)."""
    cap = settings.api_max_rows
    made = APIRouter()
    made.add_api_route(f"{PREFIX}/queries", list_queries, methods=["GET"], tags=["analytics"])
    for query in all_queries().values():
        _check_reserved(query)
        made.add_api_route(
            f"{PREFIX}/queries/{query.name}",
            _analysis(query, cap),
            methods=["GET"],
            name=f"query_{query.name}",
            tags=["analytics"],
            summary=f"Run {query.name}",
            description=f"{query.title}\n\nOne row: {query.grain}\n\nComputed live over the warehouse tables; at "
            f"most {cap:,} rows an answer (ECOM_API_MAX_ROWS), the rest by `cursor`.",
            response_model=QueryResult,
            responses=formats.rows_responses(responses(422, 503)),
            openapi_extra={"parameters": _parameters(query, cap, tuple(MEDIA_TYPES))},
        )
        made.add_api_route(
            f"/export/queries/{query.name}",
            _export(query, spill),
            methods=["GET"],
            name=f"export_{query.name}",
            summary=f"Export {query.name}",
            description=f"{query.title}\n\nOne row: {query.grain}\n\nEvery row, streamed as CSV or NDJSON.",
            tags=["export"],
            response_class=StreamingResponse,
            responses={**EXPORT_RESPONSES, **responses(422, 503)},
            openapi_extra={"parameters": _parameters(query, None, ("csv", "ndjson"))},
        )
    return made
