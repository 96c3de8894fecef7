#!/usr/bin/env bash
# Checks the packages of `make windows` and `make linux-package` (builds them first; the
# Go build cache makes that quick after the first time):
#   - the fyne archive installs into a temporary prefix (its own Makefile) and the
#     installed binary prints its version;
#   - the .deb has the expected files and dependencies, installs with dpkg into a
#     temporary root, and the installed binary prints its version;
#   - under wine (Debian's wine 8, headless, throw-away WINEPREFIX), comptoir.exe (GUI
#     build) and comptoir.com (console build) print their version, and `card` fails (status 1)
#     saying in French that no card module was found;
#   - the MSI (its tables are checked by package-msi-check.sh as it is built), in the same
#     prefix: a silent install with the IT properties (program, shortcuts, uninstall entry, the
#     workstation's config.json that `comptoir doctor` reads, locks included), an upgrade to a
#     rebuilt MSI of a higher version that keeps the user's data, a refused downgrade, the
#     uninstall, and an install without the desktop shortcut.
# A missing tool is a failure that says what to install.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/package-version.sh
export GOCACHE="${GOCACHE:-$(go env GOCACHE)}" # kept when XDG_CACHE_HOME moves below

fail() { echo "package-test: FAIL: $*" >&2; exit 1; }
for tool in wine x86_64-w64-mingw32-gcc dpkg-deb dpkg-shlibdeps xz make wixl msiinfo; do
  command -v "$tool" >/dev/null || fail "$tool not found: scripts/deps.sh windows package (apt-get install wine wine64 gcc-mingw-w64-x86-64 wixl msitools dpkg-dev xz-utils make)"
done
start=$SECONDS

scripts/package-linux.sh
scripts/package-windows.sh

tmp=$(mktemp -d "${TMPDIR:-/tmp}/comptoir-pkg.XXXXXX")
cleanup() {
  # The prefix's wineserver lingers a few seconds and writes into it: stop it first.
  if [ -n "${WINEPREFIX:-}" ] && [ -d "$WINEPREFIX" ]; then wineserver -k 2>/dev/null || true; wineserver -w 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
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

phase() { echo "package-test: $1 ($((SECONDS - start)) s so far)"; }
phase "packages built"

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
phase "Linux packages checked"
export WINEPREFIX="$tmp/wine" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d" WINEARCH=win64
unset DISPLAY WAYLAND_DISPLAY
wine wineboot --init >/dev/null 2>&1 || fail "wine: wineboot could not create $WINEPREFIX"
# Wine links the profile's Desktop, Documents… to the Unix home: make them plain folders, so
# that what the installer puts on the desktop stays in the throw-away prefix.
winuser="$WINEPREFIX/drive_c/users/$(id -un)"
for d in "$winuser"/*; do
  if [ -L "$d" ]; then rm "$d" && mkdir "$d"; fi
done
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
# 4. The MSI, in the same prefix.
phase "Windows executables checked"
export LC_ALL=C.UTF-8 # property values with accents reach msiexec intact
msi="dist/comptoir-$VERSION-x64.msi"
[ -f "$msi" ] || fail "$msi missing"
IFS=. read -r major minor patch _ <<<"$WINVER"
next="$major.$minor.$((patch + 1))"
echo "package-test: building the upgrade, version $next (a relink: the Go build cache has the rest)"
COMPTOIR_VERSION=$next DIST="$tmp/next" scripts/package-windows.sh >"$tmp/next.log" 2>&1 ||
  { cat "$tmp/next.log" >&2; fail "building version $next"; }
msi_next="$tmp/next/comptoir-$next-x64.msi"
phase "upgrade built"
product_code() { msiinfo export "$1" Property | tr -d '\r' | awk -F'\t' '$1 == "ProductCode" { print $2 }'; }
pc=$(product_code "$msi") pc_next=$(product_code "$msi_next")
uninstall_key='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\'
progdir="$WINEPREFIX/drive_c/Program Files/Comptoir"
cli='C:\Program Files\Comptoir\comptoir.com'
machine_config="$WINEPREFIX/drive_c/ProgramData/Comptoir/config.json"
user_config="$winuser/AppData/Roaming/comptoir/config.json"
marker="$winuser/AppData/Local/Comptoir/marqueur.txt"
shortcut() { find "$WINEPREFIX/drive_c" -path "*$1*/Comptoir.lnk" | grep -q .; } # wine puts them in the user's folders
reg_value() { wine reg query "$1" /v "$2" 2>/dev/null | tr -d '\r' | awk -v n="$2" '$1 == n { $1 = ""; $2 = ""; sub(/^ +/, ""); print }'; }

trust='C:\IGC Santé\Coffre ANS;D:\Certificats'
api="https://api.op.test/v1?structure=l'officine&x=1"
expect_output "msi: silent install with the IT properties" 0 "" \
  wine msiexec /i "$(winepath -w "$msi")" /qn OPERATOR_DOMAIN=op.mssante.test "TRUST_STORE=$trust" \
  "OPERATOR_API=$api" LOCKED=operator
[ -f "$progdir/comptoir.exe" ] && [ -f "$progdir/comptoir.com" ] || fail "msi: program not in $progdir"
shortcut "Start Menu/Programs" || fail "msi: no Start-menu shortcut"
shortcut "Desktop" || fail "msi: no desktop shortcut"
[ "$(reg_value "$uninstall_key$pc" DisplayVersion)" = "${WINVER%.*}" ] || fail "msi: uninstall entry $pc lacks DisplayVersion ${WINVER%.*}"
[ "$(reg_value "$uninstall_key$pc" Publisher)" = "Comptoir" ] || fail "msi: uninstall entry lacks the publisher"
expect_output "msi: installed comptoir.com version" 0 "$want" wine "$cli" version
# The workstation's file holds the values as given (JSON-escaped), and doctor reads it.
for want_json in '"domain": "op.mssante.test"' '"C:\\IGC Santé\\Coffre ANS"' '"D:\\Certificats"' \
                 "\"api\": \"$api\"" '"locked": ['; do
  grep -qF -- "$want_json" "$machine_config" || fail "msi: $machine_config lacks $want_json: $(cat "$machine_config")"
done
# The user's own file names another operator: the lock keeps the workstation's.
mkdir -p "$(dirname "$user_config")" "$(dirname "$marker")"
echo '{"operator": {"domain": "autre.mssante.test"}, "language": "fr"}' >"$user_config"
echo "données de l'utilisateur" >"$marker"
expect_output "msi: doctor shows the workstation's operator (locked)" 1 \
  "Opérateur : op.mssante.test (configuration du poste)" wine "$cli" doctor

# What msiexec's command line cannot carry reliably (quotes, a backslash before a quote), the
# registry does: the custom action's reader turns it into JSON unchanged.
odd='C:\Mes "certificats"\'
wine reg add 'HKLM\Software\Comptoir\Installation' /v PKCS11_MODULE /d "$odd" /f >/dev/null 2>&1 ||
  fail "wine reg add failed"
[ "$(reg_value 'HKLM\Software\Comptoir\Installation' PKCS11_MODULE)" = "$odd" ] || fail "wine reg add changed the value"
expect_output "msi: config machine --from-registry, quotes and backslashes" 0 "enregistrée" \
  wine "$cli" config machine --from-registry --file 'C:\odd.json'
grep -qF '"pkcs11_module": "C:\\Mes \"certificats\"\\"' "$WINEPREFIX/drive_c/odd.json" ||
  fail "msi: odd value mangled: $(cat "$WINEPREFIX/drive_c/odd.json")"

# Upgrade, with no properties: the new version, one uninstall entry, everything else kept.
cp "$machine_config" "$tmp/machine-before.json"
expect_output "msi: silent upgrade to $next" 0 "" wine msiexec /i "$(winepath -w "$msi_next")" /qn
expect_output "msi: upgraded comptoir.com version" 0 "Comptoir $next" wine "$cli" version
[ "$(cat "$marker")" = "données de l'utilisateur" ] || fail "msi: the upgrade lost the user's data ($marker)"
grep -q autre.mssante.test "$user_config" || fail "msi: the upgrade changed the user's settings"
cmp -s "$machine_config" "$tmp/machine-before.json" || fail "msi: the upgrade changed the workstation's configuration"
[ -z "$(reg_value "$uninstall_key$pc" DisplayVersion)" ] || fail "msi: the old version's uninstall entry remains"
[ "$(reg_value "$uninstall_key$pc_next" DisplayVersion)" = "$next" ] || fail "msi: no uninstall entry for $next"
expect_output "msi: doctor after the upgrade" 1 "Opérateur : op.mssante.test (configuration du poste)" wine "$cli" doctor
# Going back is refused (1603; wine returns it modulo 256) and changes nothing.
rc=0
wine msiexec /i "$(winepath -w "$msi")" /qn >/dev/null 2>&1 || rc=$?
[ "$rc" -ne 0 ] || fail "msi: the downgrade to $VERSION was accepted"
expect_output "msi: downgrade refused, still" 0 "Comptoir $next" wine "$cli" version

# Uninstall: the program, shortcuts and entry go; the user's data and IT's file stay.
expect_output "msi: silent uninstall" 0 "" wine msiexec /x "$(winepath -w "$msi_next")" /qn
[ ! -e "$progdir/comptoir.exe" ] && [ ! -e "$progdir/comptoir.com" ] || fail "msi: the program is still in $progdir"
! shortcut "" || fail "msi: a shortcut remains after the uninstall"
[ -z "$(reg_value "$uninstall_key$pc_next" DisplayVersion)" ] || fail "msi: the uninstall entry remains"
[ -f "$marker" ] && [ -f "$machine_config" ] || fail "msi: the uninstall removed the user's data or the workstation's configuration"
echo "ok   msi: uninstalled; user data and workstation configuration kept"

# Without the desktop shortcut (its own feature).
expect_output "msi: install without the desktop shortcut" 0 "" \
  wine msiexec /i "$(winepath -w "$msi_next")" /qn ADDLOCAL=Comptoir
shortcut "Start Menu/Programs" && ! shortcut "Desktop" || fail "msi: ADDLOCAL=Comptoir: want the Start-menu shortcut only"
expect_output "msi: uninstall again" 0 "" wine msiexec /x "$(winepath -w "$msi_next")" /qn
echo "package-test: all package checks passed in $((SECONDS - start)) s"
