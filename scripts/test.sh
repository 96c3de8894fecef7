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

echo "== go vet (release build, then with the demo tag)"
go vet ./...
go vet -tags demo ./...

# The release binary carries no test parts: -demo, the tours, the in-process sandbox
# operator and the test cards are only in a build with the demo tag.
echo "== release binary: no sandbox, no test cards, no IMAP server"
leaked=$(go list -deps ./cmd/comptoir | grep -E '^comptoir/(cmd/mss-sandbox/sandbox|cps/cpstest)$|imapserver|go-imap/v2/imapserver' || true)
if [ -n "$leaked" ]; then
  echo "the release build of cmd/comptoir links test parts (put them behind the demo tag):"; echo "$leaked"; exit 1
fi

echo "== go vet for Windows and macOS"
scripts/vet-cross.sh

echo "== staticcheck"
staticcheck ./...
staticcheck -tags demo ./...

echo "== packages (Windows under wine, Linux archive and .deb)"
scripts/package-test.sh

echo "== go test -race"
go test -race -count=1 -timeout 40m -tags demo -skip 'UnderXvfb$' ./...

# The real client in a real X window: the launch time and the memory it holds are measured
# figures, so these run alone, after the rest, without the race detector's slowdown.
echo "== the real client under Xvfb (launch to inbox, memory, the demo tour)"
go test -count=1 -timeout 30m -tags demo -run 'UnderXvfb$' ./cmd/comptoir

# Bounded fuzzing of the readers of hostile input (MIME, IHE XDM zips). Execution-count
# budgets, not time: Go 1.26's coordinator can fail at a -fuzztime deadline with a bare
# "context deadline exceeded" and no input (golang/go#75804). A failure counts only when the
# fuzzer wrote a reproducer under testdata/fuzz; anything else is reported and retried once.
echo "== fuzz (bounded)"
fuzz() { # fuzz PKG TARGET EXECS
  local pkg=$1 target=$2 execs=$3 corpus="$1/testdata/fuzz/$2" before after
  for attempt in 1 2; do
    before=$(ls "$corpus" 2>/dev/null | wc -l)
    if go test -run '^$' -fuzz "^$target\$" -fuzztime "${execs}x" -fuzzminimizetime 200x "./$pkg"; then
      return 0
    fi
    after=$(ls "$corpus" 2>/dev/null | wc -l)
    if [ "$after" -gt "$before" ]; then
      echo "fuzz: $target found a failing input, written under $corpus" >&2
      return 1
    fi
    echo "fuzz: $target stopped without a failing input (attempt $attempt): not a finding" >&2
  done
  echo "fuzz: $target could not complete twice" >&2
  return 1
}
fuzz mail/msg FuzzParse 40000
fuzz mail/xdm FuzzXDMRead 40000
