"""Dependencies shared by the routes, as ``Annotated`` aliases: settings, a warehouse cursor, the API-key check.

The app's lifespan (``api.main``) puts the process-wide objects on ``app.state``: the settings, the one DuckDB
connection to the warehouse (``Warehouse``), the writer process, the analyses' gate and the mart answers kept
(``Answers``). Their getters are ``async``: they only look an attribute up, and a plain ``def`` dependency
costs a hop to the thread pool.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import AsyncIterator
from typing import Annotated

import duckdb
from fastapi import Depends, Header, Request, Security
from fastapi.security import APIKeyHeader

from api.answers import Answers
from api.batching import KeyedReads
from api.idempotency import IDEMPOTENCY_HEADER, KEY_PATTERN, InFlight, request_hash
from api.limits import QueryGate
from api.problems import Problem
from api.writer import Writer
from pipeline.settings import Settings
from pipeline.warehouse.connection import Warehouse
from pipeline.warehouse.writes.idempotency import Retry
from pipeline.warehouse.writes.transaction import Writing

KEY_HEADER = "X-API-Key"


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_warehouse(request: Request) -> Warehouse:
    warehouse: Warehouse = request.app.state.warehouse
    return warehouse


async def get_keyed(request: Request) -> KeyedReads:
    keyed: KeyedReads = request.app.state.keyed
    return keyed


async def get_writer(request: Request) -> Writer:
    writer: Writer = request.app.state.writer
    return writer


async def get_gate(request: Request) -> QueryGate:
    gate: QueryGate = request.app.state.gate
    return gate


async def get_answers(request: Request) -> Answers:
    answers: Answers = request.app.state.answers
    return answers


async def get_in_flight(request: Request) -> InFlight:
    in_flight: InFlight = request.app.state.in_flight
    return in_flight


SettingsDep = Annotated[Settings, Depends(get_settings)]
WarehouseDep = Annotated[Warehouse, Depends(get_warehouse)]
KeyedDep = Annotated[KeyedReads, Depends(get_keyed)]
WriterDep = Annotated[Writer, Depends(get_writer)]
GateDep = Annotated[QueryGate, Depends(get_gate)]
AnswersDep = Annotated[Answers, Depends(get_answers)]
InFlightDep = Annotated[InFlight, Depends(get_in_flight)]


async def get_cursor(warehouse: WarehouseDep) -> AsyncIterator[duckdb.DuckDBPyConnection]:
    """A cursor of the process's DuckDB connection for this request (503 while there is no warehouse), leased
    from its pool: ``async``, since a plain generator dependency costs two hops to the thread pool."""
    with warehouse.lease() as cursor:
        yield cursor


CursorDep = Annotated[duckdb.DuckDBPyConnection, Depends(get_cursor)]

api_key = APIKeyHeader(
    name=KEY_HEADER,
    scheme_name="ApiKey",
    auto_error=False,
    description="One of the keys in ECOM_API_KEYS (comma-separated); writes are disabled while none is set.",
)


def key_id(key: str) -> str:
    """The name a key is known by in the audit log: a digest, so the log never holds the key itself."""
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()[:16]


def _known(key: str, keys: tuple[str, ...]) -> bool:
    """Whether ``key`` is one of ``keys``, in time that does not depend on where (or whether) they differ."""
    digest = hashlib.sha256(key.encode()).digest()
    found = False
    for candidate in keys:  # every key compared, no early exit
        found |= hmac.compare_digest(digest, hashlib.sha256(candidate.encode()).digest())
    return found


def key_refusal(settings: Settings, key: str | None) -> Problem | None:
    """Why a write with ``key`` is refused, if it is: 403 while writes are disabled, 401 no key, 403 wrong key."""
    if not settings.api_keys:
        detail = (
            "writes are disabled: the API has no keys; start it with ECOM_API_KEYS=<key>[,<key>...] "
            f"and send one in the {KEY_HEADER} header"
        )
        return Problem(403, detail, slug="writes-disabled")
    if not key:
        return Problem(
            401,
            f"writes need an API key in the {KEY_HEADER} header",
            slug="missing-key",
            headers={"WWW-Authenticate": f'ApiKey header="{KEY_HEADER}"'},
        )
    if not _known(key, settings.api_keys):
        return Problem(403, f"the {KEY_HEADER} is not one of the API's keys", slug="wrong-key")
    return None


def get_writing(settings: SettingsDep, key: Annotated[str | None, Security(api_key)]) -> Writing:
    """The write's context once its key checks out (``api.intake`` checked it before the body was read), with
    the deadline of its wait for the warehouse."""
    refusal = key_refusal(settings, key)
    if refusal is not None:
        raise refusal
    assert key is not None
    wait_until = time.monotonic() + settings.api_write_wait_seconds
    return Writing(settings.warehouse_path, key_id(key), settings.window, wait_until)


WritingDep = Annotated[Writing, Depends(get_writing)]


async def get_retry(
    request: Request,
    writing: WritingDep,
    in_flight: InFlightDep,
    key: Annotated[
        str | None,
        Header(
            alias=IDEMPOTENCY_HEADER,
            pattern=KEY_PATTERN,
            description="Any unique string (a UUID, say): a retry with the same key and body gets the first answer "
            "again and never makes a second row (kept 24 hours per API key); another body with it is a 422, and "
            "while its first request runs, a 409.",
            examples=["8e03978e-40d5-43e8-bc93-6894a57f9324"],
        ),
    ] = None,
) -> AsyncIterator[Retry | None]:
    """The create's Idempotency-Key and the digest of its request, held by this request while it runs."""
    if key is None:
        yield None
        return
    body = await request.body()  # read already, before the body was parsed
    with in_flight.claim(writing.key_id, key):
        yield Retry(key, request_hash(request.method, request.url.path, body))


RetryDep = Annotated[Retry | None, Depends(get_retry)]
