"""``dashboard``: serve the Streamlit dashboard (``dashboard/app.py``), headless, through ``dashboard.serve``, which
prepares the first page before the server listens."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from pipeline.commands.options import SUPPRESS

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    parser = subparsers.add_parser("dashboard", parents=[common], help="serve the Streamlit dashboard")
    parser.add_argument("--dashboard-port", default=SUPPRESS, help="port to listen on (default 8501)")
    parser.add_argument("--dashboard-host", default=SUPPRESS, help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--warehouse", default=SUPPRESS, help="SQLite file to show (default data/warehouse.sqlite)")
    parser.set_defaults(func=main)


def streamlit_options(settings: Settings) -> list[str]:
    """``streamlit run``'s arguments and options for the dashboard with these settings."""
    from pipeline.settings import PROJECT_ROOT

    return [
        "run", str(PROJECT_ROOT / "dashboard" / "app.py"),
        "--server.headless", "true", "--server.address", settings.dashboard_host,
        "--server.port", str(settings.dashboard_port), "--browser.gatherUsageStats", "false",
        # Nothing to watch in a served dashboard: the code does not change under it.
        "--server.fileWatcherType", "none",
        # A viewer's toolbar: no "Deploy" button or developer options.
        "--client.toolbarMode", "viewer",
    ]  # fmt: skip


def main(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.commands.serve import replace_process

    replace_process([sys.executable, "-m", "dashboard.serve", *streamlit_options(settings)], settings)
    return 0  # not reached
