#!/usr/bin/env bash
# The test command: installs what the suite needs, then runs it. Arguments go to pytest.
#
# SQLite always; PostgreSQL too when OPCOORD_TEST_DATABASE_URL is set, or when one
# answers on 127.0.0.1:5432 (the variable is then set to its `test` database).
set -euo pipefail
cd "$(dirname "$0")/.."

python=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$python" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'

if [ -z "${OPCOORD_TEST_DATABASE_URL+x}" ] && command -v pg_isready >/dev/null \
    && pg_isready -q -h 127.0.0.1 -p 5432; then
  export OPCOORD_TEST_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test
fi
echo "databases: sqlite${OPCOORD_TEST_DATABASE_URL:+ and $OPCOORD_TEST_DATABASE_URL}"

# System packages: Debian's chromium for the browser tests (a browser download is not
# possible offline), poppler's pdftotext to read report PDFs back, fonts and HarfBuzz
# for WeasyPrint, wrk for the benchmark harness's load, nginx to run deploy/nginx.conf in
# front of two servers (tests/deploy/test_proxy.py), and node (when none is installed) to
# test the browser's modules.
debs="chromium fonts-dejavu-core poppler-utils libharfbuzz-subset0 wrk nginx"
command -v node >/dev/null || debs="$debs nodejs"
missing=$(for p in $debs; do dpkg -s "$p" >/dev/null 2>&1 || echo "$p"; done)
if [ -n "$missing" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $missing >/dev/null
fi

# Static checks first: lint, formatting and types.
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
.venv/bin/mypy --strict src
exec .venv/bin/python -m pytest "$@"
