# Concord: `make run` serves the app, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test test-js lint lint-js format install migrate demo lock bench bench-load clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the declared or locked versions change.
$(VENV)/.installed: $(BIN)/activate pyproject.toml requirements.lock
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput -v 0

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	@echo ""
	@echo "  Concord is running at http://$(HOST):$(PORT)/"
	@echo "  Demo logins (password: concord-demo):"
	@echo "    facilitator: fiona    reviewers: rahul, maria, tom, aisha    manager: megan"
	@echo "    team admin (and Django admin at /admin/): admin"
	@echo ""
	$(BIN)/daphne -b $(HOST) -p $(PORT) --websocket-max-message-size 262144 calibration.asgi:application

# The JavaScript tests (node --test, no pytest) first, then the Python suite. Without node they
# are skipped with a message; under CI=true a missing node fails.
test: install test-js
	$(PY) -m pytest

JS_TESTS := tests/js/*.test.mjs
test-js:
	@if command -v node >/dev/null 2>&1; then \
	  node --test --test-reporter=spec $(JS_TESTS); \
	elif [ "$$CI" = "true" ]; then \
	  echo "node is required under CI=true (apt-get install nodejs)"; exit 1; \
	else \
	  echo "SKIPPED the JavaScript tests: node is not installed (apt-get install nodejs npm)"; \
	fi

# ESLint's exact versions come from package-lock.json; reinstall only when it changes.
node_modules/.installed: package.json package-lock.json
	npm ci --silent --no-fund --no-audit
	touch $@

lint: install lint-js
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

lint-js:
	@if command -v npm >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory node_modules/.installed && npx --no-install eslint static/js tests/js eslint.config.js; \
	elif [ "$$CI" = "true" ]; then \
	  echo "npm is required under CI=true (apt-get install nodejs npm)"; exit 1; \
	else \
	  echo "SKIPPED ESLint: npm is not installed (apt-get install nodejs npm)"; \
	fi

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(PY) -m bench.bench_statistics

# The live-room load benchmark (README "Load benchmark"); e.g. BENCH_ARGS="--workers 2
# --redis-url redis://127.0.0.1:6379/4 --postgres postgres://postgres@127.0.0.1/concord_bench".
bench-load: install
	$(PY) -m bench.load --fast $(BENCH_ARGS)

# Refresh requirements.lock from a clean install of pyproject.toml's ranges.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet ".[test]"
	(echo "# Exact versions for make run, make test and CI. Regenerate with make lock."; \
	 .lock-venv/bin/pip freeze --exclude concord) > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) staticfiles test_db.sqlite3 .pytest_cache node_modules
