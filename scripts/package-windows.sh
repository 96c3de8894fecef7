#!/usr/bin/env bash
# make windows: cross-compiles cmd/comptoir for Windows amd64 (cgo through the Debian
# mingw-w64 cross-compiler) into dist/comptoir.exe, with the icon, the version resource
# and the manifest (packaging/windows/winres.json, rendered by go-winres).
# The cold build compiles go-gl and GLFW for Windows (~6–7 min on 2 cores); later builds
# reuse the Go build cache (GOCACHE) and take seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/package-version.sh

CC_WIN=${CC_WIN:-x86_64-w64-mingw32-gcc}
command -v "$CC_WIN" >/dev/null || { echo "package-windows: $CC_WIN not found: apt-get install gcc-mingw-w64-x86-64 (or scripts/deps.sh windows)" >&2; exit 1; }
gobin="$(go env GOPATH)/bin"
if ! "$gobin/go-winres" help >/dev/null 2>&1; then
  echo "package-windows: installing go-winres v0.3.3"
  go install github.com/tc-hib/go-winres@v0.3.3
fi

out=build/windows
mkdir -p "$out" dist
# The manifest identity wants the four-part version too; go-winres sets the others.
sed "s/\"version\": \"\"/\"version\": \"$WINVER\"/" packaging/windows/winres.json >"$out/winres.json"
sed -i 's#"\.\./\.\./assets/#"../../assets/#' "$out/winres.json" # build/windows is as deep as packaging/windows
"$gobin/go-winres" make --in "$out/winres.json" --arch amd64 --out "$out/rsrc" \
  --product-version "$WINVER" --file-version "$WINVER"

# The resource object must sit in the main package's directory for the linker to take it:
# an overlay adds it there without writing into cmd/comptoir.
syso="$PWD/$out/rsrc_windows_amd64.syso"
cat >"$out/overlay.json" <<JSON
{"Replace": {"$PWD/cmd/comptoir/rsrc_windows_amd64.syso": "$syso"}}
JSON

echo "package-windows: building dist/comptoir.exe (version $VERSION)"
CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC="$CC_WIN" \
  go build -overlay "$out/overlay.json" \
    -ldflags "-X main.version=$VERSION -H windowsgui -s -w" \
    -o dist/comptoir.exe ./cmd/comptoir
ls -l dist/comptoir.exe
