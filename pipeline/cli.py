"""``python -m pipeline <command>``: parse options into the one Settings object, run the command, map failures.

Exit statuses: 0 success; 1 invalid data, or a rebuild refused because the warehouse holds API writes;
2 usage error (a bad option, a missing input); 3 out of resources (disk full, permission denied, out of
memory); 130 interrupted (Ctrl-C), 143 terminated (SIGTERM); 70 an internal error (a bug: see the log).
Each command is a module of ``pipeline.commands`` exposing ``register(subparsers, common)``, which adds its
sub-command with ``func``. Command modules import what their work needs when it runs, not here: building the
parser (and ``--help``) stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import threading
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from pipeline import cancel
from pipeline.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_RESOURCES,
    EXIT_TERMINATED,
    EXIT_USAGE,
    DataInvalid,
    Refused,
    ResourceError,
    UsageError,
    as_resource_error,
)
from pipeline.settings import ENV_PREFIX, Settings, SettingsError

COMMANDS = (
    "generate",
    "validate",
    "load",
    "run",
    "analyze",
    "sql",
    "docs",
    "profile",
    "api",
    "dashboard",
    "refresh-marts",
    "builds",
    "spark",
)

Command = Callable[[Settings, argparse.Namespace], int]
SIGNAL_POLL_SECONDS = 0.05


class Parser(argparse.ArgumentParser):
    """argparse that reports a usage error as one line (UsageError) instead of usage text and exit."""

    commands: tuple[str, ...] = ()

    def error(self, message: str) -> NoReturn:
        if "required: COMMAND" in message:
            message = f"a command is required: one of {', '.join(self.commands)}"
        raise UsageError(message)


def _common_options() -> argparse.ArgumentParser:
    common = Parser(add_help=False)
    common.add_argument(
        "--data-dir",
        default=argparse.SUPPRESS,
        help=f"root of all outputs (default ./data, or ${ENV_PREFIX}DATA_DIR)",
    )
    return common


def build_parser() -> Parser:
    parser = Parser(prog="python -m pipeline", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", dest="command", required=True)
    common = _common_options()
    for name in COMMANDS:
        importlib.import_module(f"pipeline.commands.{name.replace('-', '_')}").register(subparsers, common)
    parser.commands = tuple(subparsers.choices)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment, overridden by the options given; errors name the option."""
    given: dict[str, Any] = {k: v for k, v in vars(args).items() if k in Settings.__dataclass_fields__}
    try:
        return Settings.load(given)
    except SettingsError as error:
        raise UsageError(str(error)) from None


def _error(label: str, text: str) -> None:
    from rich.markup import escape

    from pipeline.logs import console

    console.print(f"[bold red]{label}:[/] {escape(text)}", highlight=False, soft_wrap=True)


def _run(command: Command, settings: Settings, args: argparse.Namespace) -> int:
    """Run ``command`` in a worker thread; the main thread only waits, so a signal is handled at once.

    A Python signal handler runs only in the main thread, and only between bytecodes: not while that thread
    is inside a long DuckDB or SQLite call. Here the main thread only waits; on SIGINT/SIGTERM the handler
    interrupts every registered connection (``pipeline.cancel``), the worker unwinds through its clean-up,
    and the command ends with 130 (or 143).
    """
    outcome: list[int | BaseException] = []

    def work() -> None:
        try:
            outcome.append(command(settings, args))
        except BaseException as error:  # handed to the main thread, which decides the exit status
            outcome.append(error)

    previous = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    cancel.install_signal_handlers()
    worker = threading.Thread(target=work, name=f"pipeline {args.command}")
    worker.start()
    try:
        # The kernel may deliver the signal to any thread (DuckDB runs many); Python only runs its handler when
        # the main thread next looks, so it looks often instead of blocking until the work is done.
        while worker.is_alive():
            worker.join(SIGNAL_POLL_SECONDS)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    if cancel.requested() is not None:
        return _interrupted(cancel.requested() or signal.SIGINT)
    result = outcome[0]
    if isinstance(result, BaseException):
        return _failed(result, settings)
    return result


def _interrupted(number: int) -> int:
    published = cancel.published()
    changed = f"{', '.join(published)} had already been published" if published else "nothing changed"
    _error("interrupted", changed)
    return EXIT_TERMINATED if number == signal.SIGTERM else EXIT_INTERRUPTED


def _failed(error: BaseException, settings: Settings) -> int:
    import logging

    log = logging.getLogger("pipeline")
    if isinstance(error, UsageError):
        _error("error", str(error))
        return EXIT_USAGE
    if isinstance(error, DataInvalid):
        _error("invalid data", f"{len(error.failures)} check(s) failed")
        from pipeline.logs import console

        for failure in error.failures:
            console.print(f"  - {failure.line()}", highlight=False, soft_wrap=True, markup=False)
        log.info("invalid data:\n%s", error)
        return EXIT_INVALID
    if isinstance(error, Refused):
        _error("refused", str(error))
        log.info("refused: %s", error)
        return EXIT_INVALID
    resource = error if isinstance(error, ResourceError) else as_resource_error(error, settings.data_dir, "running")
    if resource is not None:
        _error("out of resources", str(resource))
        log.info("out of resources: %s", resource, exc_info=error)  # the cause for the log file only
        return EXIT_RESOURCES
    log.error("internal error", exc_info=error)  # the traceback, on the terminal and in the log
    _error("internal error", f"{type(error).__name__}: {error}; this is a bug, the traceback is in {settings.log_path}")
    return EXIT_INTERNAL


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        settings = settings_from(args)
    except UsageError as error:
        _error("error", str(error))
        return EXIT_USAGE
    from pipeline.logs import setup_logging

    setup_logging(settings.log_path)
    return _run(args.func, settings, args)
