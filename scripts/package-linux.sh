#!/usr/bin/env bash
# make linux-package: builds cmd/comptoir for Linux and packages it twice, into dist/:
#   comptoir-<version>-linux-amd64.tar.xz   the `fyne package -os linux` archive (binary,
#                                           .desktop file, icon and a Makefile: make install)
#   comptoir_<version>-<build>_amd64.deb    a Debian package built with dpkg-shlibdeps and
#                                           dpkg-deb: /usr/bin/comptoir, .desktop, icon
# The version comes from FyneApp.toml (scripts/package-version.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/package-version.sh

for tool in dpkg-deb dpkg-shlibdeps xz; do
  command -v "$tool" >/dev/null || { echo "package-linux: $tool not found: apt-get install dpkg-dev xz-utils (or scripts/deps.sh package)" >&2; exit 1; }
done
gobin="$(go env GOPATH)/bin"
if [[ "$("$gobin/fyne" version 2>/dev/null || true)" != *"cli version: v1.7.4"* ]]; then
  echo "package-linux: installing fyne v1.7.4"
  go install fyne.io/tools/cmd/fyne@v1.7.4
fi

arch=$(dpkg --print-architecture)
goarch=$(go env GOARCH)
out=build/linux
rm -rf "$out" && mkdir -p "$out" dist

# Same flags as `make build` (plus -s -w at link time), so the build cache is shared.
echo "package-linux: building comptoir $VERSION for linux/$goarch"
CGO_ENABLED=1 go build -ldflags "-X main.version=$VERSION -s -w" -o "$out/comptoir" ./cmd/comptoir

# 1. The fyne archive. fyne reads FyneApp.toml (name, id, icon, version) from the current
#    directory and, given --executable, packages that binary instead of building its own.
#    It runs on a copy: fyne package rewrites FyneApp.toml (Build + 1) after packaging.
tarball="dist/comptoir-$VERSION-linux-$goarch.tar.xz"
#    The copy lives outside the module, where `go vet ./...` cannot see its stub main.go
#    (fyne insists on finding Go code beside FyneApp.toml).
rm -f "$tarball"
fyne_src=$(mktemp -d "${TMPDIR:-/tmp}/comptoir-fyne.XXXXXX")
trap 'rm -rf "$fyne_src"' EXIT
mkdir -p "$fyne_src/assets"
cp FyneApp.toml "$fyne_src/"
grep -q '^\[LinuxAndBSD\]' FyneApp.toml || cat packaging/linux/FyneApp-linux.toml >>"$fyne_src/FyneApp.toml"
cp assets/icon.png "$fyne_src/assets/"
printf 'package main\n\nfunc main() {}\n' >"$fyne_src/main.go"
(cd "$fyne_src" && "$gobin/fyne" package -os linux --executable "$OLDPWD/$out/comptoir")
mv "$fyne_src/Comptoir.tar.xz" "$tarball"
echo "package-linux: $tarball"

# 2. The .deb.
stage="$out/deb"
mkdir -p "$stage/DEBIAN" "$stage/usr/bin" "$stage/usr/share/applications" \
  "$stage/usr/share/icons/hicolor/512x512/apps" "$stage/usr/share/doc/comptoir"
install -m 0755 "$out/comptoir" "$stage/usr/bin/comptoir"
install -m 0644 packaging/linux/fr.comptoir.mssante.desktop "$stage/usr/share/applications/"
install -m 0644 assets/icon.png "$stage/usr/share/icons/hicolor/512x512/apps/fr.comptoir.mssante.png"
install -m 0644 packaging/deb/copyright "$stage/usr/share/doc/comptoir/copyright"

# Shared-library dependencies as Debian computes them (libc6, libgl1, libx11-6, …);
# dpkg-shlibdeps wants a debian/control beside it.
shl="$out/shlibs"
mkdir -p "$shl/debian"
printf 'Source: comptoir\n\nPackage: comptoir\nArchitecture: any\n' >"$shl/debian/control"
depends=$(cd "$shl" && dpkg-shlibdeps -O -e"$OLDPWD/$stage/usr/bin/comptoir" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "package-linux: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

size=$(du -sk --apparent-size "$stage/usr" | cut -f1)
sed -e "s/@VERSION@/$VERSION-$BUILD/" -e "s/@ARCH@/$arch/" -e "s/@INSTALLED_SIZE@/$size/" \
    -e "s/@DEPENDS@/$depends/" packaging/deb/control.in >"$stage/DEBIAN/control"
(cd "$stage" && find usr -type f -print0 | sort -z | xargs -0 md5sum) >"$stage/DEBIAN/md5sums"
deb="dist/comptoir_$VERSION-${BUILD}_$arch.deb"
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "package-linux: $deb"
dpkg-deb --field "$deb" Package Version Depends
