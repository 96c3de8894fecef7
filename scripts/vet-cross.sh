#!/usr/bin/env bash
# go vet for Windows and macOS, so platform-specific code cannot rot unseen on Linux.
#   windows/amd64: every package, tests included, with cgo through Debian's mingw-w64
#     cross-compiler (the card's PKCS#11 binding and the GLFW driver included);
#   darwin/arm64 (no C cross-compiler for macOS here), with CGO_ENABLED=0:
#     - packages whose code and tests build without cgo: `go vet`;
#     - packages whose code builds without cgo but whose tests need it (SoftHSM test
#       cards): `go build`, a type check of the code for that OS;
#     - packages that need cgo themselves: listed as not checked.
# Usage: scripts/vet-cross.sh [GOOS/GOARCH...]   (default: windows/amd64 darwin/arm64)
set -euo pipefail
cd "$(dirname "$0")/.."

# C cross-compilers known for a target.
declare -A CROSS_CC=([windows/amd64]=x86_64-w64-mingw32-gcc)

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(windows/amd64 darwin/arm64)
status=0
for target in "${targets[@]}"; do
  export GOOS=${target%/*} GOARCH=${target#*/}
  cc=${CROSS_CC[$target]:-}
  if [ -n "$cc" ]; then
    command -v "$cc" >/dev/null || {
      echo "vet-cross: $cc not found: apt-get install gcc-mingw-w64-x86-64 (scripts/deps.sh windows)" >&2
      exit 1
    }
    echo "== $target, cgo with $cc: go vet ./..."
    CGO_ENABLED=1 CC=$cc go vet ./... || status=1
    continue
  fi

  # Non-standard packages with cgo files on this OS, among everything our packages and
  # their tests import (go list needs no C compiler for this).
  cgo=$(CGO_ENABLED=1 go list -e -deps -test \
          -f '{{if and (not .Standard) .CgoFiles}}{{.ImportPath}}{{end}}' ./... |
        sed 's/ \[.*//' | sort -u)
  # For each package, its line, its test variant's and its test main's: "path|for-test|deps".
  classes=$(CGO_ENABLED=1 go list -e -test -f '{{.ImportPath}}|{{.ForTest}}|{{join .Deps " "}}' ./... |
    awk -F'|' -v cgo="$cgo" '
      BEGIN { n = split(cgo, c, "\n"); for (i = 1; i <= n; i++) if (c[i] != "") iscgo[c[i]] = 1 }
      {
        self = $1; sub(/ \[.*/, "", self)
        pkg = self; istest = ($2 != "" || self ~ /\.test$/)
        if ($2 != "") pkg = $2; else if (pkg ~ /\.test$/) sub(/\.test$/, "", pkg)
        seen[pkg] = 1
        bad = (self in iscgo)
        m = split($3, d, " ")
        for (i = 1; i <= m && !bad; i++) { dep = d[i]; sub(/ \[.*/, "", dep); if (dep in iscgo) bad = 1 }
        if (bad && istest) testbad[pkg] = 1
        if (bad && !istest) codebad[pkg] = 1
      }
      END {
        for (p in seen) {
          if (p in codebad) print "cgo " p
          else if (p in testbad) print "build " p
          else print "vet " p
        }
      }' | sort)
  ours=$(CGO_ENABLED=0 go list -e ./... | sort -u)
  pick() { comm -12 <(awk -v k="$1" '$1 == k { print $2 }' <<<"$classes" | sort -u) <(echo "$ours"); }
  vet=$(pick vet); build=$(pick build); skip=$(pick cgo)
  echo "== $target, CGO_ENABLED=0: go vet $(grep -c . <<<"$vet") packages, go build $(grep -c . <<<"$build")"
  [ -z "$build" ] || echo "   type-checked only (their tests need cgo): $(echo $build)"
  [ -z "$skip" ] || echo "   not checked (they need cgo on $GOOS, no C cross-compiler): $(echo $skip)"
  # shellcheck disable=SC2086
  [ -z "$vet" ] || CGO_ENABLED=0 go vet $vet || status=1
  # shellcheck disable=SC2086
  [ -z "$build" ] || CGO_ENABLED=0 go build $build || status=1
done
exit $status
