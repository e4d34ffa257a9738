"""/health (the process answers; no database) and /ready (a warehouse is being served: which, and how big)."""

from __future__ import annotations

from typing import Any

import duckdb
from fastapi import APIRouter

from api.deps import WarehouseDep
from api.models.common import Health, Ready
from api.problems import responses
from api.routes.shared import ask, read_with_build
from pipeline.warehouse.connection import Warehouse
from pipeline.warehouse.reads import rows

router = APIRouter(tags=["health"])


@router.get("/health")
async def health() -> Health:
    """Liveness: the process answers. Touches no database."""
    return Health(status="ok")


def _ready(cursor: duckdb.DuckDBPyConnection, warehouse: Warehouse) -> dict[str, Any]:
    build, counts = read_with_build(warehouse, cursor, lambda: rows.row_counts(cursor))
    return {"status": "ready", "row_counts": counts, **build.model_dump()}


@router.get("/ready", responses=responses(503))
async def ready(warehouse: WarehouseDep) -> Ready:
    """Readiness: the warehouse being served, its build and its rows per table (as the build counted them and
    every write since has kept them: a probe counts nothing); 503 while there is none."""
    return Ready.model_validate(await ask(warehouse, _ready, warehouse))
