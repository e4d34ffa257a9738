"""Every error as an RFC 9457 problem detail (``application/problem+json``: type, title, status, detail).

Routes raise :class:`Problem`. The handlers installed here answer it, the framework's own errors (an unknown
route, a method not allowed, a request the schema rejects) and the access layer's exceptions (no warehouse, a
write refused by a rule, a bad query parameter) the same way. Nothing reaches a client as a traceback: an
unexpected error is logged and answered with a bare 500.
"""

from __future__ import annotations

import http
import logging
from typing import Any

import duckdb
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException
from starlette.routing import compile_path

from api.limits import QueriesBusy, QueryTimeout
from api.writer import WriterUnavailable
from pipeline.errors import InvalidRequest, UsageError, WarehouseMissing
from pipeline.warehouse.writes.idempotency import KeyReused
from pipeline.warehouse.writes.transaction import Busy, Conflict, Missing

log = logging.getLogger("api")

MEDIA_TYPE = "application/problem+json"
# Problem types: a URI per kind of problem (RFC 9457 section 3.1.1; a tag URI, RFC 4151, names without a page).
TYPE_PREFIX = "tag:ecom-pipeline.example,2025:"
RETRY_SECONDS = "1"


def problem_type(slug: str) -> str:
    return TYPE_PREFIX + slug


class FieldError(BaseModel):
    loc: list[str | int] = Field(description="where: body, query, path or header, then the field's path")
    msg: str
    type: str


class ProblemDetail(BaseModel):
    """An RFC 9457 problem detail; ``rule`` names the rule that refused a write, ``errors`` the rejected fields."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "type": problem_type("rule-violation"),
                    "title": "Conflict",
                    "status": 409,
                    "detail": "order_date 2023-01-01 is before customer 7 signed up (2023-03-04)",
                    "rule": "order_after_signup",
                }
            ]
        }
    )

    type: str = Field("about:blank", description="a URI naming the kind of problem")
    title: str = Field(description="the kind of problem in words (for about:blank, the HTTP status phrase)")
    status: int
    detail: str = Field(description="what went wrong with this request, and what to do about it")
    rule: str | None = Field(None, description="the rule of the data that refused a write")
    errors: list[FieldError] | None = Field(None, description="each field the request schema rejected")


class Problem(Exception):
    """An error answer: raised in routes (and the key check), turned into a problem response by the handler."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        headers: dict[str, str] | None = None,
        **extensions: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.body = ProblemDetail(
            type=problem_type(slug) if slug else "about:blank",
            title=http.HTTPStatus(status).phrase,
            status=status,
            detail=detail,
            **extensions,
        )
        self.headers = headers


def response(problem: Problem) -> JSONResponse:
    content = problem.body.model_dump(mode="json", exclude_none=True)
    return JSONResponse(content, status_code=problem.status, headers=problem.headers, media_type=MEDIA_TYPE)


def _http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    headers = dict(error.headers or {})
    if error.status_code == 404:
        detail = f"there is no {request.url.path}; the endpoints are listed at /docs"
    elif error.status_code == 405:
        headers["Allow"] = ", ".join(_allowed(request)) or headers.get("Allow", "")
        detail = f"{request.method} is not allowed on {request.url.path}; allowed: {headers['Allow']}"
    else:
        detail = str(error.detail)
    return response(Problem(error.status_code, detail, headers=headers))


def _allowed(request: Request) -> list[str]:
    """Every method the API documents at the request's path (Starlette's 405 names only the first route's)."""
    methods: set[str] = set()
    for template, operations in request.app.openapi()["paths"].items():
        if compile_path(template)[0].match(request.url.path):
            methods |= {method.upper() for method in operations}
    return sorted(methods | ({"HEAD"} if "GET" in methods else set()))


def _validation_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    # The rejected input is not echoed back (it may be large); where and why are.
    errors = [FieldError(loc=list(e["loc"]), msg=e["msg"], type=e["type"]) for e in error.errors()]
    where = "; ".join(f"{'.'.join(map(str, e.loc))}: {e.msg}" for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    detail = f"the request does not match the API's schema: {where}{more}"
    return response(Problem(422, detail, slug="invalid-request", errors=errors))


def _refused(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Missing | Conflict | KeyReused)
    if isinstance(error, Missing):
        return response(Problem(404, error.message, slug="not-found", rule=error.rule))
    if isinstance(error, KeyReused):
        return response(Problem(422, error.message, slug="idempotency-key-reused"))
    return response(Problem(409, error.message, slug="rule-violation", rule=error.rule))


def _bad_parameter(_: Request, error: Exception) -> JSONResponse:
    return response(Problem(422, str(error), slug="invalid-parameter"))


def _no_warehouse(_: Request, error: Exception) -> JSONResponse:
    detail = "no warehouse has been built yet; build one with `just run`"
    return response(Problem(503, detail, slug="no-warehouse", headers={"Retry-After": "60"}))


def _busy(_: Request, error: Exception) -> JSONResponse:
    """Nothing was done (every analysis slot taken, or the warehouse taken past a write's wait): retry soon."""
    return response(Problem(503, str(error), slug="busy", headers={"Retry-After": RETRY_SECONDS}))


def _outcome_unknown(_: Request, error: Exception) -> JSONResponse:
    """No Retry-After: a blind retry could write twice; read the resource, or retry with the Idempotency-Key."""
    return response(Problem(503, str(error), slug="outcome-unknown"))


def _query_timeout(_: Request, error: Exception) -> JSONResponse:
    """No Retry-After: the same request would run out of time again."""
    return response(Problem(503, str(error), slug="query-timeout"))


def _problem(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, Problem)
    return response(error)


def _database_error(request: Request, error: Exception) -> JSONResponse:
    """A warehouse removed while a query ran (``just clean``; a rebuild replaces it atomically) is no warehouse."""
    if not request.app.state.warehouse.path.is_file():
        return _no_warehouse(request, error)
    return _internal(request, error)


def _internal(request: Request, error: Exception) -> JSONResponse:
    log.error("internal error answering %s %s", request.method, request.url.path, exc_info=error)
    detail = "the server failed to answer; this is a bug, and it is logged on the server"
    return response(Problem(500, detail, slug="internal-error"))


def install(app: FastAPI) -> None:
    """Answer every error of ``app`` as a problem detail."""
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(Missing, _refused)
    app.add_exception_handler(Conflict, _refused)
    app.add_exception_handler(KeyReused, _refused)
    app.add_exception_handler(UsageError, _bad_parameter)
    app.add_exception_handler(InvalidRequest, _bad_parameter)
    app.add_exception_handler(WarehouseMissing, _no_warehouse)
    app.add_exception_handler(QueryTimeout, _query_timeout)
    app.add_exception_handler(QueriesBusy, _busy)
    app.add_exception_handler(WriterUnavailable, _outcome_unknown)
    app.add_exception_handler(Busy, _busy)
    app.add_exception_handler(duckdb.Error, _database_error)
    app.add_exception_handler(Exception, _internal)


DESCRIPTIONS = {
    400: "The body is not JSON text",
    401: "No API key: send one in the X-API-Key header",
    403: "Writes are disabled (no ECOM_API_KEYS) or the API key is not one of them",
    404: "The row, or a row the request references, does not exist",
    409: "A rule of the data refuses the write (named in `rule`), or the Idempotency-Key's first request is "
    "still running; nothing was written",
    413: "The body is larger than ECOM_API_MAX_BODY_BYTES; it was not read",
    422: "The request does not match the schema (the fields are listed in `errors`), or its Idempotency-Key was "
    "used for another request",
    503: "The `type` says which: `no-warehouse` (build one with `just run`); `busy` (nothing was done: retry after "
    "Retry-After seconds); `query-timeout` (the analysis ran out of time: narrow it, or run it with `just analyze`); "
    "`outcome-unknown` (the write may or may not have been made: read the resource, or retry with the same "
    "Idempotency-Key)",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI entries for the problem statuses an operation can answer with."""
    return {status: {"model": ProblemDetail, "description": DESCRIPTIONS[status]} for status in statuses}


def use_problem_media_type(schema: dict[str, Any]) -> dict[str, Any]:
    """Declare every 4xx/5xx response of an OpenAPI document as application/problem+json (FastAPI says JSON)."""
    for operations in schema.get("paths", {}).values():
        for operation in operations.values():
            for status, entry in operation.get("responses", {}).items():
                content = entry.get("content", {})
                if status[0] in "45" and "application/json" in content:
                    content[MEDIA_TYPE] = content.pop("application/json")
    return schema
