# Soteria research workbench. `make help` lists the targets.
# Two commands do everything on a fresh machine: `make reports` and `make test`.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
SOTERIA := $(VENV)/bin/soteria
STAMP := $(VENV)/.installed-stamp
JOBS ?=
# The synthetic default, cleaned and reported, that the committed notebook outputs come from
# and that nbval re-runs the notebooks against (kept apart from the user's own data/).
NB_ROOT := $(CURDIR)/build/notebook-root

.DEFAULT_GOAL := help

.PHONY: help setup data clean-data reports test test-unit test-notebooks test-browser notebook-data notebooks test-fast lint format lab lock benchmark audit distclean

help: ## list the targets (bold only on a terminal, and never when NO_COLOR is set)
	@if [ -t 1 ] && [ -z "$${NO_COLOR+x}" ]; then on=$$'\033[1m'; off=$$'\033[0m'; else on=; off=; fi; \
	awk -v on="$$on" -v off="$$off" 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  %s%-15s%s %s\n", on, $$1, off, $$2}' $(MAKEFILE_LIST)

$(STAMP): pyproject.toml constraints.txt
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	@touch $(STAMP)

setup: $(STAMP) ## create .venv (when missing) and install the pinned dependencies

data: setup ## generate the synthetic default into data/raw/ when it holds no extracts
	$(SOTERIA) synth --if-empty

clean-data: data ## clean data/raw/ into the canonical tables in data/processed/
	$(SOTERIA) clean

# One process: the synthetic default if data/raw/ is empty, a clean unless nothing changed since
# the last one (sizes and times, then content hashes), then the reports that need building.
reports: setup ## set up, generate data if needed, clean what changed, and build every report (reports/index.html)
	$(SOTERIA) reports --prepare $(if $(JOBS),--jobs $(JOBS),)
	@echo "Open reports/index.html"

test: test-unit test-notebooks test-browser ## run the whole suite: unit, property, back-test, end-to-end, notebooks (nbval) and the reports in headless Chromium

test-unit: setup ## unit, property, back-test and end-to-end tests, and the import layers
	$(VENV)/bin/lint-imports --no-cache
	$(PY) -m pytest -n 2 --dist loadgroup

notebook-data: setup ## the synthetic default, cleaned and reported, in build/notebook-root/
	SOTERIA_ROOT=$(NB_ROOT) $(SOTERIA) synth --if-empty
	SOTERIA_ROOT=$(NB_ROOT) $(SOTERIA) clean
	SOTERIA_ROOT=$(NB_ROOT) $(SOTERIA) reports $(if $(JOBS),--jobs $(JOBS),)

test-notebooks: notebook-data ## run the committed notebooks under nbval against the synthetic default
	SOTERIA_ROOT=$(NB_ROOT) $(PY) -m pytest -p no:xdist --nbval notebooks/ --nbval-sanitize-with tests/nbval_sanitize.cfg
	SOTERIA_ROOT=$(NB_ROOT) SOTERIA_RELEASE_CHECK=1 $(PY) -m pytest -n 0 tests/release/test_synthetic_release.py

# The browser tests on a tiny run are part of test-unit; this one opens the synthetic default.
test-browser: notebook-data ## open the synthetic default's reports in headless Chromium; screenshots in build/screenshots/
	SOTERIA_BROWSER_REPORTS=$(NB_ROOT)/reports $(PY) -m pytest -n 0 tests/batch/test_browser.py -k built_report_tree

notebooks: notebook-data ## re-execute the notebooks on the synthetic default and store their outputs
	cd notebooks && SOTERIA_ROOT=$(NB_ROOT) ../$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace \
		--ExecutePreprocessor.kernel_name=python3 force_report.ipynb national_evidence.ipynb
	$(PY) -m soteria_research.notebook_policy notebook-outputs

test-fast: setup ## unit tests only (skips slow end-to-end and notebook tests)
	$(PY) -m pytest -m "not slow and not notebook" -n 2

lint: setup ## ruff check, format check and the import layers, as pre-commit and CI run them
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: setup ## apply ruff fixes and formatting
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

lab: clean-data ## prepare the data, then start JupyterLab at the project root (notebooks/, reports/, data/)
	$(VENV)/bin/jupyter lab --notebook-dir=. $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

audit: setup ## check every published output for disclosure
	$(SOTERIA) audit reports/

benchmark: setup ## run the speed benchmarks (ratios measured side by side)
	$(PY) benchmarks/bench_clean.py
	$(PY) benchmarks/bench_reports.py
	$(PY) benchmarks/bench_noop.py
	$(PY) benchmarks/bench_scale.py

lock: ## re-pin constraints.txt from a fresh resolve of pyproject.toml
	rm -rf build/lock-venv && $(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/pip install --quiet ".[dev]"
	{ echo "# Exact versions that determine results (stored notebook outputs depend on them)."; \
	  echo "# Regenerate with \`make lock\` after changing dependencies in pyproject.toml."; \
	  build/lock-venv/bin/pip freeze --exclude soteria-research; } > constraints.txt

distclean: ## remove .venv, build/, processed data and generated reports (raw data is kept)
	rm -rf $(VENV) build
	find data/processed reports -mindepth 1 ! -name README.md ! -name .gitkeep -exec rm -rf {} +
