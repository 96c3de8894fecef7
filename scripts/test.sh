#!/usr/bin/env bash
# Every check of `make test`: formatting, vet, staticcheck, all tests with -race.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go'; git ls-files --others --exclude-standard '*.go'))
if [ -n "$unformatted" ]; then
  echo "gofmt would change:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

echo "== staticcheck"
staticcheck ./...

echo "== go test -race"
go test -race -count=1 -timeout 40m ./...

# Bounded fuzzing of the readers of hostile input (MIME, IHE XDM zips). A short minimisation
# time keeps a loaded CI machine from stalling on a finding.
echo "== fuzz (bounded)"
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 20s -fuzzminimizetime 2s ./mail/msg
go test -run '^$' -fuzz '^FuzzXDMRead$' -fuzztime 20s -fuzzminimizetime 2s ./mail/xdm
