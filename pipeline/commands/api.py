"""``api``: serve the REST API (``api.main:app``) with uvicorn."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from pipeline.commands.options import SUPPRESS

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("api", parents=[common], help="serve the REST API over the warehouse (uvicorn)")
    parser.add_argument("--api-host", default=SUPPRESS, help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--api-port", default=SUPPRESS, help="port to listen on (default 8000)")
    parser.add_argument("--api-workers", default=SUPPRESS, help="uvicorn worker processes (default 1)")
    parser.add_argument("--warehouse", default=SUPPRESS, help="SQLite file to serve (default data/warehouse.sqlite)")
    parser.set_defaults(func=main)


def main(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.serve import replace_process

    argv = [sys.executable, "-m", "uvicorn", "api.main:app", "--host", settings.api_host,
            "--port", str(settings.api_port), "--workers", str(settings.api_workers), "--no-access-log"]  # fmt: skip
    replace_process(argv, settings)
    return 0  # not reached
