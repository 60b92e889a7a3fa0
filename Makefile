# `make` runs what CI runs.
.PHONY: all test lint run bench
all: test

test:
	bash scripts/test.sh

lint:
	.venv/bin/ruff check src tests benchmarks
	.venv/bin/ruff format --check src tests benchmarks
	.venv/bin/mypy --strict src

run:
	python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/opcoord serve

bench:
	.venv/bin/python -m benchmarks
