"""``opcoord demo``: the server with a seeded operation and simulated contact points."""

import asyncio
from pathlib import Path

import click

from opcoord.config import Settings


@click.command("demo")
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
    import uvicorn

    from opcoord.app import create_app
    from opcoord.db import migrate_url
    from opcoord.demo import demo_lifespan

    for suffix in ("", "-wal", "-shm"):
        Path(db_file + suffix).unlink(missing_ok=True)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{db_file}")
    asyncio.run(migrate_url(settings.database_url))
    app = create_app(settings, extra_lifespans=[demo_lifespan])
    app.state.demo_host = f"{host}:{port}"
    uvicorn.run(app, host=host, port=port, log_level="warning", ws="websockets-sansio")
