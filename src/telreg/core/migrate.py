"""Run the Alembic migrations programmatically; the same files build SQLite and PostgreSQL schemas."""

from __future__ import annotations

import importlib
from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# Every context that owns tables; the migration environment imports them so autogenerate sees them all.
MODEL_MODULES = ("telreg.core.models", "telreg.dnc.models", "telreg.core.mail", "telreg.senders.models",
                 "telreg.senders.lists.models", "telreg.senders.washing.models", "telreg.realname.models",
                 "telreg.realname.lifecycle_models", "telreg.realname.lookup.models",
                 "telreg.realname.porting_models", "telreg.realname.verification_models",
                 "telreg.core.two_factor_models",
                 "telreg.core.rate_limit_models", "telreg.senders.lists.import_models",
                 "telreg.core.session_models",
                 "telreg.core.tlog.models",
                 "telreg.ecert.models", "telreg.ecert.status_models",
                 "telreg.ecert.subscription_models",
                 "telreg.ecert.mtls_models",
                 "telreg.realname.retention_models",
                 "telreg.incidents.models", "telreg.enforcement.models",
                 "telreg.realname.consent_models",
                 "telreg.core.dual_control_models", "telreg.lawful.models",
                 "telreg.realname.policy.overrides_models")


def import_all_models() -> None:
    for name in MODEL_MODULES:
        importlib.import_module(name)


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s")
    config.set_main_option("timezone", "Asia/Hong_Kong")
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def current_head() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
