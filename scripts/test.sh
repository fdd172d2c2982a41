#!/usr/bin/env bash
# test.sh is the one command that runs every test: it installs what is
# missing (scripts/setup.sh), checks formatting, vets and lints every module,
# then runs all tests under the race detector, including the fuzz targets'
# seed corpora and the end-to-end tests in real Chromium, Firefox and WebKit.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

scripts/setup.sh
staticcheck="$(go env GOPATH)/bin/staticcheck"
golangci_lint="$(go env GOPATH)/bin/golangci-lint"
# The framework adapters are modules of their own, so that the root
# module never depends on a framework.
adapters=(adapters/gin adapters/echo adapters/fiber adapters/examples)
modules=(. e2e bench "${adapters[@]}")

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

for m in "${modules[@]}"; do
	echo "== go vet, staticcheck and golangci-lint ($m)"
	(cd "$root/$m" && go vet ./... && "$staticcheck" ./... && "$golangci_lint" run --config "$root/.golangci.yml" ./...)
done

echo "== the root module depends on no web framework"
if go list -m all | grep -E 'gin-gonic|labstack/echo|gofiber|valyala/fasthttp|go-chi|gorilla/mux'; then
	echo "the root go.mod must not depend on a framework: keep it in adapters/"; exit 1
fi

echo "== go test -race (root module)"
go test -race -count=1 -timeout 10m ./...
echo "== go test -race (e2e: real Chromium, Firefox and WebKit)"
(cd e2e && go test -race -count=1 -timeout 10m ./...)
echo "== go test (bench: harness sanity checks, no benchmarks)"
(cd bench && go test -count=1 -timeout 5m ./...)
for m in "${adapters[@]}"; do
	echo "== go test -race ($m: real servers of the framework on loopback)"
	(cd "$root/$m" && go test -race -count=1 -timeout 5m ./...)
done
echo "all tests passed"
