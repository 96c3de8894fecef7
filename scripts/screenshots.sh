#!/usr/bin/env bash
# Runs the real application (comptoir -demo -demo-tour) under Xvfb and saves a PNG of each
# main screen in docs/screenshots/: the app prints "SCREEN <name> <window title>" when a
# screen is ready, this script shoots that window (xdotool + ImageMagick import) and answers.
# The screens are taken on a 1366×768 screen (the most common counter screen) with the light
# theme; the mailbox once more on 1024×768, the smallest (messagerie-1024.png).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--inside-xvfb" ]; then
  # $4: keep only this screen and stop the tour there; $5: appended to its file name.
  bin=$2 out=$3 last=${4:-} suffix=${5:-}
  coproc APP { FYNE_THEME=light "$bin" -demo -demo-tour 2>"$out/.stderr"; }
  while IFS= read -r line <&"${APP[0]}"; do
    case "$line" in
      SCREEN\ *)
        rest=${line#SCREEN }; name=${rest%% *}; title=${rest#* }
        wid=
        for w in $(xdotool search --name '.'); do
          [ "$(xdotool getwindowname "$w")" = "$title" ] && wid=$w
        done
        [ -n "$wid" ] || { echo "screenshots: no window named « $title »" >&2; exit 1; }
        # With a last screen, only that one is kept (the others are walked through).
        if [ -z "$last" ] || [ "$name" = "$last" ]; then
          import -window "$wid" "$out/$name$suffix.png"
          echo "screenshots: $out/$name$suffix.png"
        fi
        if [ "$name" = "$last" ]; then echo end >&"${APP[1]}"; else echo next >&"${APP[1]}"; fi
        ;;
      END) break ;;
    esac
  done
  wait "$APP_PID"
  exit 0
fi

source scripts/env.sh
for tool in xvfb-run xdotool import; do
  command -v "$tool" >/dev/null || { echo "screenshots: $tool missing: apt-get install xvfb xdotool imagemagick" >&2; exit 1; }
done
out=docs/screenshots
mkdir -p "$out"
go build -tags demo -o "$COMPTOIR_TMP/comptoir" ./cmd/comptoir
# shoot SCREEN [LAST SUFFIX]: one tour on a screen of that size.
shoot() {
  xvfb-run -a -s "-screen 0 $1x24" "$0" --inside-xvfb "$COMPTOIR_TMP/comptoir" "$out" "${2:-}" "${3:-}"
  if grep -q "Error in Fyne call thread" "$out/.stderr"; then
    echo "screenshots: Fyne thread errors:" >&2; cat "$out/.stderr" >&2; exit 1
  fi
  rm -f "$out/.stderr"
}
shoot 1366x768
shoot 1024x768 messagerie -1024
