#!/usr/bin/env bash
# Prints the performance figures of the issues (Go benchmarks and end-to-end runs).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
go test -run '^$' -bench . -benchmem -timeout 120m ./...
# Mail engine (mail/bench_test.go, run by the line above): 10 000-message initial sync vs mbsync on a
# private Dovecot, for two corpora (mixed: the mix of real MSSanté mail; simple), each on tmpfs and on
# disk, the clients alternating; prints both times, the ratio, CPU (Comptoir, mbsync, Dovecot), peak
# RSS, GC cycles, allocation and page faults, the floors the machine sets (Dovecot's own CPU, the CPUs
# shared out), incremental sync, key operations. Alone (MAIL_BENCH_N, MAIL_BENCH_ROUNDS,
# MAIL_BENCH_CPU/BLOCK/HEAP for pprof profiles of Comptoir's syncs, MAIL_BENCH_PERF for perf record):
#   go test -run '^$' -bench 'BenchmarkInitialSync/mixed' -benchtime 1x -timeout 60m ./mail/
# Message list (app/demo/bench_test.go): p50/p99/max frame times, wall and CPU, for 200 random jumps
# in 50 000 cached messages:
#   go test -run '^$' -bench ListFrame50k -benchtime 200x ./app/demo/
