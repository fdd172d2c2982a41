#!/usr/bin/env bash
# bench.sh runs the side-by-side benchmarks in bench/ COUNT times,
# interleaved (one pass of every benchmark per round, so that drift on a
# shared machine hits every implementation alike), and summarizes them with
# benchstat. Raw results go to bench/out/.
set -euo pipefail
cd "$(dirname "$0")/../bench"
count=${1:-6}
pattern=${BENCH:-.}
gobin="$(go env GOPATH)/bin"
[ -x "$gobin/benchstat" ] || go install golang.org/x/perf/cmd/benchstat@latest
mkdir -p out
go test -c -o out/bench.test .
: > out/raw.txt
for i in $(seq "$count"); do
	echo "round $i/$count" >&2
	./out/bench.test -test.run '^$' -test.bench "$pattern" -test.benchmem >> out/raw.txt
done
"$gobin/benchstat" -col /impl out/raw.txt | tee out/benchstat.txt
