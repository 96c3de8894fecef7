#!/usr/bin/env bash
# Runs the real application (comptoir -demo -demo-tour) under Xvfb and saves a PNG of each
# main screen in docs/screenshots/: the app prints "SCREEN <name> <window title>" when a
# screen is ready, this script shoots that window (xdotool + ImageMagick import) and answers.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--inside-xvfb" ]; then
  bin=$2 out=$3
  coproc APP { "$bin" -demo -demo-tour 2>"$out/.stderr"; }
  while IFS= read -r line <&"${APP[0]}"; do
    case "$line" in
      SCREEN\ *)
        rest=${line#SCREEN }; name=${rest%% *}; title=${rest#* }
        wid=
        for w in $(xdotool search --name '.'); do
          [ "$(xdotool getwindowname "$w")" = "$title" ] && wid=$w
        done
        [ -n "$wid" ] || { echo "screenshots: no window named « $title »" >&2; exit 1; }
        import -window "$wid" "$out/$name.png"
        echo "screenshots: $out/$name.png"
        echo next >&"${APP[1]}"
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
xvfb-run -a -s "-screen 0 1400x900x24" "$0" --inside-xvfb "$COMPTOIR_TMP/comptoir" "$out"
if grep -q "Error in Fyne call thread" "$out/.stderr"; then
  echo "screenshots: Fyne thread errors:" >&2; cat "$out/.stderr" >&2; exit 1
fi
rm -f "$out/.stderr"
