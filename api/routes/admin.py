"""/admin: maintenance that needs an API key."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import SettingsDep, WriterDep, WritingDep
from api.models.analytics import RefreshResult
from api.problems import responses
from pipeline.warehouse.writes import resources

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post("/refresh-marts", responses=responses(401, 403, 413, 503))
def refresh_marts(writing: WritingDep, writer: WriterDep, settings: SettingsDep) -> RefreshResult:
    """Recompute every mart from the warehouse tables in one transaction (key required): after writes, analytics
    answers say `marts_stale` until this runs. Takes as long as the marts' queries (seconds per million orders)."""
    through = writer.run(resources.refresh_marts, writing, settings.data_dir)
    return RefreshResult(refreshed_through=through)
