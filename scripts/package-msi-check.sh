#!/usr/bin/env bash
# Validates the tables of a Comptoir MSI with msiinfo (msitools), and that its cabinet holds
# exactly the binaries it was built from (msiextract).
# Usage: scripts/package-msi-check.sh MSI MSI_VERSION PRODUCT_CODE   (run by package-msi.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
msi=$1 msiver=$2 product_code=$3
bindir=$(dirname "$msi")

fail() { echo "package-msi-check: FAIL: $msi: $*" >&2; exit 1; }
table() { msiinfo export "$msi" "$1" | tail -n +4 | tr -d "\r"; } # rows only, tab-separated (IDT: CRLF)
row() { # table, the first fields of a row it must have
  local t=$1 want
  shift
  want=$(IFS=$'\t'; echo "$*")
  table "$t" | awk -v w="$want" 'index($0 "\t", w "\t") == 1 { found = 1 } END { exit !found }' ||
    fail "$t has no row «${want//$'\t'/ | }»; it has:"$'\n'"$(table "$t")"
}
seq_of() { table InstallExecuteSequence | awk -F'\t' -v a="$1" '$1 == a { print $3 }'; }

tables=$(msiinfo tables "$msi")
for t in Property Directory Component File Feature FeatureComponents Shortcut Registry CustomAction \
         Upgrade InstallExecuteSequence Icon Media; do
  grep -qx "$t" <<<"$tables" || fail "no $t table"
done
suminfo=$(msiinfo suminfo "$msi")
grep -q '^Template: x64;' <<<"$suminfo" || fail "not an x64 package: $suminfo"

upgrade_code=$(sed -n 's/.*UpgradeCode="\([0-9A-F-]*\)".*/\1/p' packaging/windows/comptoir.wxs)
PC=${product_code^^}
row Property ProductName Comptoir
row Property Manufacturer Comptoir
row Property ProductVersion "$msiver"
row Property ProductCode "{$PC}"
row Property UpgradeCode "{${upgrade_code}}"
row Property ALLUSERS 1
row Property ARPPRODUCTICON comptoir.ico
secure=$(table Property | awk -F'\t' '$1 == "SecureCustomProperties" { print $2 }')
for p in OPERATOR_DOMAIN OPERATOR_IMAP OPERATOR_SUBMISSION OPERATOR_API TRUST_STORE PKCS11_MODULE LOCKED WIX_UPGRADE_DETECTED; do
  [[ ";$secure;" == *";$p;"* ]] || fail "SecureCustomProperties lacks $p: $secure"
done

row Directory INSTALLFOLDER ProgramFiles64Folder Comptoir
for f in comptoir.exe comptoir.com; do
  row File "$f" Programme "$f" "$(stat -c %s "$bindir/$f")"
done
# 256: a 64-bit component (registry values in the 64-bit view).
for c in Programme ValeursInstallation RaccourciBureau; do
  attrs=$(table Component | awk -F'\t' -v c="$c" '$1 == c { print $4 }')
  [ -n "$attrs" ] && (( attrs & 256 )) || fail "component $c missing or not 64-bit (attributes «$attrs»)"
done
row FeatureComponents Comptoir Programme
row FeatureComponents Comptoir ValeursInstallation
row FeatureComponents RaccourciBureau RaccourciBureau
row Shortcut MenuDemarrer ProgramMenuFolder Comptoir Programme "[#comptoir.exe]"
row Shortcut Bureau DesktopFolder Comptoir RaccourciBureau "[#comptoir.exe]"
for p in OPERATOR_DOMAIN OPERATOR_IMAP OPERATOR_SUBMISSION OPERATOR_API TRUST_STORE PKCS11_MODULE LOCKED; do
  table Registry | grep -qP "\t2\tSOFTWARE\\\\Comptoir\\\\Installation\t$p\t\[$p\]\tValeursInstallation$" ||
    fail "no HKLM registry value for $p"
done
# 3090 = 18 (an installed .exe) + 1024 (deferred) + 2048 (as the system, not the user).
row CustomAction ConfigurationPoste 3090 comptoir.exe "config machine --from-registry"
row CustomAction DossierInstallation 51 ARPINSTALLLOCATION "[INSTALLFOLDER]"
row Upgrade "{$upgrade_code}" "" "$msiver" "" 1
row Upgrade "{$upgrade_code}" "$msiver" "" "" 2

# Order: the older version goes first; the configuration is written after files and registry
# values, inside the transaction; never on uninstall.
s_valid=$(seq_of InstallValidate) s_init=$(seq_of InstallInitialize) s_rep=$(seq_of RemoveExistingProducts)
s_cost=$(seq_of CostFinalize) s_loc=$(seq_of DossierInstallation) s_files=$(seq_of InstallFiles) s_reg=$(seq_of WriteRegistryValues) s_ca=$(seq_of ConfigurationPoste) s_fin=$(seq_of InstallFinalize)
(( s_valid < s_rep && s_rep < s_init )) || fail "RemoveExistingProducts ($s_rep) not between InstallValidate ($s_valid) and InstallInitialize ($s_init)"
(( s_cost < s_loc && s_loc < s_valid )) || fail "DossierInstallation ($s_loc) not between CostFinalize ($s_cost) and InstallValidate ($s_valid)"
(( s_files < s_ca && s_reg < s_ca && s_ca < s_fin )) || fail "ConfigurationPoste ($s_ca) not after InstallFiles ($s_files) and WriteRegistryValues ($s_reg), before InstallFinalize ($s_fin)"
table InstallExecuteSequence | grep -qF $'ConfigurationPoste\tNOT REMOVE~="ALL"\t' || fail "ConfigurationPoste would run on uninstall"

# The cabinet holds the very binaries.
x=$(mktemp -d "${TMPDIR:-/tmp}/comptoir-msi-check.XXXXXX")
trap 'rm -rf "$x"' EXIT
msiextract --directory "$x" "$msi" >/dev/null
for f in comptoir.exe comptoir.com; do
  got=$(find "$x" -type f -name "$f")
  [ -n "$got" ] && cmp -s "$got" "$bindir/$f" || fail "extracted $f differs from $bindir/$f"
done
echo "package-msi-check: ok: $msi (tables, sequence, cabinet)"
