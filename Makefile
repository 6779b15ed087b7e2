# Dragonfly: the two commands a newcomer needs are `make run` and `make test`; both set up first.
PY ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: setup run test lint bench clean

$(BIN)/dragonfly: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(BIN)/dragonfly

setup: $(BIN)/dragonfly

run: setup
	$(BIN)/dragonfly run

test: setup
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check dragonfly storage bot scheduler tests bench
	$(BIN)/mypy

bench: setup
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
