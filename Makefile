# The commands a person types. `make help` lists them.
SHELL := bash
.DEFAULT_GOAL := help

.PHONY: help demo stop test lint fmt build bench eval clean bench-api openapi

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

demo: ## Run the whole pipeline on the bundled sample tickets and print where the API is
	@bash deploy/local/demo.sh

stop: ## Stop the services `make demo` started
	@bash deploy/local/stop.sh

test: ## Run every test (needs PostgreSQL and Redis on 127.0.0.1)
	cargo test --workspace --all-targets

lint: ## Formatting and clippy, warnings as errors
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt: ## Format the code
	cargo fmt --all

build: ## Build every binary
	cargo build --workspace --bins

bench: ## Benchmarks (not written yet)
	@echo "make bench: no benchmarks yet — they arrive with the clusterer, API and hardening issues" >&2; exit 2

bench-api: ## API throughput/latency with wrk on 100k issues in 2k clusters (own database)
	@bash deploy/bench/api.sh

openapi: ## Regenerate services/api/openapi.json from the code
	cargo run --quiet -p api -- openapi > services/api/openapi.json

eval: ## Quality evaluations on ../shared/data (not written yet)
	@echo "make eval: no evaluations yet — they arrive with the analyzer and clusterer issues" >&2; exit 2

clean: stop ## Stop services and remove build output and run files
	cargo clean
	rm -rf .run
