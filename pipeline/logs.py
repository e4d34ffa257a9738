"""Readable logs: rich on the terminal (stderr), plain lines in data/logs/pipeline.log."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from io import TextIOWrapper
from pathlib import Path

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

console = Console(stderr=True)
out = Console()

FILE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class _LogFile(logging.FileHandler):
    """Opened (and its directory created) at the first record, so a rejected command writes nothing."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, delay=True)

    def _open(self) -> TextIOWrapper:
        Path(self.baseFilename).parent.mkdir(parents=True, exist_ok=True)
        return super()._open()

    def emit(self, record: logging.LogRecord) -> None:
        # A data directory that cannot be written (full, read-only) is reported on the terminal already;
        # failing to log that must not bury the message under a logging traceback.
        try:
            super().emit(record)
        except OSError:
            self.close()


def setup_logging(log_path: Path) -> None:
    file_handler = _LogFile(log_path)
    file_handler.setFormatter(logging.Formatter(FILE_FORMAT))
    terminal = RichHandler(console=console, show_path=False, show_time=False, markup=False)
    terminal.setLevel(logging.WARNING)
    terminal.setFormatter(logging.Formatter("%(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[terminal, file_handler], force=True)


@contextmanager
def progress(description: str, total: int) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr for long work; yields ``advance(n)``."""
    columns = (
        TextColumn("{task.description:<10}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    # Only on a terminal: piped into a file or a CI log, a bar is noise.
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task(description, total=total)
        yield lambda n: bar.advance(task, n)
