"""``opcoord report CODE``: close (if asked) and write the report's files."""

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from opcoord.clock import Clock
from opcoord.db import Database
from opcoord.errors import DomainError
from opcoord.operations import closing, ledger
from opcoord.operations.enums import OperationStatus
from opcoord.operations.operations import load
from opcoord.report import editions, redaction

_STEPS = ("aggregates", "seizures", "map", "html", "pdf", "xlsx", "csv", "saving")


@click.command("report")
@click.argument("code")
@click.option(
    "--out",
    "-o",
    default=".",
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory to write the files to.",
)
@click.option("--close", "close_now", is_flag=True, help="Close the operation now if still open.")
@click.option("--edition", "number", type=int, default=None, help="Edition number (latest).")
@click.option("--partner", is_flag=True, help="Write the partner edition.")
@click.option(
    "--lang",
    type=click.Choice(["en", "fr", "es", "ru"]),
    default="en",
    show_default=True,
    help="Language of the HTML, PDF and XLSX files (the CSV and JSON have none).",
)
def report_command(
    code: str, out: Path, close_now: bool, number: int | None, partner: bool, lang: str
) -> None:
    """Produce the consolidated report of operation CODE and write its files.

    An operation whose last cut-off has passed is closed first, through the same path as
    the scheduler (exactly once, whichever runs first); one still running needs --close.
    """
    try:
        written = asyncio.run(_report(code, out, close_now, number, partner, lang))
    except click.ClickException:
        raise
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    for path in written:
        click.echo(str(path))


async def _report(
    code: str, out: Path, close_now: bool, number: int | None, partner: bool, lang: str = "en"
) -> list[Path]:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from opcoord.config import audit_key, get_settings
    from opcoord.db import make_engine, migrate

    settings = get_settings()
    engine = make_engine(settings.database_url)
    await migrate(engine)
    db, clock = Database(engine, audit_key(settings)), Clock()
    lease = timedelta(seconds=settings.report_build_lease_seconds)
    audience = "partner" if partner else "full"
    try:
        with Progress(
            TextColumn("{task.description:<28}"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
        ) as bar:
            task = bar.add_task(f"{code}: checking", total=len(_STEPS) + len(editions.FORMATS))

            def step(name: str) -> None:
                bar.update(task, advance=1, description=f"{code}: {name}")

            edition = await _ready_edition(db, clock, lease, code, close_now, number, step)
            bar.update(task, completed=len(_STEPS))
            out.mkdir(parents=True, exist_ok=True)
            written = []
            for fmt in editions.FORMATS:
                bar.update(task, description=f"{code}: writing {fmt}")
                stored = await editions.artefact(db, edition, audience, fmt, clock.now(), lang)
                path = out / editions.file_name(code, edition.edition, audience, fmt, lang)
                path.write_bytes(stored.data)
                written.append(path)
                bar.update(task, advance=1)
            assert edition.report is not None
            body = edition.report if not partner else redaction.partner_report(edition.report)
            path = out / editions.file_name(code, edition.edition, audience, "json")
            path.write_text(json.dumps(body, indent=2, ensure_ascii=False), encoding="utf-8")
            written.append(path)
            bar.update(task, description=f"{code}: done")
        return written
    finally:
        await engine.dispose()


async def _ready_edition(
    db: Database,
    clock: Clock,
    lease: timedelta,
    code: str,
    close_now: bool,
    number: int | None,
    step: editions.Progress,
) -> Any:
    now = clock.now()
    async with db.read() as session:
        op = await load(session, code)
    if op.closed_at is None:
        if ledger.status(op, now) is not OperationStatus.closed and not close_now:
            raise click.ClickException(
                f"operation {code} is still {ledger.status(op, now)}; use --close to close it now"
            )
        await closing.close_operation(db, code, now)
    await editions.ensure_first_editions(db, now)
    while True:
        _, edition = await editions.find_edition(db, code, number, published_only=False)
        if edition.status == "ready":
            return edition
        assert edition.id is not None
        built = await editions.build_edition(db, edition.id, clock.now, lease=lease, progress=step)
        if not built:  # a server is building it right now: wait for it
            await asyncio.sleep(1)
