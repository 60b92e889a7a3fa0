"""``opcoord bench``: every figure beside its baseline, measured in the same run."""

import asyncio
import dataclasses
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from opcoord.bench import procs, scratch, target
from opcoord.bench.config import Config, preset
from opcoord.bench.http_sections import bare_server, ceiling_and_get, puts
from opcoord.bench.live_sections import burst, fanout
from opcoord.bench.report_sections import growth, report
from opcoord.bench.results import Results

SECTIONS = (1, 2, 3, 4, 5, 6, 7)


def _ints(text: str | None) -> tuple[int, ...] | None:
    return tuple(int(x.replace("_", "")) for x in text.split(",") if x) if text else None


def _log(message: str, started: float) -> None:
    click.echo(f"[{time.monotonic() - started:7.1f} s] {message}", err=True)


def run(cfg: Config, sections: tuple[int, ...]) -> Results:
    """Measure ``sections`` on a scratch database; problems are recorded, not raised."""
    procs.install_cleanup()
    procs.raise_nofile()
    res = Results(
        options={
            k: (str(v) if isinstance(v, Path) else v)
            for k, v in dataclasses.asdict(cfg).items()
            if k != "pg"
        }
    )
    res.options["sections"] = list(sections)
    logdir = cfg.out.parent / "logs"
    logdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    log = logdir / "opcoord.log"
    log.write_bytes(b"")
    try:
        with scratch.database(cfg.pg, cfg.sqlite, "run") as db:
            res.options["database"] = db.kind
            with target.Opcoord(db, log, cfg.workers) as server:
                # The processes that answer requests (with --workers, each a worker).
                res.details["instances"] = len(server.instances())
                _sections(res, cfg, sections, server, db, logdir, lambda m: _log(m, started))
    except Exception as exc:  # recorded, so the results file says what broke
        res.problems.append(f"{type(exc).__name__}: {exc}")
        res.details["traceback"] = traceback.format_exc()
    finally:
        procs.end_all()
    text = log.read_text(errors="replace") if log.exists() else ""
    if "Traceback" in text:  # an error the API may have hidden behind a status code
        res.problems.append(f"opcoord logged {text.count('Traceback')} traceback(s); see {log}")
    res.details["seconds"] = time.monotonic() - started
    return res


def _sections(
    res: Results,
    cfg: Config,
    sections: tuple[int, ...],
    server: target.Opcoord,
    db: scratch.Scratch,
    logdir: Path,
    say: Callable[[str], None],
) -> None:
    n_load = max(cfg.put_countries, cfg.burst_countries)
    say(f"setting up an operation with {n_load} contact points")
    op = target.create_operation(server, "LOAD", n_load, 30)
    if 1 in sections or 2 in sections:
        say("1-2: ceiling and GET (wrk)")
        ceiling_and_get(res, cfg, server, op, logdir)
    if 3 in sections:
        say("3: PUT load, its database baseline, one at a time (wrk)")
        puts(res, cfg, server, op, db, logdir)
    seq_p99 = res.details.get("put", {}).get("sequential", {}).get("p99_ms", float("nan"))
    if 4 in sections or 5 in sections:
        with bare_server("ws", logdir) as ws_host:
            if 4 in sections:
                say(f"4: cut-off burst, {cfg.burst_dashboards} dashboards")
                asyncio.run(burst(res, cfg, server, op, ws_host, seq_p99))
            if 5 in sections:
                say(f"5: fan-out to {', '.join(map(str, cfg.fanout_clients))} clients")
                fan = target.create_operation(server, "FAN", 1, 3)
                asyncio.run(fanout(res, cfg, server, fan, ws_host))
    known: dict[str, Any] | None = None
    if 6 in sections:
        say(f"6: report of {cfg.countries}x{cfg.days}, {cfg.seizures:,} seizures")
        known = report(res, cfg, server, db)
    if 7 in sections:
        sizes = ", ".join(f"{s:,}" for s in cfg.sizes)
        say(f"7: growth at {sizes} seizures, {cfg.countries}x{cfg.growth_days} returns")
        growth(res, cfg, server, db, known or {"size": -1})
    server.check_alive()


@click.command("bench")
@click.option("--quick", is_flag=True, help="Small sizes, under two minutes (CI).")
@click.option(
    "--pg", metavar="URL", help=f"PostgreSQL server for the scratch database [{scratch.DEFAULT_PG}]"
)
@click.option("--sqlite", "use_sqlite", is_flag=True, help="Run on SQLite instead of PostgreSQL.")
@click.option("--out", type=click.Path(path_type=Path), help="Results file [bench/results.json].")
@click.option("--sections", help="Comma-separated subset of 1-7 (default: all).")
@click.option("--seconds", type=int, help="Duration of each wrk run.")
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="opcoord serve --workers N, and as many for the bare Litestar servers "
    "(PostgreSQL only) [1].",
)
@click.option("--put-countries", type=int, help="PUT load: countries, one connection each.")
@click.option("--burst-dashboards", type=int)
@click.option("--burst-countries", type=int)
@click.option("--burst-window", type=float, help="Seconds within which every country PUTs.")
@click.option("--fanout-clients", help="Comma-separated client counts, e.g. 500,2000.")
@click.option("--fanout-puts", type=int)
@click.option("--client-procs", type=int, help="Websocket client processes (default: by size).")
@click.option("--countries", type=int, help="Report: countries.")
@click.option("--days", type=int, help="Report: days.")
@click.option("--seizures", type=int, help="Report: seizures.")
@click.option("--sizes", help="Growth: comma-separated seizure counts.")
@click.option("--growth-days", type=int, help="Growth: days of each operation's window.")
@click.option("--api-ingest-max", type=int, help="Growth: ingest through the API up to this size.")
@click.option("--ingest-procs", type=int, help="Growth: API ingest client processes.")
def bench(quick: bool, use_sqlite: bool, sections: str | None, **given: Any) -> None:
    """Benchmark opcoord against bare baselines measured in the same run.

    Starts its own servers on 127.0.0.1 and a scratch database it drops afterwards;
    writes the results file and prints the table. Exits 1 if something went wrong
    (a server failed, errors, lost acknowledgements, missing events), never on timing.
    """
    cfg = preset(quick)
    for key in ("fanout_clients", "sizes"):
        given[key] = _ints(given[key])
    changes = {k: v for k, v in given.items() if v is not None}
    cfg = dataclasses.replace(cfg, sqlite=use_sqlite, **changes)
    if cfg.workers > 1 and cfg.sqlite:
        raise click.UsageError("--workers needs PostgreSQL, as opcoord serve --workers does")
    chosen = _ints(sections) or SECTIONS
    res = run(cfg, tuple(s for s in SECTIONS if s in chosen))
    res.write(cfg.out)
    click.echo(res.table())
    click.echo(f"results: {cfg.out}")
    sys.exit(1 if res.problems else 0)
