.PHONY: demo test setup lint

demo: ## Install, migrate, load the demo data, run the web server and the task worker.
	scripts/setup.sh
	scripts/demo.sh

test: ## Lint, type-check and run every test on SQLite and PostgreSQL.
	scripts/test.sh

setup:
	scripts/setup.sh

# The settings refuse to load in production mode without their secrets: mypy's Django plugin
# loads them, so lint runs in test mode (also from a clean shell).
lint: export PORTAL_ENV = test
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy portal config e2e bench conftest.py && .venv/bin/lint-imports --no-cache --no-logo
