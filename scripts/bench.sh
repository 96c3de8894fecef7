#!/usr/bin/env bash
# Prints the performance figures of the issues (Go benchmarks and end-to-end runs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
go test -run '^$' -bench . -benchmem -timeout 60m ./...
# Mail engine (mail/bench_test.go, run by the line above): 10 000-message initial sync vs mbsync on a
# private Dovecot, incremental sync, key operations, peak RSS. Alone:
#   go test -run '^$' -bench BenchmarkInitialSync -benchtime 1x ./mail/
