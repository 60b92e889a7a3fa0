"""Settings: one typed object read from ``OPCOORD_*`` environment variables."""

import os
import secrets
from functools import lru_cache
from pathlib import Path
from types import UnionType
from typing import Literal, Union, get_args, get_origin

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url


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
        description="'production' refuses to start with a known, short or default secret "
        "(admin token, audit key, database password) and says which.",
    )
    audit_key: str | None = Field(
        default=None,
        description="Secret (at least 32 characters) the audit log's chain is computed with; "
        "kept outside the database, the same on every instance. Required in production "
        "(or OPCOORD_AUDIT_KEY_FILE).",
    )
    audit_key_file: Path | None = Field(
        default=None,
        description="A file holding the audit key. In development, when neither is set, a key "
        "is made once in a 0600 file beside the SQLite database.",
    )
    token_days: int = Field(
        default=365,
        ge=0,
        description="Days an API token stays valid after it is issued or rotated (0: no expiry).",
    )
    session_hours: int = Field(
        default=12,
        ge=1,
        le=24 * 366,
        description="Hours a browser sign-in lasts (the demo, whose clock runs fast, sets more).",
    )
    live_max_per_account: int = Field(
        default=20,
        ge=1,
        description="Open live connections (websockets) one account may hold, all instances "
        "together; beyond, a new one is closed with 1008.",
    )
    writes_per_minute: int = Field(
        default=600,
        ge=1,
        description="Writes one account may make a minute, all instances together (a "
        "coordinator scripting the set-up of a hundred countries makes a few hundred); "
        "beyond, 429 with Retry-After.",
    )
    forwarded_allow_ips: str = Field(
        default="127.0.0.1",
        description="Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed "
        "(comma-separated addresses, or * behind a proxy you control).",
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
    db_pool_size: int = Field(
        default=10,
        description="Connections per process (PostgreSQL): up to twice as many under load, "
        "each kept once opened.",
    )
    scheduler_enabled: bool = Field(
        default=True,
        description="Run the day cycle (reminders, day closes, closing report) in this process.",
    )
    reminder_lead_minutes: int = Field(
        default=60,
        ge=1,
        description="How long before each daily cut-off the reminder goes to countries still due.",
    )
    watchlist_hit_threshold: float = Field(
        default=0.75,
        ge=0,
        le=1,
        description="Score (0 to 1) from which a seizure matching a listed stolen object is "
        "a hit for a coordinator to review (see docs/intelligence.md for the measured "
        "precision and recall at each threshold).",
    )
    watchlist_max_bytes: int = Field(
        default=40 * 1024 * 1024,
        ge=1024,
        description="Largest watchlist file accepted (CSV or XLSX); larger ones get 413.",
    )
    watchlist_max_objects: int = Field(
        default=200_000,
        ge=1,
        description="Most objects in one watchlist file.",
    )
    watchlist_catch_up_seconds: int = Field(
        default=60,
        ge=1,
        description="How often each server looks for seizures not yet checked against "
        "every list (a check lost when a process stopped between a save and its check).",
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
    report_render_processes: int = Field(
        default=2,
        ge=1,
        le=2,
        description="Processes that draw a report's files beside each server process: with 2 "
        "(and two cores) the PDF is drawn beside the other files, about a third sooner, for some "
        "270 MB more while an operation closes; 1 draws them one after another.",
    )

    outbound_enabled: bool = Field(
        default=True,
        description="Send webhook deliveries and e-mails from this process (every instance "
        "may: each delivery is claimed by one of them at a time).",
    )
    outbound_poll_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How often the outbound worker looks for new events and due retries "
        "(a write in this process wakes it within a tenth of a second).",
    )
    outbound_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="How long one webhook request or SMTP exchange may take before it "
        "counts as a failed attempt.",
    )
    outbound_lease_seconds: int = Field(
        default=60,
        ge=1,
        description="How long an instance holds a delivery it is sending; if it dies, another "
        "instance retries after this (the receiver sees the same X-Opcoord-Delivery id).",
    )
    outbound_backoff_seconds: int = Field(
        default=10,
        ge=1,
        description="Wait before the first retry of a failed delivery; each retry waits twice "
        "as long as the one before.",
    )
    outbound_backoff_max_seconds: int = Field(
        default=3600,
        ge=1,
        description="The longest wait between two attempts of a delivery.",
    )
    outbound_max_attempts: int = Field(
        default=8,
        ge=1,
        description="Attempts of a delivery before it is marked failed.",
    )
    webhook_allow_private: bool | None = Field(
        default=None,
        description="Allow webhooks to loopback, private and link-local addresses "
        "(127.0.0.1, 10.x, 192.168.x, localhost). Unset: allowed outside production, refused "
        "in production.",
    )
    smtp_url: str | None = Field(
        default=None,
        description="SMTP server for e-mails (reminders, report ready, ...): "
        "smtp://[user:password@]host[:port] (STARTTLS when the server offers it) or "
        "smtps://... (TLS from the start). Unset: no e-mail is sent.",
    )
    smtp_from: str = Field(
        default="opcoord@localhost",
        description="The From address of opcoord's e-mails.",
    )

    log_format: Literal["text", "json"] = Field(
        default="text",
        description="'json': one JSON object per log line, with request_id, user and "
        "operation where known (for a log collector); 'text': lines for a person.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info",
        description="The least severe log lines written. The scheduler's per-job lines and "
        "WeasyPrint's CSS warnings count as debug.",
    )
    ready_timeout_seconds: float = Field(
        default=2.0,
        gt=0,
        description="How long GET /ready waits for the database before it answers 503.",
    )

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return normalise_database_url(value)

    @field_validator("admin_token", "audit_key", "smtp_url", mode="before")
    @classmethod
    def _unset_when_empty(cls, value: object) -> object:
        return None if value == "" else value  # VAR= in a compose file means "not set"

    @field_validator("admin_token")
    @classmethod
    def _strong_token(cls, value: str | None) -> str | None:
        if value is not None and len(value) < 16:
            raise ValueError("OPCOORD_ADMIN_TOKEN must be at least 16 characters")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_scheme(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("smtp://", "smtps://")):
            raise ValueError("OPCOORD_SMTP_URL must start with smtp:// or smtps://")
        return value

    @property
    def private_webhooks(self) -> bool:
        """Whether webhooks may target loopback and private addresses."""
        if self.webhook_allow_private is not None:
            return self.webhook_allow_private
        return self.environment != "production"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def sqlite_path(self) -> Path | None:
        """The SQLite file, or None (PostgreSQL, or an in-memory database)."""
        if not self.is_sqlite:
            return None
        name = make_url(self.database_url).database
        return Path(name) if name and name != ":memory:" else None

    def production_problems(self) -> list[str]:
        """Why this configuration may not run in production (empty: it may)."""
        problems = []
        if self.admin_token is not None and (
            len(self.admin_token) < STRONG or self.admin_token in KNOWN_SECRETS
        ):
            problems.append(
                f"OPCOORD_ADMIN_TOKEN is short or a published example: use {STRONG}+ random "
                "characters (python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        if self.audit_key is None and self.audit_key_file is None:
            problems.append("OPCOORD_AUDIT_KEY (or OPCOORD_AUDIT_KEY_FILE) is not set")
        elif self.audit_key is not None and (
            len(self.audit_key) < STRONG or self.audit_key in KNOWN_SECRETS
        ):
            problems.append(f"OPCOORD_AUDIT_KEY is short or a published example ({STRONG}+)")
        if not self.is_sqlite:
            password = make_url(self.database_url).password
            if password is not None and (password in KNOWN_SECRETS or len(password) < 12):
                problems.append("the database password in OPCOORD_DATABASE_URL is a default")
        return problems


#: Secrets that appear in the docs, examples and tests: never acceptable in production.
KNOWN_SECRETS = frozenset(
    {
        "postgres",
        "opcoord",
        "password",
        "change-me",
        "changeme",
        "secret",
        "test-admin-token-0123456789",
        "admin-token-change-me-0123456789",
        "demo-password",
    }
)
STRONG = 32


def audit_key(settings: Settings) -> bytes:
    """The audit chain's key: the setting, else its file, else (outside production) a
    key made once in a 0600 file beside the SQLite database or in the current folder."""
    if settings.audit_key:
        return settings.audit_key.encode()
    path = settings.audit_key_file
    if path is None:
        if settings.environment == "production":
            raise RuntimeError("OPCOORD_AUDIT_KEY (or OPCOORD_AUDIT_KEY_FILE) is not set")
        db = settings.sqlite_path
        path = db.with_name(db.name + ".audit-key") if db else Path("opcoord.audit-key")
        if not path.exists():
            # Written aside, then linked into place: a server starting at the same
            # moment either wins the link or reads the winner's complete key.
            tmp = path.with_name(f".{path.name}.{os.getpid()}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(48))
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
    key = path.read_text().strip()
    if len(key) < 16:
        raise RuntimeError(f"the audit key in {path} is too short")
    return key.encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


# --- the configuration reference (docs/configuration.md) ----------------------------------


def _type_words(annotation: object) -> str:
    """A setting's type as a reader says it: ``integer``, ``one of `a`, `b```, ..."""
    if get_origin(annotation) is Literal:
        return "one of " + ", ".join(f"`{value}`" for value in get_args(annotation))
    if get_origin(annotation) in (UnionType, Union):
        kinds = [_type_words(arg) for arg in get_args(annotation) if arg is not type(None)]
        return " or ".join(kinds) + " (optional)"
    names: dict[object, str] = {
        str: "text",
        int: "integer",
        float: "number",
        bool: "`true` / `false`",
        Path: "path",
    }
    return names.get(annotation) or str(getattr(annotation, "__name__", annotation))


def _bounds(metadata: list[object]) -> str:
    words = {"ge": "≥", "gt": ">", "le": "≤", "lt": "<"}
    parts = [
        f"{sign} {getattr(item, name)}"
        for item in metadata
        for name, sign in words.items()
        if hasattr(item, name)
    ]
    return f" ({', '.join(parts)})" if parts else ""


def _default_words(value: object) -> str:
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, int) and value >= 1024 * 1024 and value % (1024 * 1024) == 0:
        return f"`{value}` ({value // (1024 * 1024)} MiB)"
    return f"`{value}`"


def configuration_reference() -> str:
    """docs/configuration.md, made from ``Settings``: regenerate it with
    ``python scripts/config-reference.py`` whenever a setting changes."""
    prefix = Settings.model_config.get("env_prefix", "")
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated from opcoord.config.Settings by scripts/config-reference.py;",
        "     do not edit by hand: tests/test_config_reference.py fails when it is stale. -->",
        "",
        "opcoord reads its settings from environment variables (for the admin token and the",
        "audit key, an empty value counts as unset). A bad value stops the server at start,",
        "naming the setting. How the settings fit a deployment:",
        "[operations.md](operations.md) and [deployment.md](deployment.md).",
        "",
        "| variable | type | default | what |",
        "|---|---|---|---|",
    ]
    for name, field in Settings.model_fields.items():
        description = " ".join((field.description or "").split()).replace("|", "\\|")
        kind = _type_words(field.annotation) + _bounds(list(field.metadata))
        lines.append(
            f"| `{prefix}{name.upper()}` | {kind} | {_default_words(field.default)} "
            f"| {description} |"
        )
    lines += [
        "",
        f"In production (`{prefix}ENVIRONMENT=production`) the server refuses to start with a",
        f"short, default or published secret: `{prefix}ADMIN_TOKEN` and `{prefix}AUDIT_KEY`",
        f"need {STRONG}+ characters, the audit key (or `{prefix}AUDIT_KEY_FILE`) is required,",
        "and the database password may not be a default.",
        "",
    ]
    return "\n".join(lines)
