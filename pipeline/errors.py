"""The two ways a command fails on purpose; the CLI maps them to exit statuses 2 and 1."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pipeline.validate.report import Failure


class UsageError(Exception):
    """A bad option, a missing input or a wrong name: exit status 2, nothing written."""


class DataInvalid(Exception):
    """The data breaks hard rules: exit status 1, and nothing downstream is written."""

    def __init__(self, failures: list[Failure]) -> None:
        self.failures = failures
        super().__init__("\n".join(f.line() for f in failures))
