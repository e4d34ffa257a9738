"""The app: ``uvicorn api.main:app`` (or ``just api``), configured by the ``ECOM_*`` settings.

Reads go through DuckDB's sqlite extension, one connection per process with the warehouse attached read-only
and a pooled cursor per statement. The reads of rows and marts are ``async`` routes that send only the warehouse
work to the thread pool: one hop per request, where a plain ``def`` route makes one for itself, one each for
its dependency's start and end, and one for validating its response (a keyed read's p99 is mostly such waits).
The reads by id share theirs: the keys asked for together are read by one statement (``api.batching``).
Writes go to the writer process (``api.writer``). A warehouse swapped in by a rebuild is served from the next
query on.
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import duckdb
from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from api import problems
from api.answers import Answers
from api.batching import KeyedReads
from api.caching import HttpCache
from api.idempotency import InFlight
from api.intake import Intake
from api.limits import QueryGate
from api.routes import admin, analytics, customers, exports, health, orders, products, queries
from api.writer import Writer
from pipeline import files
from pipeline.settings import Settings
from pipeline.warehouse.connection import Warehouse

DESCRIPTION = """
Reads, guarded writes and analytics over the e-commerce warehouse (`data/warehouse.sqlite`).

- **Reads** are open. Lists take filters, `limit` (1-1000) and `cursor` (the `next` of the previous page).
- **Writes** (POST, PATCH, DELETE) need a key from `ECOM_API_KEYS` in the `X-API-Key` header. The server computes
  line totals, order totals and payment amounts; a write that would break a rule of the data is refused (404 for
  a missing row, 409 naming the rule) and changes nothing.
- **Analytics** come from the marts (`marts_stale` says whether writes are newer: `POST /admin/refresh-marts`)
  or run an analysis of `queries/` live; each answer names the warehouse build it was read from.
- **Errors** are RFC 9457 problem details (`application/problem+json`).
"""

log = logging.getLogger(__name__)

# DuckDB spills large analyses here rather than into the working directory.
SPILL_PREFIX = ".spill-api-"


def _operation_id(route: APIRoute) -> str:
    return f"{route.tags[0]}-{route.name}"


def duckdb_threads(settings: Settings) -> int:
    """DuckDB threads per API process: the cores shared among its workers. A keyed read is one small statement
    that more threads only slow down (a customer by key: 2.1 ms of a worker's CPU with one thread, 2.6 ms with
    two); an analysis gets the cores its worker has."""
    return max(1, (os.cpu_count() or 1) // settings.api_workers)


def _read_build(warehouse: Warehouse) -> None:
    """Connect and read the build now, or the first request waits for DuckDB to start and for the pandas it imports
    on its first statement with bound values (imported here, it is frozen with the rest of the start). A file that
    holds no build starts the app all the same: its requests report it, as they did."""
    if not warehouse.path.is_file():
        return
    with warehouse.lease() as cursor:
        try:
            warehouse.build(cursor)
        except duckdb.Error as error:
            log.warning("the API started without reading a build from %s: %s", warehouse.path, error)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API for ``settings`` (default: from the ``ECOM_*`` environment); nothing is opened until it starts."""
    settings = settings or Settings.load()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with ExitStack() as stack:
            spill = stack.enter_context(files.scratch_dir(settings.data_dir, SPILL_PREFIX))
            warehouse = stack.enter_context(Warehouse(settings.warehouse_path, spill, threads=duckdb_threads(settings)))
            _read_build(warehouse)
            app.state.warehouse = warehouse
            app.state.keyed = KeyedReads.of(warehouse)
            app.state.spill = spill
            app.state.writer = stack.enter_context(Writer())
            app.state.gate = QueryGate(settings.api_query_slots, settings.api_query_seconds)
            app.state.answers = Answers()
            app.state.in_flight = in_flight = InFlight(settings.warehouse_path)
            stack.callback(in_flight.close)
            # What the process has loaded by now lives as long as it does: frozen, it is left out of the
            # collector's full passes, each of which walked all of it and stalled every request in flight
            # (18-60 ms on a busy machine, the tail of the keyed reads' latency).
            gc.freeze()
            stack.callback(gc.unfreeze)  # another app started in this process (the tests) collects it again
            yield

    app = FastAPI(
        title="E-commerce warehouse API",
        version="1",
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    problems.install(app)
    for router in (health.router, customers.router, products.router, orders.router):
        app.include_router(router)
    app.include_router(analytics.router(settings))
    app.include_router(queries.router(settings, _spill))
    app.include_router(exports.router)
    app.include_router(admin.router)

    default_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = problems.use_problem_media_type(default_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(Intake, settings=settings, routes=app.router.routes)
    static = frozenset({"/health", "/analytics/queries", *(u for u in (app.openapi_url, app.docs_url, app.redoc_url,
                        app.swagger_ui_oauth2_redirect_url) if u)})  # fmt: skip
    app.add_middleware(HttpCache, cache_seconds=settings.api_cache_seconds, static=static)
    if settings.api_cors_origins:  # outermost, so that every answer (a refusal of api.intake too) carries them
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.api_cors_origins),
            allow_methods=["GET", "HEAD", "POST", "PATCH", "DELETE"],
            allow_headers=["X-API-Key", "Idempotency-Key", "Content-Type", "If-None-Match"],
            expose_headers=["ETag", "Link", "Retry-After", "Location", "Content-Disposition"],
        )
    return app


def _spill(request: Request) -> Path:
    spill: Path = request.app.state.spill
    return spill


app = create_app()
