# Seller Hub: `make demo` to try it, `make test` to check it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
SANDBOX_PORT ?= 9100

.PHONY: demo test bench lint install run migrate clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Seller Hub needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

install: $(BIN)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

# Set up, seed the demo business and run the web server with the django-q2
# cluster beside it. Ctrl-C stops both.
demo: migrate
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "Seller Hub runs on http://127.0.0.1:$(PORT)"
	@echo "  owner:   owner@example.com   / seller-hub-owner"
	@echo "  partner: partner@example.com / seller-hub-partner"
	@echo "Amazon calls go to the local sandbox on http://127.0.0.1:$(SANDBOX_PORT)."
	@echo "Ctrl-C stops it."
	@export SPAPI_ENDPOINT=http://127.0.0.1:$(SANDBOX_PORT) \
	       LWA_TOKEN_URL=http://127.0.0.1:$(SANDBOX_PORT)/auth/o2/token \
	       ADS_API_ENDPOINT=http://127.0.0.1:$(SANDBOX_PORT) \
	       ADS_TOKEN_URL=http://127.0.0.1:$(SANDBOX_PORT)/auth/o2/token; \
	$(BIN)/python manage.py amazon_sandbox --port $(SANDBOX_PORT) & pids=$$!; \
	$(BIN)/python manage.py qcluster & pids="$$pids $$!"; \
	$(BIN)/gunicorn config.wsgi --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile - & \
	pids="$$pids $$!"; \
	trap 'trap - INT TERM EXIT; kill $$pids 2>/dev/null; wait' INT TERM EXIT; \
	wait

# Development server with auto-reload (DEBUG on).
run: migrate
	DEBUG=true $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The whole suite: SQLite unless DATABASE_URL is set.
test: install
	$(BIN)/pytest -n 2 --dist loadfile

bench: install
	$(BIN)/python tests/bench/run.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var
