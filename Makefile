# Taskbell: `make run` to try it, `make test` to check it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: install run test test-unit lint bench browser clean

# Quiet: pip's and setuptools' output goes to .venv/install.log (shown only when the install fails).
$(STAMP): pyproject.toml
	@echo "installing Taskbell into $(VENV) (log: $(VENV)/install.log) ..."
	@$(PYTHON) -m venv $(VENV)
	@{ $(BIN)/pip install --quiet --upgrade pip && $(BIN)/pip install --quiet -e '.[dev]'; } \
	  > $(VENV)/install.log 2>&1 || { tail -n 30 $(VENV)/install.log; echo "install failed: see $(VENV)/install.log"; exit 1; }
	@touch $(STAMP)

install: $(STAMP)

# A local .env with a fresh secret, made once, never committed.
.env:
	@sed "s|^SECRET_KEYS=.*|SECRET_KEYS=$$($(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(32))')|" .env.example > .env
	@echo "wrote .env with a new SECRET_KEYS (edit it to add TELEGRAM_BOT_TOKEN, ADMIN_PHONE ...)"

run: $(STAMP) .env
	@$(BIN)/taskbell run

# Debian's Chromium for the page tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the page tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "could not install chromium: page tests will be skipped"; }

# The suite runs in TEST_WORKERS processes (pytest-xdist; a file stays on one worker, so a module's
# sandbox and browser are shared by its tests). Most tests wait on the sandbox bot, so 3 fit 2 cores.
TEST_WORKERS ?= 3
test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

# The fast tier: pure logic, no database, no network, no browser (seconds).
test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/unit

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(STAMP)
	@command -v wrk >/dev/null 2>&1 || { \
	  echo "installing Debian's wrk for the page rows (an HTTP load generator that does not cap them)"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) \
	  || echo "could not install wrk: row 4 falls back to an asyncio httpx client"; }
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache *.egg-info
