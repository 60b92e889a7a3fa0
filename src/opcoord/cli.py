"""The opcoord command line: serve, users, migrate. Calls the same actions as the API."""

import asyncio
import sys
from typing import Any

import click

from opcoord.accounts.identity import Role
from opcoord.config import Settings, get_settings
from opcoord.errors import DomainError


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


@click.group()
def main() -> None:
    """opcoord: coordination of joint operations against trafficking in cultural objects."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def serve(host: str, port: int) -> None:
    """Apply migrations, then run the server (database from OPCOORD_DATABASE_URL)."""
    import uvicorn

    from opcoord.app import create_app
    from opcoord.db import migrate_url

    settings = get_settings()
    _run(migrate_url(settings.database_url))
    if not settings.admin_token:
        token = _run(_bootstrap(settings))
        if token:
            click.echo("First start: created the coordinator account 'admin'. Its API token,")
            click.echo("shown only now (use it as 'Authorization: Bearer <token>'):")
            click.echo(token)
    uvicorn.run(
        create_app(settings), host=host, port=port, log_level="info", ws="websockets-sansio"
    )


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--db",
    "db_file",
    default="opcoord-demo.db",
    show_default=True,
    help="SQLite file for the demo; recreated at every start.",
)
def demo(host: str, port: int, db_file: str) -> None:
    """Run the server with a seeded demo operation and simulated contact points."""
    from pathlib import Path

    import uvicorn

    from opcoord.app import create_app
    from opcoord.db import migrate_url
    from opcoord.demo import demo_lifespan

    for suffix in ("", "-wal", "-shm"):
        Path(db_file + suffix).unlink(missing_ok=True)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db_file}")
    _run(migrate_url(settings.database_url))
    app = create_app(settings, extra_lifespans=[demo_lifespan])
    app.state.demo_host = f"{host}:{port}"
    uvicorn.run(app, host=host, port=port, log_level="warning", ws="websockets-sansio")


@main.command()
def migrate() -> None:
    """Apply database migrations and exit."""
    from opcoord.db import migrate_url

    _run(migrate_url(get_settings().database_url))
    click.echo("database is at the latest schema")


@main.group()
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--country", default=None, help="ISO 3166-1 alpha-2; required for --role ncp")
def users_create(name: str, role: str, country: str | None) -> None:
    """Create an account and print its API token (last line of output)."""
    from pydantic import ValidationError

    from opcoord.accounts.schemas import UserCreate

    try:
        data = UserCreate(username=name, role=Role(role), country=country)
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "input"
            click.echo(f"error: {field}: {err['msg'].removeprefix('Value error, ')}", err=True)
        sys.exit(2)
    token = _run(_create_user(get_settings(), data))
    click.echo(
        f"created {data.role.value} {data.username}"
        + (f" ({data.country})" if data.country else "")
    )
    click.echo(token)


@users.command("set-password")
@click.argument("name")
@click.password_option(help="The new password (prompted, twice, if not given).")
def users_set_password(name: str, password: str) -> None:
    """Set or reset an account's password for browser sign-in."""
    from opcoord.accounts import sessions
    from opcoord.errors import NotFound

    try:
        _run(_with_db(lambda db: sessions.set_password(db, name, password)))
    except NotFound as exc:
        click.echo(f"error: {exc.message}", err=True)
        sys.exit(1)
    except DomainError as exc:
        click.echo(f"error: {exc.field}: {exc.message}", err=True)
        sys.exit(2)
    click.echo(f"password set for {name}; their browsers were signed out")


async def _with_db(action: Any) -> Any:
    from opcoord.db import Database, make_engine, migrate

    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        await migrate(engine)
        return await action(Database(engine))
    finally:
        await engine.dispose()


async def _bootstrap(settings: Settings) -> str | None:
    from opcoord.accounts import tokens
    from opcoord.clock import Clock
    from opcoord.db import Database, make_engine

    db = Database(make_engine(settings.database_url))
    try:
        return await tokens.bootstrap_admin(db, Clock().now())
    finally:
        await db.dispose()


async def _create_user(settings: Settings, data: Any) -> str:
    from opcoord.accounts import tokens
    from opcoord.clock import Clock
    from opcoord.db import Database, make_engine, migrate

    engine = make_engine(settings.database_url)
    try:
        await migrate(engine)
        db = Database(engine)
        try:
            _, token = await tokens.create_user(
                db,
                username=data.username,
                role=data.role,
                country=data.country,
                now=Clock().now(),
            )
        except DomainError as exc:
            click.echo(f"error: {exc.message}", err=True)
            sys.exit(1)
        return token
    finally:
        await engine.dispose()


def _register_report_command() -> None:
    from opcoord.bench.cli import bench
    from opcoord.report.command import report_command

    main.add_command(report_command)
    main.add_command(bench)


_register_report_command()

if __name__ == "__main__":
    main()
