#!/usr/bin/env bash
# Prints the performance figures of the issues (Go benchmarks and end-to-end runs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
go test -run '^$' -bench . -benchmem -timeout 60m ./...
