"""docs/api.md's walkthrough runs as written, in bash with curl and in Python, today."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from serving import opcoord_server

pytestmark = pytest.mark.multiprocess
DOC = Path(__file__).resolve().parents[1] / "docs" / "api.md"
TOKEN = "walkthrough-admin-token-0123"


def example(kind: str) -> str:
    found = re.search(rf"<!-- example: {kind} -->\n```\w+\n(.*?)```", DOC.read_text(), re.S)
    assert found, f"docs/api.md has no block marked <!-- example: {kind} -->"
    return found.group(1)


@pytest.mark.skipif(not shutil.which("curl"), reason="needs curl")
def test_the_curl_and_python_walkthroughs_run_against_a_fresh_server(tmp_path: Path) -> None:
    env = {
        "OPCOORD_DATABASE_URL": f"sqlite:///{tmp_path / 'walkthrough.db'}",
        "OPCOORD_ADMIN_TOKEN": TOKEN,
    }
    with opcoord_server(env, log=tmp_path / "server.log") as base:
        run_env = {**os.environ, **env, "BASE": base}
        for kind, command in (("sh", ["bash", "-c"]), ("python", [sys.executable, "-c"])):
            done = subprocess.run(
                [*command, example(kind)],
                cwd=tmp_path,
                env=run_env,
                capture_output=True,
                text=True,
                timeout=120,
                check=False,
            )
            assert done.returncode == 0, (kind, done.stdout, done.stderr)
    assert (tmp_path / "PANDORA-X.pdf").read_bytes().startswith(b"%PDF")
    assert (tmp_path / "ATHENA-X.pdf").read_bytes().startswith(b"%PDF")
