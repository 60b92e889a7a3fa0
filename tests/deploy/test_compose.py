"""compose.yaml, the Dockerfile and .env.example, checked without Docker: the Compose
specification's schema (vendored in deploy/), then what a deployment relies on."""

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml  # type: ignore[import-untyped]

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"
SCHEMA = ROOT / "deploy" / "compose-spec.json"
SECRETS = ("POSTGRES_PASSWORD", "OPCOORD_ADMIN_TOKEN", "OPCOORD_AUDIT_KEY")


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--schemafile", str(SCHEMA), str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return dict(yaml.safe_load(COMPOSE.read_text()))


def test_compose_follows_the_compose_specification() -> None:
    run = validate(COMPOSE)
    assert run.returncode == 0, run.stdout + run.stderr


def test_the_schema_check_refuses_a_broken_file(tmp_path: Path) -> None:
    broken = tmp_path / "compose.yaml"
    text = COMPOSE.read_text().replace("    healthcheck:\n", "    healthchek:\n", 1)
    broken.write_text(text)
    run = validate(broken)
    assert run.returncode != 0 and "healthchek" in run.stdout + run.stderr


def test_every_secret_is_required_and_listed_in_the_example(compose: dict[str, Any]) -> None:
    text = COMPOSE.read_text()
    used = set(re.findall(r"\$\{([A-Z_]+)", text))
    for name in SECRETS:
        forms = set(re.findall(r"\$\{" + name + r"(:?[-?])", text))
        assert forms == {":?"}, f"{name} must be required (${{{name}:?...}}), not {forms}"
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#? ?([A-Z_]+)=", example, re.M))
    assert used <= listed, f"not in .env.example: {used - listed}"
    assert "POSTGRES_PASSWORD" in compose["services"]["db"]["environment"]


def test_the_topology(compose: dict[str, Any]) -> None:
    services = compose["services"]
    db, migrate, app, proxy = (services[n] for n in ("db", "migrate", "app", "proxy"))
    # PostgreSQL: a health check and a named volume.
    assert db["healthcheck"]["test"][0] in ("CMD", "CMD-SHELL")
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose["volumes"]
    # One image built from the repository's Dockerfile, for the migration and the app.
    assert migrate["build"] == app["build"] == "." and migrate["image"] == app["image"]
    assert (ROOT / "Dockerfile").is_file()
    assert migrate["command"] == ["opcoord", "migrate"] and migrate["restart"] == "no"
    # Two replicas, started once the database is healthy and the migration has finished.
    assert app["deploy"]["replicas"] == 2
    assert app["depends_on"]["db"]["condition"] == "service_healthy"
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "/ready" in " ".join(app["healthcheck"]["test"])
    assert "ports" not in app  # only through the proxy
    assert app["environment"]["OPCOORD_ENVIRONMENT"] == "production"
    # The proxy runs the nginx configuration of the repository (tests/deploy/test_proxy.py).
    mounts = [v.split(":") for v in proxy["volumes"]]
    assert ["./deploy/nginx.conf", "/etc/nginx/conf.d/default.conf", "ro"] in mounts
    assert re.search(r"server app:8000 ", (ROOT / "deploy" / "nginx.conf").read_text())
    assert proxy["depends_on"]["app"]["condition"] == "service_healthy"


def test_the_image_installs_everything_at_build_and_runs_unprivileged() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    for lib in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu"):
        assert lib in dockerfile, f"WeasyPrint needs {lib}"
    users = re.findall(r"^USER (\S+)", dockerfile, re.M)
    assert users and users[-1] not in ("root", "0")
    cmd = re.findall(r"^CMD (.+)$", dockerfile, re.M)[-1]
    assert "pip" not in cmd and "opcoord" in cmd
    for service in yaml.safe_load(COMPOSE.read_text())["services"].values():
        assert "pip" not in str(service.get("command", "")), "nothing is installed at start"
        assert not [v for v in service.get("volumes", []) if v.startswith(".:")]
