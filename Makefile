# The commands a person types. `make help` lists them.
SHELL := bash
.DEFAULT_GOAL := help

.PHONY: help demo stop test lint fmt build bench bench-ingest eval clean

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

bench-ingest: ## Ingest throughput: tickets/s from a 10,000-ticket file and from a fake Zendesk
	cargo bench --profile dev -p ingest --bench ingest_throughput

eval: ## Quality evaluations on ../shared/data (not written yet)
	@echo "make eval: no evaluations yet — they arrive with the analyzer and clusterer issues" >&2; exit 2

clean: stop ## Stop services and remove build output and run files
	cargo clean
	rm -rf .run
