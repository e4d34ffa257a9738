"""``python -m pipeline <command>``: parse options into the one Settings object and dispatch.

Exit statuses: 0 success, 1 invalid data, 2 usage error (a bad option, a missing input).
Each command module exposes ``register(subparsers, common)`` adding its sub-command with ``func``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import pydantic

from pipeline.errors import DataInvalid, UsageError
from pipeline.logs import console, setup_logging
from pipeline.settings import ENV_PREFIX, Settings

COMMAND_MODULES = (
    "pipeline.commands.generate",
    "pipeline.commands.validate",
    "pipeline.commands.load",
    "pipeline.commands.run",
    "pipeline.analysis.command",
    "pipeline.analysis.shell",
    "pipeline.docs.command",
)

log = logging.getLogger("pipeline")


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
    subparsers = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    common = _common_options()
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(subparsers, common)
    parser.commands = tuple(subparsers.choices)
    return parser


def settings_from(args: argparse.Namespace) -> Settings:
    """Settings from the environment, overridden by the options given; errors name the option."""
    given: dict[str, Any] = {k: v for k, v in vars(args).items() if k in Settings.model_fields}
    try:
        return Settings(**given)
    except pydantic.ValidationError as error:
        raise UsageError("; ".join(_describe(e) for e in error.errors())) from None


def _describe(error: Any) -> str:
    option = "--" + "-".join(str(p) for p in error["loc"]).replace("_", "-")
    if error["type"] == "value_error":  # our own validators: the message names the value and what is expected
        return f"{option} {error['ctx']['error']}"
    return f"{option}: {error['msg']} (got {error.get('input')!r})"


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        settings = settings_from(args)
        setup_logging(settings.log_path)
        status: int = args.func(settings, args)
    except UsageError as error:
        console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        return 2
    except DataInvalid as invalid:
        console.print(f"[bold red]invalid data:[/] {len(invalid.failures)} check(s) failed", highlight=False)
        for failure in invalid.failures:
            console.print(f"  - {failure.line()}", highlight=False, soft_wrap=True, markup=False)
        log.info("invalid data:\n%s", invalid)
        return 1
    return status


if __name__ == "__main__":
    sys.exit(main())
