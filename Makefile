# The two commands of the quick start: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: run test lint typecheck pytest fuzz bench bench-http bench-tools browser-tools vendor-frontend clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the project's metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[geo]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/fleetlink serve --demo

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev browser-tools
	$(BIN)/pytest

test: lint typecheck pytest

# The suite's schemathesis runs (every check, seed 15) with more examples per operation, for
# before a release: make fuzz FUZZ_EXAMPLES=1000. `make test` runs them with 25.
FUZZ_EXAMPLES ?= 200
FUZZ_TESTS := tests/api/toyota/test_schemathesis.py tests/api/highmobility/test_schemathesis.py \
	tests/api/operator/test_schemathesis.py
fuzz: $(VENV)/.installed-dev
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest $(FUZZ_TESTS)

# Every bench of issue 10 in one run (bench/README.md): reads through the ASGI app; reads over
# HTTP beside the floor apps and Prism, the trips, --workers 1 beside 2, the servers' sizes and
# a soak; ingestion beside the bare broker; ingestion with webhooks on and off. A part that
# fails does not stop the others; the status is the last failure's. Longer runs: make bench
# BENCH_HTTP_ARGS="--backend all --soak-seconds 600 --history-days 365". `make bench-http`
# runs the HTTP bench alone.
BENCH_API_ARGS ?=
BENCH_HTTP_ARGS ?= --backend all
BENCH_INGEST_ARGS ?=
BENCH_WEBHOOKS_ARGS ?= --messages 1000 --rounds 3
bench: $(VENV)/.installed-dev bench-tools
	@echo "make bench: started $$(date -u '+%F %T UTC'), load $$(cut -d' ' -f1-3 /proc/loadavg), $$(nproc) CPUs"
	@status=0; \
	$(BIN)/python -m bench.api_reads $(BENCH_API_ARGS) || status=$$?; \
	$(BIN)/python -m bench.http_reads $(BENCH_HTTP_ARGS) || status=$$?; \
	$(BIN)/python -m bench.ingest $(BENCH_INGEST_ARGS) || status=$$?; \
	$(BIN)/python -m bench.webhooks $(BENCH_WEBHOOKS_ARGS) 2>/dev/null || status=$$?; \
	echo "make bench: ended $$(date -u '+%F %T UTC'), load $$(cut -d' ' -f1-3 /proc/loadavg), status $$status"; \
	exit $$status

bench-http: $(VENV)/.installed-dev bench-tools
	$(BIN)/python -m bench.http_reads $(BENCH_HTTP_ARGS)

# wrk drives the HTTP bench; a Debian package. Installed here when missing, as root or
# through sudo; if that fails, bench.http_reads says so and exits.
bench-tools:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  echo "installing wrk (apt-get install wrk)"; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q wrk \
	  || { $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q wrk; } \
	  || echo "could not install wrk: install it by hand (brew install wrk on macOS)"; \
	}

# The web app's browser tests (tests/web) drive Debian's Chromium through Playwright: its own
# browser download cannot work without the internet. Installed here when missing, as root or
# through sudo, like wrk above; if that fails, the browser tests skip and say why (fail in CI).
browser-tools:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  echo "installing Chromium (apt-get install chromium)"; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium \
	  || { $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q chromium; } \
	  || echo "could not install Chromium: the browser tests will skip (install it by hand)"; \
	}

# The web app's pinned front-end libraries (scripts/frontend.lock.json), fetched from the npm
# registry, checked against their recorded sha512 and unpacked into src/fleetlink/web/static/vendor.
# The result is committed: `make run` needs neither npm nor the internet. NPM_REGISTRY overrides.
vendor-frontend:
	$(PYTHON) scripts/vendor_frontend.py

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .import_linter_cache fleetlink.db fleetlink.db-wal fleetlink.db-shm
