# The two commands a user needs: `make run` and `make test`. Everything else is a helper.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev
NPM_STAMP := node_modules/.installed

.PHONY: run test check pytest lint consumers schema bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUN_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(RUN_STAMP)

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## Serve on http://127.0.0.1:8000 with an embedded SQLite database and the demo data.
run: $(RUN_STAMP)
	$(BIN)/volunteer-city migrate
	$(BIN)/volunteer-city seed
	$(BIN)/volunteer-city serve --host 127.0.0.1 --port 8000

## Every check CI runs: lint, format, types, import layers, and the test suite.
test: $(DEV_STAMP) $(NPM_STAMP) lint consumers pytest

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

## The schema as its consumers meet it: the project's schema rules, the kept front-end
## operations compiled by relay-compiler and by graphql-codegen + tsc --strict, and what changed.
consumers: $(NPM_STAMP)
	node_modules/.bin/graphql-schema-linter schema.graphql
	cd tests/frontend && mkdir -p relay/__generated__ && ../../node_modules/.bin/relay-compiler
	cd tests/frontend && ../../node_modules/.bin/graphql-codegen --config codegen.json --silent
	cd tests/frontend && ../../node_modules/.bin/tsc -p tsconfig.json
	scripts/schema-diff.sh

pytest: $(DEV_STAMP) $(NPM_STAMP)
	$(BIN)/pytest

## Rewrite schema.graphql from the code (a test fails when it is stale).
schema: $(DEV_STAMP)
	$(BIN)/volunteer-city export-schema --output schema.graphql

bench: $(DEV_STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .mypy_cache .ruff_cache
