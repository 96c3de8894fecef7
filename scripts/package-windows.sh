#!/usr/bin/env bash
# make windows: cross-compiles cmd/comptoir for Windows amd64 (cgo through the Debian
# mingw-w64 cross-compiler) into dist/comptoir.exe (GUI) and dist/comptoir.com (command
# line), with the icon, the version resource and the manifest
# (packaging/windows/winres.json, rendered by go-winres), then the installer
# dist/comptoir-<version>-x64.msi (scripts/package-msi.sh).
#   DIST              output folder (default dist)
#   COMPTOIR_VERSION  overrides FyneApp.toml's version (the package test's upgrade build)
# The cold build compiles go-gl and GLFW for Windows (~6–7 min on 2 cores); later builds
# reuse the Go build cache (GOCACHE) and take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/package-version.sh

CC_WIN=${CC_WIN:-x86_64-w64-mingw32-gcc}
command -v "$CC_WIN" >/dev/null || { echo "package-windows: $CC_WIN not found: apt-get install gcc-mingw-w64-x86-64 (or scripts/deps.sh windows)" >&2; exit 1; }
gobin="$(go env GOPATH)/bin"
if ! [ -x "$gobin/go-winres" ]; then
  echo "package-windows: installing go-winres v0.3.3"
  go install github.com/tc-hib/go-winres@v0.3.3
fi

DIST=${DIST:-dist}
out=build/windows
mkdir -p "$out" "$DIST"
# The manifest identity wants the four-part version too; go-winres sets the others. The
# icon path (../../assets/icon.png) resolves the same from build/windows as from packaging/windows.
sed "s/\"version\": \"\"/\"version\": \"$WINVER\"/" packaging/windows/winres.json >"$out/winres.json"
"$gobin/go-winres" make --in "$out/winres.json" --arch amd64 --out "$out/rsrc" \
  --product-version "$WINVER" --file-version "$WINVER"

# Go links a .syso only from the main package's directory; rather than writing into
# cmd/comptoir, hand the resource object to the external linker (cgo links externally
# anyway): it is a COFF object, and ld merges its .rsrc section.
syso="$PWD/$out/rsrc_windows_amd64.syso"
case "$syso" in *" "*) echo "package-windows: the checkout path must not contain spaces ($syso)" >&2; exit 1 ;; esac

# Two links of the same code: comptoir.exe for the GUI (-H windowsgui: no console window
# behind it), and comptoir.com for the command line (console subsystem: its output and the
# PIN prompt use the console it was started from). In cmd.exe or PowerShell, "comptoir
# card" finds comptoir.com first (PATHEXT lists .COM before .EXE), as devenv.com does.
build() { # output, extra linker flags
  CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC="$CC_WIN" \
    go build -ldflags "-X main.version=$VERSION $2 -s -w -linkmode=external -extldflags=$syso" \
      -o "$1" ./cmd/comptoir
  # The resources must be there: icon, version (French) and manifest.
  local headers
  headers=$(x86_64-w64-mingw32-objdump -p "$1")
  grep -q 'Resource Directory \[.rsrc\]' <<<"$headers" ||
    { echo "package-windows: $1 has no resource section" >&2; exit 1; }
}
echo "package-windows: building $DIST/comptoir.exe and $DIST/comptoir.com (version $VERSION)"
build "$DIST/comptoir.exe" "-H windowsgui"
build "$DIST/comptoir.com" ""
ls -l "$DIST/comptoir.exe" "$DIST/comptoir.com"
DIST=$DIST scripts/package-msi.sh
