"""The console of `opcoord serve`: quiet by default, one JSON object per line on request,
each request's line carrying its id, its user and its operation."""

import io
import json
import logging
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from opcoord.monitoring import logs
from serving import opcoord_server

from conftest import OPERATION

ADMIN = "logs-admin-token-0123456789"
H = {"Authorization": f"Bearer {ADMIN}"}


def _serve_and_use(tmp_path: Path, **env: str) -> str:
    """Start a server, make the requests a person and a probe would, stop it; its output."""
    log = tmp_path / "server.log"
    env = {
        "OPCOORD_DATABASE_URL": f"sqlite:///{tmp_path}/opcoord.db",
        "OPCOORD_ADMIN_TOKEN": ADMIN,
        **env,
    }
    with opcoord_server(env, log, cwd=tmp_path) as base:
        op = {**OPERATION, "code": "LOGS-1"}
        trace = {**H, "X-Request-ID": "trace-0123456789"}
        assert httpx.post(f"{base}/api/operations", json=op, headers=trace).status_code == 201
        summary = httpx.get(f"{base}/api/operations/LOGS-1/summary", headers=H)
        assert summary.status_code == 200
        for _ in range(3):
            assert httpx.get(f"{base}/ready").status_code == 200
    return log.read_text()


@pytest.mark.multiprocess
def test_json_logs_are_one_object_per_line_with_request_user_and_operation(
    tmp_path: Path,
) -> None:
    out = _serve_and_use(tmp_path, OPCOORD_LOG_FORMAT="json")
    lines = [json.loads(line) for line in out.splitlines() if line.strip()]  # each one parses
    assert all({"time", "level", "logger", "message"} <= set(line) for line in lines)
    assert any("opcoord 0.1.0 on http://" in line["message"] for line in lines)  # the banner
    requests = [line for line in lines if line["logger"] == "opcoord.http"]
    created = next(line for line in requests if line.get("request_id") == "trace-0123456789")
    assert created["user"] == "admin"
    assert (created["method"], created["route"], created["status"]) == (
        "POST",
        "/api/operations",
        201,
    )
    summary = next(line for line in requests if line["route"].endswith("/summary"))
    assert summary["operation"] == "LOGS-1" and summary["user"] == "admin"
    assert summary["route"] == "/api/operations/{code}/summary"
    assert len(summary["request_id"]) >= 8  # one is made when the client sends none
    assert not [line for line in requests if line["route"] == "/ready"]  # probes: debug


@pytest.mark.multiprocess
def test_the_default_console_is_quiet(tmp_path: Path) -> None:
    out = _serve_and_use(tmp_path)
    assert "POST /api/operations 201" in out  # what people did is there
    assert "apscheduler" not in out and "Running job" not in out  # the scheduler's chatter
    assert "/ready" not in out and "Context impl" not in out


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    """logs.configure writing into a buffer; the test run's own logging is put back."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    yield buffer
    for handler in root.handlers[:]:
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(False)


def _render_with_bad_css() -> None:
    from weasyprint import HTML  # type: ignore[import-untyped]

    HTML(string="<p style='colr: red; size: nonsense'>x</p>").write_pdf()


def test_weasyprint_css_warnings_and_job_lines_show_only_at_debug(console: io.StringIO) -> None:
    logs.configure("info", "text", console)
    _render_with_bad_css()
    logging.getLogger("apscheduler.executors.default").info('Running job "opcoord:sync"')
    logging.getLogger("weasyprint").error("Failed to load image at 'x.png'")
    logging.getLogger("opcoord.report").warning("a warning of ours")
    said = console.getvalue()
    assert "colr" not in said and "Running job" not in said
    assert "Failed to load image" in said  # their errors stay errors
    assert "WARNING opcoord.report: a warning of ours" in said


def test_at_debug_the_demoted_lines_are_there_as_debug(console: io.StringIO) -> None:
    logs.configure("debug", "json", console)
    _render_with_bad_css()
    lines: list[dict[str, Any]] = [json.loads(x) for x in console.getvalue().splitlines()]
    css = [x for x in lines if x["logger"] == "weasyprint" and "colr" in x["message"]]
    assert css and all(x["level"] == "debug" for x in css)


def test_a_library_warning_is_a_json_line_too(console: io.StringIO) -> None:
    logs.configure("info", "json", console)
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        warnings.warn("AutoDateLocator was unable to pick an interval", UserWarning, stacklevel=1)
    (line,) = [json.loads(x) for x in console.getvalue().splitlines()]
    assert line["logger"] == "py.warnings" and line["level"] == "warning"
    assert "AutoDateLocator" in line["message"]
