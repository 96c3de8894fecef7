#!/usr/bin/env bash
# Installs the Debian packages Comptoir needs, only those missing.
# Usage: scripts/deps.sh [group...]  groups: build card mail ui keyring windows package
#   (default: build card mail ui)
set -euo pipefail

declare -A PKGS=(
  [build]="gcc pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev"
  [card]="softhsm2 opensc openssl"
  [mail]="dovecot-imapd dovecot-submissiond isync"
  [ui]="xvfb xdotool imagemagick"
  # A private Secret Service for the store/keyring tests (gnome-keyring-daemon on its own D-Bus).
  [keyring]="gnome-keyring dbus"
  [windows]="gcc-mingw-w64-x86-64 wine wine64 wixl msitools"
  [package]="dpkg-dev fakeroot xz-utils"
)

groups=("$@")
[ ${#groups[@]} -gt 0 ] || groups=(build card mail ui)

want=()
for g in "${groups[@]}"; do
  [ -n "${PKGS[$g]:-}" ] || { echo "deps.sh: unknown group '$g'" >&2; exit 2; }
  for p in ${PKGS[$g]}; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || want+=("$p")
  done
done

if [ ${#want[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi
echo "deps.sh: installing ${want[*]}"
export DEBIAN_FRONTEND=noninteractive
# Package services (dovecot) must not start on the machine: Comptoir's tests run their own.
policy=/usr/sbin/policy-rc.d
created_policy=
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod +x "$policy"
  created_policy=1
fi
trap '[ -n "$created_policy" ] && $SUDO rm -f "$policy"' EXIT
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${want[@]}"
