#!/bin/sh
# Regenerates the cors table of README.md (## cors): builds the benchmark
# binary once and runs it COUNT times, so that the three middlewares
# alternate within each pass and drift on a shared machine hits them alike,
# then summarizes the passes with benchstat.
#
#	./cors_bench.sh                 # 8 passes, ~6 minutes on 2 cores
#	COUNT=6 BENCHTIME=100000x ./cors_bench.sh
set -eu
cd "$(dirname "$0")"
count=${COUNT:-8}
benchtime=${BENCHTIME:-200000x}
out=${OUT:-cors.bench.txt}
bin=$(mktemp -d)/cors.bench.test
go test -c -o "$bin" .
: >"$out"
i=0
while [ "$i" -lt "$count" ]; do
	"$bin" -test.run '^$' -test.bench '^BenchmarkCORS$' -test.benchmem -test.benchtime "$benchtime" >>"$out"
	i=$((i + 1))
done
rm -r "$(dirname "$bin")"
benchstat=$(go env GOPATH)/bin/benchstat
if [ ! -x "$benchstat" ]; then
	go install golang.org/x/perf/cmd/benchstat@latest
fi
"$benchstat" -col /impl -row /scenario "$out"
