# The two quick-start commands (`make run`, `make test`) create .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint format bench chaos clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[server,dev]'
	touch $(STAMP)

## Run the server on 127.0.0.1:8080 with ./heymarket-contacts.db
run: $(STAMP)
	$(BIN)/heymarket-contacts serve

## Lint, type-check and run the whole test suite (what CI runs); installs Chromium from
## Debian's packages when missing (the console's browser tests drive it with Playwright).
## Two pytest processes, each taking whole files: the suite mostly waits on servers and
## subprocesses, so two halve its time even on two cores.
test: $(STAMP) lint chromium
	$(BIN)/pytest -n 2 --dist loadfile

## Headless Chromium for the browser tests: Debian's package, never a browser download
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing chromium from Debian's packages"; \
	  as_root=$$(test "$$(id -u)" = 0 || echo sudo); \
	  $$as_root apt-get update -q && \
	  $$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

lint: $(STAMP)
	$(BIN)/ruff format --check src tests
	$(BIN)/ruff check src tests
	$(BIN)/mypy

## Benchmarks against baselines measured in the same run (not part of `make test`; installs
## wrk and nginx-light from Debian's packages when missing). BENCH_SCALE=0.1 for a quick run,
## BENCH_PROFILE=1 for py-spy profiles; results in bench-results/. See BENCHMARKS.md.
bench: $(STAMP)
	$(BIN)/python -m bench

## The long reliability rounds (tests marked chaos): kill -9 rounds, soaks, outages, the full
## schemathesis run. Not part of `make test`; each prints its figures. CHAOS_RUNS=20 repeats
## the SQLite multi-process stress 20 times; CHAOS_STRESS_SECONDS and CHAOS_SOAK_SECONDS set
## how long the stress and the soak last (60 and 300). See docs/server.md#reliability-checks.
chaos: $(STAMP)
	$(BIN)/pytest -m chaos -s

format: $(STAMP)
	$(BIN)/ruff format src tests
	$(BIN)/ruff check --fix src tests

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
