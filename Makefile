# Two commands do everything: `make run` serves the demo, `make test` runs every check.
# Python >= 3.12 is required; .python-version asks pyenv for 3.13.

SHELL := /bin/bash
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
# The demo's address in every link it writes (emails, feeds, canonical links) and prints. Set it
# when the site is reached by another name: make run HOST=0.0.0.0 SITE_URL=http://my-laptop.local:8000
SITE_URL ?= http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
PYTHON ?= $(shell for p in python3.13 python3.12 python3 python; do \
	c=$$(command -v $$p 2>/dev/null) || continue; \
	$$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$c; break; }; done)

.PHONY: run test install lint check-python clean db_worker bench rehearsal messages

check-python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "error: Python 3.12 or newer is required (3.13 preferred; see .python-version)."; \
		echo "       Install it (e.g. 'pyenv install 3.13') or put it on PATH, or run: make PYTHON=/path/to/python3.13 ..."; \
		exit 1; fi

$(PY): | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the dependency pins change.
$(VENV)/.installed: pyproject.toml constraints.txt | $(PY)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $@

install: $(VENV)/.installed

# var/demo.env remembers the demo's profile and address, so that every `manage.py` command README
# names works as written in this checkout (portal/settings.py reads it when PORTAL_ENV is unset).
run: install
	@mkdir -p var
	@printf '%s\n' '# Written by `make run`: the demo profile manage.py uses when PORTAL_ENV is not set (README, "Commands").' \
		'PORTAL_ENV=development' 'SITE_URL=$(SITE_URL)' > var/demo.env
	@scripts/compilemessages.sh
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	@echo "Emails the demo sends: $(SITE_URL)/demo/mailbox/ (or: $(PY) manage.py mailbox)."
	@echo "Serving $(SITE_URL)/ — the task worker runs beside it; Ctrl-C stops both."
	@$(PY) manage.py run_worker --queue-name default & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

# The Spanish catalogue after a change of text (then translate: README, "Languages").
messages: install
	PORTAL_ENV=development $(PY) manage.py makemessages -l es --no-obsolete --add-location file -i '.venv/*' -i 'tests/*'

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install
	@scripts/test.sh

# The benchmark (not part of `make test`): PostgreSQL, gunicorn and wrk on this machine, about
# 15 minutes the first time (the dataset is then kept in var/bench/pg). See docs/performance.md.
$(VENV)/.installed-bench: pyproject.toml constraints.txt | $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test,bench]'
	touch $@

bench: $(VENV)/.installed-bench
	@scripts/bench/run.sh

# The production rehearsal (not part of `make test`; about 4 minutes, bounded): nginx, two app
# nodes, PostgreSQL, Redis and two workers on loopback, then the checks as a table (README,
# "Running in production"). MIGRATIONS=1 also times every migration on the benchmark's dataset.
rehearsal: $(VENV)/.installed-bench
	@REHEARSAL_MIGRATIONS=$(or $(MIGRATIONS),$(REHEARSAL_MIGRATIONS),0) scripts/rehearsal/run.sh

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
