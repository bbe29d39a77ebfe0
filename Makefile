# The two commands of the README: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

# With no settings, the portal runs in development mode on embedded defaults.
export DEBUG ?= true
# Links in emails, og:url and consent records name the address being served (every process of
# `make run` reads it, the Celery worker too), unless the operator set SITE_URL.
export SITE_URL ?= http://$(if $(filter 0.0.0.0 ::,$(HOST)),127.0.0.1,$(HOST)):$(PORT)

.PHONY: run test lint check deps dev-deps lock messages translations serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Installs come from the lock files only: every package pinned, each file checked against its hash.
$(VENV)/.deps: requirements/base.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/base.txt
	touch $@

$(VENV)/.dev-deps: requirements/dev.txt $(VENV)/.deps
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements/dev.txt
	touch $@

deps: $(VENV)/.deps
dev-deps: $(VENV)/.dev-deps

# After changing pyproject.toml's dependencies: resolve requirements/ again (commit both).
# `make lock UPGRADE=1` also moves the transitive packages to their newest releases.
lock: dev-deps
	$(BIN)/python scripts/lock.py $(if $(UPGRADE),--upgrade)

translations: deps
	$(BIN)/python scripts/compile_translations.py

run: deps translations
	$(MANAGE) migrate --noinput
	$(MANAGE) library_write_pictures
	$(MANAGE) seed_demo
	@echo
	@echo "Serving http://$(HOST):$(PORT)  (links in emails: $(SITE_URL); emails: console and var/mail/)"
	@echo "with a Celery worker and beat beside it (broker: $(or $(REDIS_URL),files in var/celery/)); Ctrl-C stops all three"
	HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho start -f Procfile.dev

lint: dev-deps
	$(BIN)/python scripts/lock.py --check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy iapt_platform initiatives community library newsletter
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/python scripts/check_messages.py
	@# Production settings as an operator would give them (iapt_platform/checks.py refuses less).
	DEBUG=false SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') ALLOWED_HOSTS=iapt.example.org \
		SITE_URL=https://iapt.example.org REDIS_URL=redis://redis.invalid:6379/0 EMAIL_URL=smtp://smtp.invalid:25 \
		SOURCE_URL=https://source.example.org/iapt-platform CONTACT_EMAIL=iapt@example.org \
		$(MANAGE) check --deploy --fail-level WARNING
	@# Production static files: hashed names must resolve every reference (as in the image build).
	DEBUG=false SECRET_KEY=static-check ALLOWED_HOSTS=x STATIC_ROOT=$$(mktemp -d) \
		$(MANAGE) collectstatic --noinput -v0

test: lint translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Developers: refresh the catalogues after changing strings (needs GNU gettext), then translate.
messages: dev-deps
	$(MANAGE) makemessages --locale es --locale en --locale pt_BR --no-obsolete \
		--ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*' --ignore 'bench/*'
	$(BIN)/python scripts/fill_english_catalogue.py

clean:
	rm -rf $(VENV) staticfiles var db.sqlite3
