.PHONY: demo test setup lint

demo: ## Install, migrate, load the demo data, run the web server and the task worker.
	scripts/setup.sh
	scripts/demo.sh

test: ## Lint, type-check and run every test on SQLite and PostgreSQL.
	scripts/test.sh

setup:
	scripts/setup.sh

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy portal config && .venv/bin/lint-imports --no-cache --no-logo
