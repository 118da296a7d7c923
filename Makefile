# The two commands a newcomer needs: `make run` and `make test`.
VENV := .venv/bin

.PHONY: setup run test lint bench

setup:
	./scripts/setup.sh

# Install, index the bundled corpus (incrementally), and start the web app on http://127.0.0.1:7860
run: setup
	$(VENV)/mhqa index
	$(VENV)/mhqa serve

lint: setup
	$(VENV)/ruff check ingest index assistant evaluation tests benchmarks
	$(VENV)/ruff format --check ingest index assistant evaluation tests benchmarks
	$(VENV)/mypy

# Lint, types, and every test (unit, integration with the real model, browser end-to-end).
test:
	./scripts/setup.sh --with-browser
	$(VENV)/ruff check ingest index assistant evaluation tests benchmarks
	$(VENV)/ruff format --check ingest index assistant evaluation tests benchmarks
	$(VENV)/mypy
	$(VENV)/python -m pytest -m "" tests

bench: setup
	$(VENV)/python benchmarks/run.py
