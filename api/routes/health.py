"""/health (the process answers; no database) and /ready (a warehouse is being served: which, and how big)."""

from __future__ import annotations

import threading

from fastapi import APIRouter

from api.deps import CursorDep, WarehouseDep
from api.models.common import BuildInfo, Health, Ready
from api.problems import responses
from pipeline.warehouse.reads import rows

router = APIRouter(tags=["health"])

# Row counts by build version (a rebuild or a write changes it): counting a large warehouse takes seconds.
_counts: dict[str, dict[str, int]] = {}
_counts_lock = threading.Lock()


@router.get("/health")
def health() -> Health:
    """Liveness: the process answers. Touches no database."""
    return Health(status="ok")


@router.get("/ready", responses=responses(503))
def ready(cursor: CursorDep, warehouse: WarehouseDep) -> Ready:
    """Readiness: the warehouse being served, its build and its rows per table; 503 while there is none."""
    build = warehouse.build(cursor)
    with _counts_lock:
        counts = _counts.get(build.version)
    if counts is None:
        counts = rows.row_counts(cursor)
        if warehouse.build(cursor) == build:  # counted in the build it is labelled with
            with _counts_lock:
                _counts.clear()
                _counts[build.version] = counts
    return Ready(status="ready", row_counts=counts, **BuildInfo.model_validate(build).model_dump())
