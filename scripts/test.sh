#!/usr/bin/env bash
# Every check of `make test`: formatting, vet (also for Windows and macOS), staticcheck, the
# packages, all tests with -race, and bounded fuzzing.
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

echo "== go vet for Windows and macOS"
scripts/vet-cross.sh

echo "== staticcheck"
staticcheck ./...

echo "== packages (Windows under wine, Linux archive and .deb)"
scripts/package-test.sh

echo "== go test -race"
go test -race -count=1 -timeout 40m ./...

# Bounded fuzzing of the readers of hostile input (MIME, IHE XDM zips). A short minimisation
# time keeps a loaded CI machine from stalling on a finding.
echo "== fuzz (bounded)"
go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 20s -fuzzminimizetime 2s ./mail/msg
go test -run '^$' -fuzz '^FuzzXDMRead$' -fuzztime 20s -fuzzminimizetime 2s ./mail/xdm
