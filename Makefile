# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
FLASK := SURVEYAPP_ENV=development BASE_URL=http://$(HOST):$(PORT) $(BIN)/flask --app wsgi

.PHONY: install run test test-sqlite lint lock assets browser office reset-demo serve clean

## install: build .venv with the app, the theme engine and the test tools, and the front-end assets
# The built-in texts' vectors (examples of the taxonomies, sentiment, safeguarding), made again when they change
VECTORS := analysis/models/all-MiniLM-L6-v2-onnx/builtin-vectors.npz
install: $(VENV)/.installed $(VECTORS) surveyapp/static/css/app.css

$(VECTORS): $(VENV)/.installed analysis/taxonomies/*.yaml analysis/data/*.yaml analysis/data/acronyms.txt
	$(BIN)/python -m analysis.onnx_model vectors

$(VENV)/.installed: requirements-dev.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	# Every package at the version and hash in the lock file (torch is its CPU build, 2.13.0+cpu).
	$(BIN)/pip install --quiet --require-hashes -r requirements-dev.lock
	# MiniLM's weights exported to ONNX once, here, with the built-in texts' vectors: the theme engine
	# embeds with it (nothing downloads) and a cold run embeds only its comments
	$(BIN)/python -m analysis.onnx_model export
	touch $@

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

surveyapp/static/css/app.css: node_modules/.package-lock.json scripts/build-assets.mjs surveyapp/static/scss/app.scss
	node scripts/build-assets.mjs

assets: surveyapp/static/css/app.css

## run: install, migrate an SQLite database in instance/, load the demo council, serve it with a background worker
run: install
	mkdir -p instance
	$(FLASK) migrate
	$(FLASK) demo
	@SURVEYAPP_ENV=development HOST=$(HOST) PORT=$(PORT) BASE_URL=http://$(HOST):$(PORT) \
		scripts/run-dev.sh $(BIN)/flask --app wsgi

## reset-demo: start the demo council again from scratch
reset-demo:
	rm -f instance/surveyapp.db instance/surveyapp.db-wal instance/surveyapp.db-shm instance/queue.db*

## lock: re-make the lock files from the pinned requirements (web server, worker, everything) with hashes
LOCK := $(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url --no-emit-find-links
lock: install
	$(LOCK) -o requirements.lock requirements.txt
	$(LOCK) -o requirements-worker.lock requirements-worker.txt
	$(LOCK) -o requirements-dev.lock requirements-dev.txt

## browser: Debian's chromium, for the Playwright tests (Playwright never downloads one)
browser:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

## lint: ruff and mypy on the app and the theme engine (configured in ruff.toml and mypy.ini)
lint: install
	$(BIN)/ruff check surveyapp analysis
	$(BIN)/mypy

## office: Debian's LibreOffice (headless) and poppler, to open the committee report's Word file as a clerk would
office:
	@test -x /usr/bin/soffice -a -x /usr/bin/pdftoppm || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libreoffice-writer-nogui poppler-utils; }

## test: install, then run every test (SQLite, and PostgreSQL at 127.0.0.1:5432 when reachable)
test: install browser office
	$(BIN)/python -m pytest -n 2 --dist loadfile

clean:
	rm -rf $(VENV) node_modules surveyapp/static/css surveyapp/static/govuk
