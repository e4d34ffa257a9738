"""The one settings object: defaults, overridable by ``ECOM_*`` environment variables, then by CLI options."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "ECOM_"
PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Three years of history ending on a fixed reference date, never "today", so runs are reproducible.
WINDOW_DAYS = 3 * 365 + 1


class Settings(BaseSettings):
    """Everything a stage needs to know; built once by the CLI and passed down."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, frozen=True, extra="forbid")

    data_dir: Path = Field(default=Path("data"), description="root of every generated output")
    seed: Annotated[int, Field(ge=0, le=2**63 - 1)] = 42
    scale: Annotated[float, Field(gt=0, le=100_000)] = 1.0
    end_date: dt.date = Field(default=dt.date(2025, 12, 31), description="last day of the generation window")
    anomaly_rate: Annotated[float, Field(ge=0, le=0.2)] = 0.005
    workers: Annotated[int, Field(ge=1, le=256)] = Field(default_factory=lambda: os.cpu_count() or 1)
    warehouse: Path | None = Field(default=None, description="the SQLite warehouse (default data_dir/warehouse.sqlite)")

    @field_validator("data_dir")
    @classmethod
    def _data_dir(cls, value: Path) -> Path:
        value = value.expanduser().resolve()
        if value.exists() and not value.is_dir():
            msg = f"{value} is a file; expected a directory (created if missing)"
            raise ValueError(msg)
        return value

    @field_validator("warehouse")
    @classmethod
    def _warehouse(cls, value: Path | None) -> Path | None:
        if value is None:
            return None
        value = value.expanduser().resolve()
        if value.is_dir():
            msg = f"{value} is a directory; expected the path of a SQLite file"
            raise ValueError(msg)
        return value

    @property
    def start_date(self) -> dt.date:
        return self.end_date - dt.timedelta(days=WINDOW_DAYS - 1)

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
    def window(self) -> tuple[dt.date, dt.date]:
        return self.start_date, self.end_date

    @property
    def manifest_path(self) -> Path:
        return self.data_dir / "manifest.json"

    @property
    def report_path(self) -> Path:
        return self.data_dir / "reports" / "validation.json"

    @property
    def log_path(self) -> Path:
        return self.data_dir / "logs" / "pipeline.log"
