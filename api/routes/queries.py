"""/analytics/queries: every analysis of ``queries/``, listed and run live over the warehouse, each on its own
cursor within a time limit and one of a few slots (``api.limits``), its answer naming the build it was read from.

One route per query, with the query's parameters typed in the OpenAPI document from its header; the routes are
made by :func:`router` when the app is built, not when this module is imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request

from api.deps import CursorDep, GateDep, WarehouseDep
from api.models.analytics import QueryColumn, QueryInfo, QueryParameter, QueryResult
from api.problems import Problem, responses
from api.routes.shared import read_with_build
from pipeline.analysis.queries import Param, Value, all_queries
from pipeline.analysis.queries import Query as Analysis
from pipeline.errors import UsageError

PREFIX = "/analytics"


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

        build, frame = read_with_build(warehouse, cursor, read)
        return QueryResult(
            build=build,
            query=query.name,
            parameters=values,
            columns=[QueryColumn(name=name, type=str(kind)) for name, kind in frame.schema.items()],
            items=frame.to_dicts(),
        )

    return run


def router() -> APIRouter:
    """The list of the analyses, and one route per analysis with its parameters from the file's header."""
    made = APIRouter(prefix=PREFIX, tags=["analytics"])
    made.add_api_route("/queries", list_queries, methods=["GET"])
    for query in all_queries().values():
        made.add_api_route(
            f"/queries/{query.name}",
            _analysis(query),
            methods=["GET"],
            name=f"query_{query.name}",
            summary=f"Run {query.name}",
            description=f"{query.title}\n\nOne row: {query.grain}\n\nComputed live over the warehouse tables.",
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
                    for p in query.params
                ]
            },
        )
    return made
