"""The opcoord command line. It calls the same actions as the API, records them in the
audit log as the command line's user, and says what went wrong in one line."""

import asyncio
import contextlib
import functools
import getpass
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from opcoord import __version__
from opcoord.accounts.identity import Role
from opcoord.config import Settings, get_settings

if TYPE_CHECKING:
    from litestar import Litestar

T = TypeVar("T")


def _run(coro: Awaitable[T]) -> T:
    return asyncio.run(coro)  # type: ignore[arg-type]


def one_line_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Everyday mistakes (a wrong database, a refused value) as one line, not a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from opcoord.errors import DomainError
        from opcoord.problems import explain

        try:
            return command(*args, **kwargs)
        except click.ClickException:
            raise
        except DomainError as exc:
            where = f"{exc.field}: " if exc.field and exc.field not in exc.message else ""
            raise click.ClickException(where + exc.message) from None
        except Exception as exc:
            message = explain(exc)
            if message is None:
                raise
            raise click.ClickException(message) from None

    return wrapper


@click.group()
@click.version_option(__version__, prog_name="opcoord")
def main() -> None:
    """opcoord: coordination of joint operations against trafficking in cultural objects."""


@asynccontextmanager
async def database(settings: Settings) -> AsyncIterator[Any]:
    """The migrated database of ``settings``, for one command; its actions are recorded
    in the audit log as done by ``cli:<user>``."""
    from opcoord.audit.log import Actor, current_actor
    from opcoord.db import migrate, open_database

    prepare_sqlite(settings)
    db = open_database(settings, pool_size=2)
    current_actor.set(Actor(f"cli:{getpass.getuser()}"[:64], "cli"))
    try:
        await migrate(db.engine)
        yield db
    finally:
        await db.dispose()


def prepare_sqlite(settings: Settings) -> None:
    """Create the SQLite file readable by its owner only (0600) before SQLite does, and
    refuse a folder that does not exist rather than failing deep inside the driver."""
    path = settings.sqlite_path
    if path is None:
        return
    if not path.parent.is_dir():
        raise click.ClickException(f"no folder {path.parent} for the database {path}")
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        os.close(fd)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes sharing the port (PostgreSQL only): each is an instance, "
    "as replicas behind a proxy are.",
)
@one_line_errors
def serve(host: str, port: int, workers: int) -> None:
    """Apply migrations, then run the server (database from OPCOORD_DATABASE_URL)."""
    import uvicorn

    from opcoord.monitoring import logs

    settings = get_settings()
    logs.configure(settings.log_level, settings.log_format)
    # With JSON logs, what serve says is a log line too: a collector parses every line.
    say = click.echo if settings.log_format == "text" else logs.say
    check_production(settings)
    if workers > 1 and settings.is_sqlite:
        raise click.ClickException(
            "--workers needs PostgreSQL: SQLite has one writer, kept by one process"
        )
    check_port_free(host, port)
    token = _run(_bootstrap(settings))
    if token is not None:
        path = write_secret(Path("opcoord-admin.token"), token)
        say(f"First start: created the coordinator 'admin'; its API token is in {path}")
        say("(readable only by you; use it as 'Authorization: Bearer <token>').")
    say(f"opcoord {__version__} on http://{host}:{port}/ with {describe(settings)}")
    uvicorn.run(
        # Several workers are started afresh (spawned): each builds its app from the
        # environment, as served_app does; the live fan-out, the limits and the
        # scheduler's claims already hold across instances.
        _served(settings) if workers == 1 else "opcoord.cli:served_app",
        factory=workers > 1,
        workers=workers,
        host=host,
        port=port,
        **logs.UVICORN_LOGGING,
        ws="websockets-sansio",
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


def served_app() -> "Litestar":
    """The app of one worker of ``serve --workers N``, with the parent's logging."""
    from opcoord.monitoring import logs

    settings = get_settings()
    logs.configure(settings.log_level, settings.log_format)
    return _served(settings)


def _served(settings: Settings) -> "Litestar":
    """The app ``serve`` runs: its heap settled once it has started (``opcoord.heap``)."""
    from opcoord.app import create_app
    from opcoord.heap import frozen_after_startup

    return create_app(settings, extra_lifespans=[frozen_after_startup])


def check_production(settings: Settings) -> None:
    if settings.environment != "production":
        return
    problems = settings.production_problems()
    if problems:
        raise click.ClickException("refusing to start in production: " + "; ".join(problems))


def check_port_free(host: str, port: int) -> None:
    import socket

    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def describe(settings: Settings) -> str:
    """Which database a command opened, so a command run from the wrong folder says so."""
    path = settings.sqlite_path
    if path is not None:
        return f"the SQLite database {path.resolve()}"
    from sqlalchemy.engine import make_url

    return f"the PostgreSQL database {make_url(settings.database_url).render_as_string()}"


def write_secret(path: Path, text: str) -> Path:
    """Write ``text`` to a file only its owner can read (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text + "\n")
    return path.resolve()


async def _bootstrap(settings: Settings) -> str | None:
    from opcoord.accounts import users
    from opcoord.clock import Clock

    async with database(settings) as db:
        if settings.admin_token:
            return None  # the server itself makes sure that admin has this token
        return await users.bootstrap_admin(db, Clock().now(), settings.token_days)


@main.command()
@one_line_errors
def migrate() -> None:
    """Apply database migrations and exit."""

    async def run() -> None:
        async with database(get_settings()):
            pass

    _run(run())
    click.echo(f"{describe(get_settings())} is at the latest schema")


# --- users ----------------------------------------------------------------------------------


@main.group()
def users() -> None:
    """Manage accounts."""


async def _with(action: Callable[[Any], Awaitable[T]]) -> T:
    async with database(get_settings()) as db:
        return await action(db)


@users.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice([r.value for r in Role]))
@click.option("--country", default=None, help="ISO 3166-1 alpha-2; required for --role ncp")
@click.option(
    "--countries",
    default=None,
    help="Comma-separated ISO 3166-1 alpha-2 codes; required for --role regional (ES,PT)",
)
@click.option("--email", default=None, help="Where reminders, queries and alerts go.")
@one_line_errors
def users_create(
    name: str, role: str, country: str | None, countries: str | None, email: str | None
) -> None:
    """Create an account and print its API token (last line of output)."""
    from pydantic import ValidationError

    from opcoord.accounts import users as accounts
    from opcoord.accounts.schemas import UserCreate
    from opcoord.clock import Clock

    try:
        listed = [c.strip() for c in countries.split(",") if c.strip()] if countries else None
        data = UserCreate(
            username=name, role=Role(role), country=country, countries=listed, email=email
        )
    except ValidationError as exc:
        for err in exc.errors():
            field = ".".join(str(p) for p in err["loc"]) or "input"
            click.echo(f"error: {field}: {err['msg'].removeprefix('Value error, ')}", err=True)
        sys.exit(2)
    settings = get_settings()
    _, token = _run(
        _with(
            lambda db: accounts.create_user(
                db,
                username=data.username,
                role=data.role,
                country=data.country,
                countries=data.countries,
                email=data.email,
                now=Clock().now(),
                token_days=settings.token_days,
            )
        )
    )
    click.echo(
        f"created {data.role.value} {data.username}"
        + (f" ({data.country})" if data.country else "")
        + (f" ({', '.join(data.countries)})" if data.countries else "")
    )
    click.echo(token)


@users.command("list")
@one_line_errors
def users_list() -> None:
    """Every account: role, country, state, token expiry, last seen (never a token)."""
    from opcoord.accounts import users as accounts

    found = _run(_with(accounts.list_users))
    click.echo(f"{'name':<24} {'role':<12} {'country':<8} {'state':<9} {'token expires':<26} seen")
    for u in found:
        click.echo(
            f"{u.username:<24} {u.role:<12} {u.country or ','.join(u.countries or []) or '-':<8} "
            f"{'disabled' if u.disabled else 'enabled':<9} "
            f"{u.token_expires_at or 'never'!s:<26} {u.last_seen_at or 'never'}"
        )


@users.command("rotate")
@click.argument("name")
@one_line_errors
def users_rotate(name: str) -> None:
    """Issue a new API token (last line of output); the old one stops working at once."""
    from opcoord.accounts import users as accounts
    from opcoord.clock import Clock

    days = get_settings().token_days
    user, token = _run(_with(lambda db: accounts.rotate_token(db, name, Clock().now(), days)))
    click.echo(f"new token for {user.username}; the old one no longer works")
    click.echo(token)


@users.command("disable")
@click.argument("name")
@click.option("--enable", is_flag=True, help="Enable the account again.")
@one_line_errors
def users_disable(name: str, enable: bool) -> None:
    """Disable an account: its token, sessions and open websockets stop at once."""
    from opcoord.accounts import users as accounts
    from opcoord.clock import Clock

    user = _run(_with(lambda db: accounts.set_disabled(db, name, not enable, Clock().now())))
    click.echo(f"{user.username} is {'disabled' if user.disabled else 'enabled'}")


@users.command("set-password")
@click.argument("name")
@click.password_option(help="The new password (prompted, twice, if not given).")
@one_line_errors
def users_set_password(name: str, password: str) -> None:
    """Set or reset an account's password for browser sign-in."""
    from opcoord.accounts import sessions
    from opcoord.clock import Clock

    _run(_with(lambda db: sessions.set_password(db, name, password, Clock().now())))
    click.echo(f"password set for {name}; their browsers were signed out")


@main.command("demo")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--db",
    "db_file",
    default="opcoord-demo.db",
    show_default=True,
    help="SQLite file for the demo; recreated at every start.",
)
@click.option(
    "--seconds-per-day",
    default=5.0,
    show_default=True,
    type=click.FloatRange(min=0.05),
    help="How long each day of the operation lasts; it closes and its report is out after "
    "its 12 days, then the demo keeps serving in real time.",
)
def demo(host: str, port: int, db_file: str, seconds_per_day: float) -> None:
    """Run the server with a demo operation from its first day to its report, simulated
    contact points submitting live."""
    import uvicorn

    from opcoord.app import create_app
    from opcoord.db import migrate_url
    from opcoord.demo import demo_clock, demo_lifespan, demo_settings
    from opcoord.heap import frozen_after_startup
    from opcoord.monitoring import logs

    logs.configure("warning")
    check_port_free(host, port)  # before anything: a demo already running keeps its data
    refuse_unless_demo(Path(db_file))
    for suffix in ("", "-wal", "-shm"):
        Path(db_file + suffix).unlink(missing_ok=True)
    settings = demo_settings(f"sqlite+aiosqlite:///{db_file}")
    _run(migrate_url(settings.database_url))
    app = create_app(
        settings,
        clock=demo_clock(seconds_per_day),
        extra_lifespans=[demo_lifespan, frozen_after_startup],
    )
    app.state.demo_host = f"{host}:{port}"
    uvicorn.run(app, host=host, port=port, **logs.UVICORN_LOGGING, ws="websockets-sansio")


def refuse_unless_demo(path: Path) -> None:
    """The demo recreates its file at every start: refuse a file that is not a demo's
    (no command deletes a database it did not create)."""
    import sqlite3

    from opcoord.demo.tour import CODE

    if not path.exists():
        return
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            codes = {row[0] for row in conn.execute("SELECT code FROM operations")}
    except sqlite3.Error:
        codes = None
    if codes is None or not codes <= {CODE}:
        raise click.ClickException(
            f"{path} is not a demo database (it holds other operations, or is not opcoord's); "
            "choose another file with --db"
        )


# --- audit ----------------------------------------------------------------------------------


@main.group()
def audit() -> None:
    """The audit trail."""


@audit.command("verify")
@one_line_errors
def audit_verify() -> None:
    """Check that neither the audit log nor any vouched row was altered; exit 1 naming
    the first altered row."""

    async def run() -> tuple[Any, int]:
        async with database(get_settings()) as db:
            return await verify_everything(db)

    problem, checked = _run(run())
    if problem is not None:
        click.echo(f"ALTERED: {problem}", err=True)
        sys.exit(1)
    click.echo(f"intact: {checked} audit entries and every row they vouch for")


async def verify_everything(db: Any) -> tuple[Any, int]:
    """The audit chains, then every package's rows against their latest entries."""
    from opcoord.accounts import integrity as accounts
    from opcoord.audit.verify import verify_chains
    from opcoord.operations import integrity as operations

    assert db.audit_key is not None
    async with db.read() as session:
        problem, checked = await verify_chains(session, db.audit_key)
        if problem is None:
            problem = await accounts.verify(session)
        if problem is None:
            problem = await operations.verify(session)
    return problem, checked


# --- backup ---------------------------------------------------------------------------------


@main.command("backup")
@click.argument("code")
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="The file to write (replaced only once the new one is complete).",
)
@one_line_errors
def backup_command(code: str, output: Path) -> None:
    """Write one operation, with every version, seizure, event, report edition and audit
    entry, to a file that `opcoord restore` reads into another database."""
    from opcoord.backup import dump
    from opcoord.clock import Clock

    written = _run(_with(lambda db: dump.backup(db, code, output, Clock().now())))
    counts = written.counts
    click.echo(
        f"backed up {written.code} from {describe(get_settings())} to {output}: "
        f"{counts['return_versions']} return versions, {counts['seizures']} seizures, "
        f"{counts['live_events']} live events, {counts['report_editions']} report editions, "
        f"{counts['audit_log']} audit entries"
    )
    click.echo(f"sha256 {written.sha256}")


@main.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--drop-hit-decisions",
    is_flag=True,
    help="Restore even though coordinators confirmed or rejected watchlist hits against "
    "lists this database does not hold; those decisions are left out.",
)
@one_line_errors
def restore_command(file: Path, drop_hit_decisions: bool) -> None:
    """Restore an operation from a file written by `opcoord backup`, in one transaction;
    refused, changing nothing, if its code exists here or the file is not intact."""
    from opcoord.backup import load
    from opcoord.clock import Clock

    done = _run(
        _with(
            lambda db: load.restore(db, file, Clock().now(), drop_hit_decisions=drop_hit_decisions)
        )
    )
    counts = done.counts
    click.echo(
        f"restored {done.code} into {describe(get_settings())}: "
        f"{counts['participants']} participants, {counts['return_versions']} return versions, "
        f"{counts['seizures']} seizures, {counts['live_events']} live events, "
        f"{counts['report_editions']} report editions, {counts['audit_log']} audit entries"
    )
    if done.hits_restored or done.hits_left_out:
        click.echo(
            f"watchlist hits: {done.hits_restored} restored against the same lists here"
            + (
                f", {done.hits_left_out} left out (their list is not here: upload it and "
                "the seizures are checked again)"
                if done.hits_left_out
                else ""
            )
        )
    if not done.signature_checked:
        click.echo(
            "note: the file was written under another audit key, so its signature and MACs "
            "could not be checked here; its checksums and audit digests were"
        )
    if done.created_users:
        click.echo(
            "accounts created disabled, without password or token: "
            + ", ".join(done.created_users)
            + " (enable with `opcoord users disable --enable NAME`,"
            " then issue a token with `opcoord users rotate NAME`)"
        )


def _register_commands() -> None:
    from opcoord.bench.cli import bench
    from opcoord.report.command import report_command

    main.add_command(report_command)
    main.add_command(bench)


_register_commands()

if __name__ == "__main__":
    main()
