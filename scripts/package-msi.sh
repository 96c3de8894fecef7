#!/usr/bin/env bash
# make windows, after package-windows.sh: the Windows installer dist/comptoir-<version>-x64.msi,
# built with wixl (msitools) from packaging/windows/comptoir.wxs and dist/comptoir.exe + .com.
#   DIST   the folder holding the two binaries and receiving the .msi (default dist)
# The MSI's version is the first three parts of the Windows version (Windows Installer compares
# only those); its ProductCode is derived from the UpgradeCode and that version, so a rebuilt
# MSI of the same version repairs the installed one instead of adding a second entry.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/package-version.sh
DIST=${DIST:-dist}

for tool in wixl msibuild msiinfo; do
  command -v "$tool" >/dev/null || { echo "package-msi: $tool not found: apt-get install wixl msitools (or scripts/deps.sh windows)" >&2; exit 1; }
done
for f in comptoir.exe comptoir.com; do
  [ -f "$DIST/$f" ] || { echo "package-msi: $DIST/$f missing: run scripts/package-windows.sh first" >&2; exit 1; }
done
# wixl resolves sources relative to the working directory only.
case "$DIST" in /*) DIST=$(realpath --relative-to=. "$DIST") ;; esac

wxs=packaging/windows/comptoir.wxs
upgrade_code=$(sed -n 's/.*UpgradeCode="\([0-9A-F-]*\)".*/\1/p' "$wxs")
[ -n "$upgrade_code" ] || { echo "package-msi: no UpgradeCode in $wxs" >&2; exit 1; }
msiver=${WINVER%.*} # 0.1.0.1 → 0.1.0

# uuid5 NAMESPACE NAME: the RFC 4122 name-based (SHA-1) UUID.
uuid5() {
  local ns=${1//-/} hex
  hex=$({ printf "$(sed 's/../\\x&/g' <<<"$ns")"; printf '%s' "$2"; } | sha1sum | cut -c1-32 | tr a-f A-F)
  printf '%s-%s-5%s-%X%s-%s\n' "${hex:0:8}" "${hex:8:4}" "${hex:13:3}" $(((0x${hex:16:1} & 0x3) | 0x8)) "${hex:17:3}" "${hex:20:12}"
}
product_code=$(uuid5 "$upgrade_code" "comptoir-msi-$msiver")

# The uninstall entry's icon: the .exe's own icon group (go-winres), not the whole .exe.
icondir=build/windows/msi
rm -rf "$icondir"
"$(go env GOPATH)/bin/go-winres" extract --dir "$icondir" "$DIST/comptoir.exe"
[ -f "$icondir/APP_0000.ico" ] || { echo "package-msi: no icon in $DIST/comptoir.exe" >&2; exit 1; }

msi="$DIST/comptoir-$VERSION-x64.msi"
echo "package-msi: building $msi (MSI version $msiver, ProductCode $product_code)"
rm -f "$msi"
wixl -a x64 -D Version="$msiver" -D ProductCode="$product_code" -D BinDir="$DIST" -D IconFile="$icondir/APP_0000.ico" -o "$msi" "$wxs"

# wixl has no Secure="yes": list the installer's public properties in SecureCustomProperties
# so that they reach the elevated part of an install started without administrator rights.
props="WIX_DOWNGRADE_DETECTED;WIX_UPGRADE_DETECTED;OPERATOR_DOMAIN;OPERATOR_IMAP;OPERATOR_SUBMISSION;OPERATOR_API;OPERATOR_PSC;OPERATOR_HOSTS;TRUST_STORE;PKCS11_MODULE;LOCKED"
msibuild "$msi" -q "UPDATE \`Property\` SET \`Value\` = '$props' WHERE \`Property\` = 'SecureCustomProperties'"

scripts/package-msi-check.sh "$msi" "$msiver" "$product_code"
ls -l "$msi"
