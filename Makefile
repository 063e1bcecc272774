# PALU KEBAB — two commands on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask
PORT ?= 8080
PYTHON ?= python3

.PHONY: install translations migrate seed demo run serve test system-deps babel-extract clean-db

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

install: $(VENV)/.installed

translations: install
	$(VENV)/bin/pybabel compile -d app/translations

migrate: install
	$(FLASK) db upgrade heads

seed: migrate
	$(FLASK) ppks seed
	$(FLASK) ppks demo-users
	$(FLASK) ppks demo --if-empty --persons $${DEMO_PERSONS:-400}
	$(FLASK) kasus demo --if-empty --jumlah 24

run: install translations seed
	@echo
	@echo "PALU KEBAB: http://127.0.0.1:$(PORT)"
	@echo "Demo logins (password: $${DEMO_PASSWORD:-Bekasi#2026}):"
	@echo "  admin, operator, peksos, pimpinan, satpolpp, pilar.bekasitimur, pilar.jatiasih"
	@echo
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# Debian packages the tests need (browser journeys, PDF checks); installed when root.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium poppler-utils >/dev/null; \
	  else echo "NOTE: install Debian's chromium and poppler-utils for the browser and PDF tests"; fi; \
	fi

test: install translations system-deps
	bash tests/run_suites.sh

babel-extract: install
	$(VENV)/bin/pybabel extract -F babel/babel.cfg -k _l -k lazy_gettext -o babel/messages.pot .
	cp babel/fab_id.po app/translations/id/LC_MESSAGES/messages.po
	$(VENV)/bin/pybabel update -i babel/messages.pot -d app/translations -l en --no-fuzzy-matching
	$(VENV)/bin/pybabel compile -d app/translations
