# Targets: test (everything, with its own set-up), lint, fuzz, bench.
FUZZTIME ?= 30s
COUNT ?= 8

.PHONY: test lint fuzz bench

test:
	scripts/test.sh

lint:
	scripts/setup.sh
	gofmt -l . | (! grep .)
	for m in . e2e bench adapters/gin adapters/echo adapters/fiber adapters/examples; do (cd $$m && go vet ./... && $$(go env GOPATH)/bin/staticcheck ./... && $$(go env GOPATH)/bin/golangci-lint run --config $(CURDIR)/.golangci.yml ./...) || exit 1; done

# fuzz runs every fuzz target of the root module for FUZZTIME each.
fuzz:
	scripts/fuzz.sh $(FUZZTIME)

# bench runs the side-by-side benchmarks and summarizes them with benchstat.
bench:
	scripts/bench.sh $(COUNT)
