"""The one settings object: defaults, overridden by ``ECOM_*`` environment variables, then by CLI options.

Every field can be set as ``ECOM_<FIELD>`` (``ECOM_DATA_DIR``, ``ECOM_SCALE``, ``ECOM_API_KEYS``, ...) and most
as ``--<field>``. Values are parsed and checked once, when the settings are built; an error names the option
or variable, what is expected and what was given. A frozen dataclass with its own checks rather than
pydantic-settings: that package alone takes half a second to import, and the CLI must start in a tenth of that.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ENV_PREFIX = "ECOM_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Three years of history ending on a fixed reference date, never "today", so runs are reproducible.
WINDOW_DAYS = 3 * 365 + 1
DEFAULT_END_DATE = dt.date(2025, 12, 31)
Window = tuple[dt.date, dt.date]  # the first and the last day of the data's date window, both included
SOURCE_FORMATS = ("parquet", "csv")  # what a --source directory of validate and load may hold


class SettingsError(ValueError):
    """One or more settings are invalid; the message has one part per setting."""


def _integer(text: str) -> int:
    try:
        return int(text.strip().replace("_", ""))
    except ValueError:
        msg = "should be an integer"
        raise ValueError(msg) from None


def _number(text: str) -> float:
    try:
        value = float(text.strip().replace("_", ""))
    except ValueError:
        msg = "should be a number"
        raise ValueError(msg) from None
    if not math.isfinite(value):
        msg = "should be a finite number"
        raise ValueError(msg)
    return value


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        msg = "should be a valid date, YYYY-MM-DD"
        raise ValueError(msg) from None


def _path(text: str) -> Path:
    if not text.strip():
        msg = "should be a path"
        raise ValueError(msg)
    return Path(text).expanduser().resolve()


_SIZE = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?)\s*(?P<unit>B|KB|MB|GB|TB|KiB|MiB|GiB|TiB|%)\s*$", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 1000, "mb": 1000**2, "gb": 1000**3, "tb": 1000**4}
_UNITS |= {"kib": 1024, "mib": 1024**2, "gib": 1024**3, "tib": 1024**4}


def _memory(text: str) -> str:
    """A memory budget as DuckDB writes sizes (``2GiB``, ``512MB``) or a share of the memory available (``25%``)."""
    found = _SIZE.match(text)
    if found is None:
        msg = "should be a size such as 2GiB or 512MB, or a share of the memory available such as 25%"
        raise ValueError(msg)
    return f"{found['number']}{found['unit'].upper() if found['unit'] != '%' else '%'}".replace("IB", "iB")


# The named steps of publishing a set, in order (pipeline.output_sets); ECOM_FAULT_AT=<step> kills a command there.
PUBLISHING_STEPS = ("built", "synced", "renamed", "switched", "linked", "retired")


def _fault_step(text: str) -> str | None:
    step = text.strip() or None
    if step is not None and step not in PUBLISHING_STEPS:
        msg = f"should be one of the publishing steps {', '.join(PUBLISHING_STEPS)} (or empty), not {step!r}"
        raise ValueError(msg)
    return step


def _comma_list(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


# A browser origin as the Origin header sends it: a scheme and a host, with a port or not, and nothing after.
_ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$")


def _origins(value: tuple[str, ...]) -> None:
    wrong = [origin for origin in value if origin != "*" and not _ORIGIN.match(origin)]
    if wrong:
        msg = f"should be origins such as https://shop.example or http://localhost:3000, or *; not {', '.join(wrong)}"
        raise ValueError(msg)


def _between(low: float, high: float, *, low_open: bool = False) -> Callable[[Any], None]:
    def check(value: Any) -> None:
        if value < low or (low_open and value == low):
            bound = f"greater than {low:g}" if low_open else f"greater than or equal to {low:g}"
            msg = f"should be {bound}"
            raise ValueError(msg)
        if value > high:
            msg = f"should be less than or equal to {high:g}"
            raise ValueError(msg)

    return check


def _directory(value: Path) -> None:
    if value.exists() and not value.is_dir():
        msg = "should be a directory (created if missing), not a file"
        raise ValueError(msg)


def _memory_in_range(value: str) -> None:
    if value.endswith("%") and not 0 < float(value[:-1]) <= 100:
        msg = "should be a share between 0% and 100%"
        raise ValueError(msg)
    if not value.endswith("%") and memory_bytes(value) < 64 * 1024**2:
        msg = "should be at least 64MiB"
        raise ValueError(msg)


def memory_bytes(value: str) -> int:
    """A budget checked by the settings (``2GiB``, ``512MB``, ``25%``) in bytes, a share taken of the memory available
    to this process: the cgroup's limit where there is one (a container), else the machine's."""
    if value.endswith("%"):
        return int(available_memory() * float(value[:-1]) / 100)
    found = _SIZE.match(value)
    assert found is not None
    return int(float(found["number"]) * _UNITS[found["unit"].lower()])


def available_memory() -> int:
    """The memory this process may use: its cgroup's limit (v2, then v1) if lower than the machine's RAM."""
    machine = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            text = Path(path).read_text().strip()
        except OSError:
            continue
        if text.isdigit():
            return min(machine, int(text))
    return machine


def _database_file(value: Path | None) -> None:
    if value is not None and value.is_dir():
        msg = "should be the path of a SQLite file, not a directory"
        raise ValueError(msg)


def _spec(parse: Callable[[str], Any], check: Callable[[Any], None] | None = None) -> dict[str, Any]:
    """How a setting given as text is parsed, and how its value is checked."""
    return {"parse": parse, "check": check}


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know; built once by the CLI (or the API, or the dashboard) and passed down."""

    data_dir: Path = field(default_factory=lambda: Path("data").resolve(), metadata=_spec(_path, _directory))
    seed: int = field(default=42, metadata=_spec(_integer, _between(0, 2**63 - 1)))
    scale: float = field(default=1.0, metadata=_spec(_number, _between(0, 100_000, low_open=True)))
    end_date: dt.date = field(default=DEFAULT_END_DATE, metadata=_spec(_date))
    anomaly_rate: float = field(default=0.005, metadata=_spec(_number, _between(0, 0.2)))
    workers: int = field(default_factory=lambda: os.cpu_count() or 1, metadata=_spec(_integer, _between(1, 256)))
    # ECOM_MEMORY_LIMIT: what a command may use in all (DuckDB spills beyond it); a share of the memory available
    # (the cgroup's limit in a container) by default, so that it fits the machine it runs on.
    memory_limit: str = field(default="25%", metadata=_spec(_memory, _memory_in_range))
    # ECOM_KEEP_BUILDS: published sets kept besides the current one, for `builds --rollback`.
    keep_builds: int = field(default=0, metadata=_spec(_integer, _between(0, 1000)))
    # ECOM_FAULT_AT: for tests: kill the command at this publishing step (PUBLISHING_STEPS).
    fault_at: str | None = field(default=None, metadata=_spec(_fault_step))
    warehouse: Path | None = field(default=None, metadata=_spec(_path, _database_file))
    api_host: str = field(default="127.0.0.1", metadata=_spec(str.strip))
    api_port: int = field(default=8000, metadata=_spec(_integer, _between(1, 65_535)))
    api_workers: int = field(default=1, metadata=_spec(_integer, _between(1, 64)))
    # ECOM_API_KEYS: comma-separated; with none, the API is read-only.
    api_keys: tuple[str, ...] = field(default=(), metadata=_spec(_comma_list))
    # Analyses run through the API (GET /analytics/queries/<name>): a time limit each, and how many at once
    # per API process, so that they cannot starve the keyed reads.
    api_query_seconds: float = field(default=30.0, metadata=_spec(_number, _between(0, 3600, low_open=True)))
    api_query_slots: int = field(default=2, metadata=_spec(_integer, _between(1, 64)))
    # The most rows one answer of a mart or an analysis holds; a larger result pages (lists keep their 1,000).
    # 10,000 fits the daily revenue mart's three years (1,096 days) in one answer.
    api_max_rows: int = field(default=10_000, metadata=_spec(_integer, _between(100, 1_000_000)))
    # The largest request body the API reads (1 MiB); a larger one is refused with 413 before it is read.
    api_max_body_bytes: int = field(default=2**20, metadata=_spec(_integer, _between(1024, 2**30)))
    # How long a write waits for the warehouse (the write lock, readers finishing) before it answers busy.
    api_write_wait_seconds: float = field(default=5.0, metadata=_spec(_number, _between(0, 3600, low_open=True)))
    # Cache-Control: max-age of the GET answers; 0: clients revalidate every time (cheaply, with If-None-Match).
    api_cache_seconds: int = field(default=0, metadata=_spec(_integer, _between(0, 31_536_000)))
    # Browser origins allowed to call the API (CORS), comma-separated; none: no CORS headers at all.
    api_cors_origins: tuple[str, ...] = field(default=(), metadata=_spec(_comma_list, _origins))
    dashboard_host: str = field(default="127.0.0.1", metadata=_spec(str.strip))
    dashboard_port: int = field(default=8501, metadata=_spec(_integer, _between(1, 65_535)))

    def __post_init__(self) -> None:
        problems = []
        for spec in fields(self):
            check = spec.metadata["check"]
            if check is None:
                continue
            value = getattr(self, spec.name)
            try:
                check(value)
            except ValueError as error:
                problems.append(f"{spec.name}: {error} (got {value!r})")
        if problems:
            raise SettingsError("; ".join(problems))

    @classmethod
    def load(cls, given: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults, then ``ECOM_*`` variables, then ``given`` (option values: text is parsed, the rest checked).

        Raises SettingsError naming every invalid setting (``--option`` or ``ECOM_VARIABLE``), what is expected
        and what was given.
        """
        environ = os.environ if environ is None else environ
        given = dict(given or {})
        values: dict[str, Any] = {}
        problems = []
        for spec in fields(cls):
            variable = ENV_PREFIX + spec.name.upper()
            if spec.name in given:
                where, raw = "--" + spec.name.replace("_", "-"), given.pop(spec.name)
            elif variable in environ:
                where, raw = variable, environ[variable]
            else:
                continue
            try:
                value = spec.metadata["parse"](raw) if isinstance(raw, str) else raw
                if spec.metadata["check"] is not None:
                    spec.metadata["check"](value)
            except ValueError as error:
                problems.append(f"{where}: {error} (got {raw!r})")
                continue
            values[spec.name] = value
        if given:
            msg = f"unknown settings: {', '.join(sorted(given))}"
            raise TypeError(msg)
        if problems:
            raise SettingsError("; ".join(problems))
        return cls(**values)

    @property
    def start_date(self) -> dt.date:
        return self.end_date - dt.timedelta(days=WINDOW_DAYS - 1)

    @property
    def window(self) -> Window:
        return self.start_date, self.end_date

    @property
    def lake_dir(self) -> Path:
        return self.data_dir / "lake"

    @property
    def labels_path(self) -> Path:
        return self.data_dir / "labels" / "anomalies.parquet"

    @property
    def warehouse_path(self) -> Path:
        return self.warehouse or self.data_dir / "warehouse.sqlite"

    @property
    def manifest_path(self) -> Path:
        return self.data_dir / "manifest.json"

    @property
    def report_path(self) -> Path:
        return self.data_dir / "reports" / "validation.json"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "logs" / "pipeline.log"

    @property
    def last_validation_path(self) -> Path:
        """The report of the last validation, whatever it checked (``validate``, or data a command refused)."""
        return self.data_dir / "logs" / "validation.json"

    @property
    def analysis_dir(self) -> Path:
        return self.data_dir / "analysis"

    @property
    def profiling_dir(self) -> Path:
        return self.data_dir / "profiling_reports"

    @property
    def edits_dir(self) -> Path:
        """Where API writes are archived before a rebuild replaces the warehouse that holds them."""
        return self.data_dir / "edits"
