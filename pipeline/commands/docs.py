"""``docs``: the data dictionary, generated from the built warehouse (``--check``: fail on drift)."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.markup import escape

from pipeline.commands.options import SUPPRESS

if TYPE_CHECKING:
    from pipeline.settings import Settings

log = logging.getLogger(__name__)


def register(subparsers: Any, common: argparse.ArgumentParser) -> None:
    docs = subparsers.add_parser(
        "docs", parents=[common], help="write the data dictionary (Markdown + Mermaid ER diagram) from the warehouse"
    )
    docs.add_argument("--warehouse", default=SUPPRESS, help="SQLite file to document (default data/warehouse.sqlite)")
    docs.add_argument("--output", type=Path, help="Markdown file to write (default <data-dir>/data_dictionary.md)")
    docs.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the file differs from a fresh generation"
    )
    docs.set_defaults(func=main)


def main(settings: Settings, args: argparse.Namespace) -> int:
    from pipeline.docs.describe import DictionaryError
    from pipeline.docs.dictionary import dictionary_markdown, write_dictionary
    from pipeline.errors import UsageError
    from pipeline.logs import console, out

    try:
        text = dictionary_markdown(settings.warehouse_path)
    except (FileNotFoundError, DictionaryError) as error:
        raise UsageError(str(error)) from None
    output: Path = args.output or settings.data_dir / "data_dictionary.md"
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            drift = f"{output} differs from the warehouse {settings.warehouse_path}; run `just docs` and commit it"
            log.info("drift: %s", drift)
            console.print(f"[bold red]drift:[/] {escape(drift)}", highlight=False, soft_wrap=True)
            return 1
        out.print(f"{output} is up to date")
        return 0
    write_dictionary(text, output)
    out.print(f"data dictionary: {output}")
    return 0
