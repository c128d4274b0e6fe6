# The two commands: `make demo` and `make test`. Both create .venv and install what they need.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test test-fast lint install bench clean convert-links templates

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check --upgrade pip
	$(PY) -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(PY) demo/run.py --output-dir demo-output

# lint, format, types, then the suite with line and branch coverage (floor in pyproject.toml)
test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	rm -f .coverage .coverage.*
	$(PY) -m pytest -n 2 -q -p no:cacheprovider --cov --cov-report=term:skip-covered

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy

test-fast: $(STAMP)
	$(PY) -m pytest -n 2 -q -m "not slow"

# rule files written with '# mapping: <id> <strength> — <reason>' lines under their control and
# measure lists → the current link form (docs/rules.md#controls-and-measures)
convert-links: $(STAMP)
	$(PY) tests/convert_links.py $(FILES)

# the report templates compiled into modules of the package (bio2scan/render/precompiled.py):
# run after editing reports/html or reports/md (tests/render/test_precompiled.py says when)
templates: $(STAMP)
	$(PY) -m bio2scan.render.templates reports/compiled

bench: $(STAMP)
	$(PY) bench/engine.py

clean:
	rm -rf $(VENV) build dist *.egg-info demo-output bio2scan-report .coverage .coverage.* .mypy_cache .ruff_cache
