# The two commands a newcomer types: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test venv browser clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "canvaslink needs $(PYTHON) on PATH (set PYTHON=... to use another 3.11+)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

# Web app + RQ worker + Canvas simulator on embedded defaults (SQLite, local or embedded Redis).
run: $(STAMP)
	$(BIN)/python scripts/devrun.py

# Every test; browser tests need Debian's Chromium, which `make browser` installs (root only).
test: $(STAMP) browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

browser:
	@scripts/ensure-chromium

clean:
	rm -rf $(VENV) instance .pytest_cache
