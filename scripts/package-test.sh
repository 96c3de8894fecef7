#!/usr/bin/env bash
# Checks the packages of `make windows` and `make linux-package` (builds them first; the
# Go build cache makes that quick after the first time):
#   - the fyne archive installs into a temporary prefix (its own Makefile) and the
#     installed binary prints its version;
#   - the .deb has the expected files and dependencies, installs with dpkg into a
#     temporary root, and the installed binary prints its version;
#   - under wine (Debian's wine 8, headless, throw-away WINEPREFIX), comptoir.exe (GUI
#     build) and comptoir.com (console build) print their version, and `card` fails (status 1)
#     saying in French that no card module was found.
# A missing tool is a failure that says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/package-version.sh
export GOCACHE="${GOCACHE:-$(go env GOCACHE)}" # kept when XDG_CACHE_HOME moves below

fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
for tool in wine x86_64-w64-mingw32-gcc dpkg-deb dpkg-shlibdeps xz make; do
  command -v "$tool" >/dev/null || fail "$tool not found: scripts/deps.sh windows package (apt-get install wine wine64 gcc-mingw-w64-x86-64 dpkg-dev xz-utils make)"
done

scripts/package-linux.sh
scripts/package-windows.sh

tmp=$(mktemp -d "${TMPDIR:-/tmp}/comptoir-pkg.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
# The binaries under test (Fyne, wine) write under XDG dirs: keep that in the temp dir.
export XDG_CONFIG_HOME="$tmp/xdg/config" XDG_CACHE_HOME="$tmp/xdg/cache" XDG_DATA_HOME="$tmp/xdg/data"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME"
want="Comptoir $VERSION"

expect_output() { # name, wanted exit status, wanted substring of stdout+stderr, command...
  local name=$1 wantrc=$2 wanted=$3 got rc=0
  shift 3
  got=$("$@" 2>&1) || rc=$?
  [ "$rc" -eq "$wantrc" ] || fail "$name: exit status $rc, want $wantrc; output: $got"
  case "$got" in
    *"$wanted"*) echo "ok   $name: $(grep -F -m1 -- "$wanted" <<<"$got")" ;;
    *) fail "$name: want output containing «$wanted», got: $got" ;;
  esac
}

# 1. fyne archive → temp prefix.
goarch=$(go env GOARCH)
tarball="dist/comptoir-$VERSION-linux-$goarch.tar.xz"
[ -f "$tarball" ] || fail "$tarball missing"
mkdir -p "$tmp/tar" "$tmp/prefix"
tar -xJf "$tarball" -C "$tmp/tar"
make -s -C "$tmp/tar/comptoir" install PREFIX="$tmp/prefix" >/dev/null
for f in bin/comptoir share/applications/fr.comptoir.mssante.desktop share/pixmaps/fr.comptoir.mssante.png; do
  [ -f "$tmp/prefix/$f" ] || fail "archive: $f not installed under the prefix"
done
expect_output "archive: installed comptoir version" 0 "$want" "$tmp/prefix/bin/comptoir" version

# 2. .deb: contents, fields, install into a temp root with dpkg.
arch=$(dpkg --print-architecture)
deb="dist/comptoir_$VERSION-${BUILD}_$arch.deb"
[ -f "$deb" ] || fail "$deb missing"
contents=$(dpkg-deb --contents "$deb")
for f in ./usr/bin/comptoir ./usr/share/applications/fr.comptoir.mssante.desktop \
         ./usr/share/icons/hicolor/512x512/apps/fr.comptoir.mssante.png; do
  grep -q " $f\$" <<<"$contents" || fail "deb: $f missing"
done
[ "$(dpkg-deb --field "$deb" Version)" = "$VERSION-$BUILD" ] || fail "deb: Version is not $VERSION-$BUILD"
depends=$(dpkg-deb --field "$deb" Depends)
for lib in libc6 libgl1 libx11-6; do
  grep -q "$lib" <<<"$depends" || fail "deb: Depends lacks $lib: $depends"
done
root="$tmp/root"
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
# The temp root has no libgl1 & co. installed: their presence is checked above.
dpkg --root="$root" --force-not-root --force-depends --force-script-chrootless \
  --log=/dev/null -i "$deb" >/dev/null 2>&1 || fail "deb: dpkg -i into $root failed"
dpkg --root="$root" -s comptoir | grep -q '^Status: install ok installed' || fail "deb: not recorded as installed"
expect_output "deb: installed /usr/bin/comptoir version" 0 "$want" "$root/usr/bin/comptoir" version

# 3. Windows executable under wine.
export WINEPREFIX="$tmp/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d" WINEARCH=win64
unset DISPLAY WAYLAND_DISPLAY
wine wineboot --init >/dev/null 2>&1 || fail "wine: wineboot could not create $WINEPREFIX"
# Wine 8 lacks bcryptprimitives.dll (ProcessPrng), which the Go runtime needs and every
# Windows 10/11 has: add a stand-in to this throw-away prefix (packaging/wine).
if ! [ -e "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" ]; then
  x86_64-w64-mingw32-gcc -O2 -s -shared -o "$WINEPREFIX/drive_c/windows/system32/bcryptprimitives.dll" \
    packaging/wine/bcryptprimitives.c packaging/wine/bcryptprimitives.def -lbcrypt
fi
for exe in comptoir.exe comptoir.com; do
  [ -f "dist/$exe" ] || fail "dist/$exe missing"
  expect_output "wine: $exe version" 0 "$want" wine "dist/$exe" version
  expect_output "wine: $exe card" 1 "module de carte introuvable" wine "dist/$exe" card
done
echo "package-test: all package checks passed"
