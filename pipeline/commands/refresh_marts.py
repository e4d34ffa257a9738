"""``refresh-marts``: recompute every mart from the warehouse's own tables (after writes made through the API)."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from pipeline.commands.options import SUPPRESS

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser(
        "refresh-marts", parents=[common], help="recompute the marts from the warehouse tables in one transaction"
    )
    parser.add_argument("--warehouse", default=SUPPRESS, help="SQLite file (default data/warehouse.sqlite)")
    parser.set_defaults(func=main)


def main(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.analysis.sources import require_warehouse
    from pipeline.logs import out
    from pipeline.warehouse.marts import refresh_marts

    require_warehouse(settings.warehouse_path)
    through = refresh_marts(settings.warehouse_path, settings.data_dir)
    out.print(f"marts of {settings.warehouse_path} refreshed; they include every write up to audit_id {through}")
    return 0
