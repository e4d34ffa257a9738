"""What validation found: one entry per failed check, rendered for people and written as JSON."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pipeline import files
from pipeline.errors import Failure


@dataclass
class Report:
    source: str
    frames_validated: int = 0  # files (or generated chunks) that passed their table's pandera model
    rules_passed: int = 0  # cross-table rules (keys, foreign keys, business rules) that passed
    failures: list[Failure] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        return (
            f"{self.frames_validated} frame(s) passed their pandera model and {self.rules_passed} cross-table "
            f"rule(s) passed on {self.source}"
        )

    def write(self, path: Path) -> None:
        body = {
            "source": self.source,
            "valid": self.valid,
            "frames_validated": self.frames_validated,
            "rules_passed": self.rules_passed,
            "failures": [asdict(f) for f in self.failures],
        }
        files.write_text(path, json.dumps(body, indent=2, default=_jsonable) + "\n")


def _jsonable(value: object) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
