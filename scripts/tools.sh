#!/usr/bin/env bash
# Installs the Go tools the checks use, pinned, into GOPATH/bin (only when missing).
set -euo pipefail
gobin="$(go env GOPATH)/bin"
want_staticcheck="v0.8.2"
if ! "$gobin/staticcheck" -version 2>/dev/null | grep -q "(${want_staticcheck#v})"; then
  echo "tools.sh: installing staticcheck $want_staticcheck"
  go install "honnef.co/go/tools/cmd/staticcheck@$want_staticcheck"
fi
