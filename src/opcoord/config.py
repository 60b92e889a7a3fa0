"""Settings: one typed object read from ``OPCOORD_*`` environment variables."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def normalise_database_url(url: str) -> str:
    """Accept a plain ``postgresql://`` URL and give it the async driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite://") and not url.startswith("sqlite+aiosqlite://"):
        return "sqlite+aiosqlite://" + url[len("sqlite://") :]
    return url


class Settings(BaseSettings):
    """Everything opcoord reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="OPCOORD_", extra="ignore")

    database_url: str = Field(
        default="sqlite+aiosqlite:///./opcoord.db",
        description="SQLAlchemy URL with its async driver; a plain postgresql:// URL is accepted.",
    )
    admin_token: str | None = Field(
        default=None,
        description="If set, a coordinator account 'admin' with this API token exists at start.",
    )
    environment: Literal["development", "production", "test"] = Field(
        default="development",
        description="'production' refuses insecure defaults (weak admin token).",
    )
    max_body_bytes: int = Field(
        default=5 * 1024 * 1024,
        description="Largest accepted request body; larger ones get 413.",
    )
    frontend_dir: Path | None = Field(
        default=None,
        description="Where the pages and vendored assets live; found next to the package if unset.",
    )
    tile_url: str | None = Field(
        default=None,
        description="Optional map tile URL template for deployments that have a tile server.",
    )
    db_pool_size: int = Field(default=10, description="Connections per process (PostgreSQL).")
    scheduler_enabled: bool = Field(
        default=True,
        description="Run the day cycle (reminders, day closes, closing report) in this process.",
    )
    reminder_lead_minutes: int = Field(
        default=60,
        ge=1,
        description="How long before each daily cut-off the reminder goes to countries still due.",
    )
    scheduler_sync_seconds: int = Field(
        default=60,
        ge=1,
        description="How often the scheduler re-reads operations from the database (new ones, "
        "manual closes) and catches up on anything missed.",
    )
    report_build_lease_seconds: int = Field(
        default=900,
        ge=10,
        description="After this long, a report build that has not finished (its process died) "
        "is taken over by another instance.",
    )

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("admin_token")
    @classmethod
    def _strong_token(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 16:
            raise ValueError("OPCOORD_ADMIN_TOKEN must be at least 16 characters")
        return value

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
