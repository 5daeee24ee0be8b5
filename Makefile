# pyiscsi: `make demo` and `make test` on a fresh Debian 12 machine, as root.
# Every target first runs scripts/install-deps.sh (tgt, libiscsi-bin, .venv; quiet when done).

VENV   := .venv
PY     := $(VENV)/bin/python
RUFF   := $(VENV)/bin/ruff
MYPY   := $(VENV)/bin/mypy
PYTEST := $(PY) -m pytest
# The tgtd harness and the demo are typechecked too (tests/ holds the tgt module).
HARNESS := tests/tgt.py tests/faultproxy.py scripts/demo.py scripts/fuzz_core.py

.PHONY: all deps pydeps demo test lint typecheck unit integration bench dist docs clean

all: test

deps:
	@bash scripts/install-deps.sh

# Only the .venv: no apt, no root.
pydeps:
	@bash scripts/install-deps.sh --python-only

demo: deps
	$(PY) scripts/demo.py

# ruff, mypy and pytest all run even if one fails, so CI shows every result (and pytest's
# summary line); the target fails if any of them did. pytest's status 5 (no tests) fails too.
test: deps
	@failed=""; \
	echo "+ ruff check src tests scripts bench examples"; \
	$(RUFF) check src tests scripts bench examples || failed="$$failed ruff"; \
	echo "+ mypy"; $(MYPY) || failed="$$failed mypy"; \
	MYPYPATH=tests $(MYPY) $(HARNESS) || failed="$$failed mypy-harness"; \
	echo "+ scripts/check_dist.py"; $(PY) scripts/check_dist.py || failed="$$failed dist"; \
	echo "+ pytest -q tests"; $(PYTEST) -q tests || failed="$$failed pytest"; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed"; exit 1; fi; \
	echo "make test: all passed"

lint: pydeps
	$(RUFF) check src tests scripts bench examples

typecheck: pydeps
	$(MYPY)
	MYPYPATH=tests $(MYPY) $(HARNESS)

# No root, no apt, no tgtd.
unit: pydeps
	$(PYTEST) -q tests/unit

integration: deps
	$(PYTEST) -q tests/integration

# libiscsi-dev builds bench/libiscsi_write.c, the WRITE yardstick (libiscsi-bin has none)
bench: deps
	@dpkg -s libiscsi-dev >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libiscsi-dev >/dev/null
	$(PY) bench/core_micro.py --commands 90000
	$(PY) bench/perf_vs_libiscsi.py

# Wheel and sdist built and their metadata checked (also part of make test).
dist: pydeps
	$(PY) scripts/check_dist.py

# The API reference (Sphinx, autodoc) in docs/_build/html; any warning fails.
docs:
	@bash scripts/install-deps.sh --python-only --docs
	$(PY) -m sphinx -W --keep-going -q -b html docs docs/_build/html

clean:
	rm -rf $(VENV) build dist docs/_build .demo .pytest_cache .mypy_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name '*.egg-info' -type d -prune -exec rm -rf {} +
