# Two commands do all the set-up on a fresh machine with Python 3.10+:
#   make demo   - create .venv, install splashseg, run the offline end-to-end demo
#   make test   - create .venv, install splashseg with its dev tools, check the layer rules, run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.splashseg-installed

.PHONY: setup demo test lint bench
setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade -q pip
	$(PY) -m pip install -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/splashseg demo --out demo-out --force

test: $(STAMP)
	$(VENV)/bin/lint-imports  # the layer rules of ARCHITECTURE.md ([tool.importlinter] in pyproject.toml)
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check splashseg tests benchmarks

bench: $(STAMP)
	$(PY) benchmarks/bench_splash.py
