# The two commands: `make run` and `make test`. Both set everything up on a fresh machine.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Processes answering PORT (empty: TELREG_WEB_WORKERS, else one per CPU); the dev inbox and demo lines are shared.
WORKERS ?=

.PHONY: run test test-sqlite bench lint clean messages

# The scrub's C loops are built by the install: rebuild when they change.
$(STAMP): pyproject.toml setup.py src/telreg/senders/scrub/_kernels.c $(wildcard src/telreg/senders/scrub/*.h) $(wildcard src/telreg/locale/*/LC_MESSAGES/*.po)
	@$(PYTHON) -c 'import sys; sys.exit("telreg needs Python >= 3.11") if sys.version_info < (3, 11) else None'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m telreg.core.i18n_catalogs compile
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m telreg db upgrade
	$(PY) -m telreg demo load
	$(PY) -m telreg serve --host $(HOST) --port $(PORT) $(if $(WORKERS),--workers $(WORKERS)) --with-worker

test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# Pyflakes-class errors only (unused imports, undefined names, syntax): the style rules are not enforced yet.
lint: $(STAMP)
	$(PY) -m ruff check --select E9,F --ignore F811 src tests bench

bench: $(STAMP)
	$(PY) bench/registrations.py

# Bring the catalogs in step with the code: new sentences added (untranslated), vanished ones dropped. Then
# translate the new msgids in src/telreg/locale/*/LC_MESSAGES/telreg.po and run `make test` (it checks them).
messages: $(STAMP)
	$(PY) -m telreg.core.i18n_catalogs update
	$(PY) -m telreg.core.i18n_catalogs check || true

clean:
	rm -rf $(VENV) var .pytest_cache
