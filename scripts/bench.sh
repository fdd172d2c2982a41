#!/usr/bin/env bash
# bench.sh runs the side-by-side benchmarks in bench/: the cors middleware
# against rs/cors and jub0bs/cors (interleaved passes, summarized with
# benchstat), then the proxy against a bare httputil.ReverseProxy and
# cors-anywhere from npm. bench/README.md explains both tables.
set -euo pipefail
cd "$(dirname "$0")/../bench"
count=${1:-8}
echo "== cors ($count interleaved passes)" >&2
COUNT=$count ./cors_bench.sh
echo "== proxy" >&2
go test -run '^$' -bench BenchmarkProxy -benchtime 2s .
