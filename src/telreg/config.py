"""Settings read from the environment (prefix ``TELREG_``); every field says what it is for."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

BUSINESS_TIMEZONE = "Asia/Hong_Kong"


class Environment(str, Enum):
    production = "production"
    development = "development"
    test = "test"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TELREG_", extra="ignore")

    env: Environment = Field(Environment.development, description="production | development | test")
    database_url: str = Field(
        "sqlite:///./var/telreg.sqlite3",
        description="SQLAlchemy URL; SQLite (embedded default) or postgresql+psycopg://…",
    )
    data_dir: Path = Field(Path("./var/data"), description="Files kept outside the database (uploads, publications)")
    secret_key: str | None = Field(
        None,
        description="Signs session cookies; when unset outside production a key is generated under data_dir",
    )

    update_window_start: dt.time = Field(dt.time(23, 0), description="Nightly update window opens (HK time)")
    update_window_end: dt.time = Field(dt.time(0, 0), description="Nightly update window closes (HK time)")

    warning_window_start: dt.time = Field(dt.time(9, 0), description="A warning in force after this makes a warning day")
    warning_window_end: dt.time = Field(dt.time(17, 0), description="… and before this")
    protection_working_days: int = Field(10, description="Protection starts on this working day after registration")

    callback_attempts: int = Field(3, description="Callback attempts before a registration fails")
    callback_interval_minutes: int = Field(15, description="Minutes between callback attempts")
    fax_code_ttl_minutes: int = Field(60 * 24, description="Minutes a faxed authentication code stays valid")
    fax_code_max_wrong: int = Field(3, description="Wrong codes keyed before a fax verification fails")
    fax_send_attempts: int = Field(3, description="Attempts to deliver the code fax when the line is busy")

    max_upload_bytes: int = Field(5 * 1024 * 1024, description="Largest uploaded document accepted (bytes)")
    feed_max_bytes: int = Field(64 * 1024 * 1024, description="Largest operator feed file accepted (bytes)")
    telephony_adapter: str = Field("logging", description="logging (demo) | fake (tests)")

    @property
    def is_production(self) -> bool:
        return self.env is Environment.production


@lru_cache
def get_settings() -> Settings:
    return Settings()
