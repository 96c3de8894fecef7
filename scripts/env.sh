# Sourced by the test and bench scripts: a private, throw-away environment for Fyne and
# the tests (XDG dirs in a temp dir) while keeping the Go build cache between runs.
export GOCACHE="${GOCACHE:-$(go env GOCACHE)}"
export GOMODCACHE="${GOMODCACHE:-$(go env GOMODCACHE)}"
COMPTOIR_TMP="$(mktemp -d "${TMPDIR:-/tmp}/comptoir-test.XXXXXX")"
export COMPTOIR_TMP
export XDG_CONFIG_HOME="$COMPTOIR_TMP/config"
export XDG_CACHE_HOME="$COMPTOIR_TMP/cache"
export XDG_DATA_HOME="$COMPTOIR_TMP/data"
export XDG_RUNTIME_DIR="$COMPTOIR_TMP/run"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
export PATH="$(go env GOPATH)/bin:$PATH"
trap 'rm -rf "$COMPTOIR_TMP"' EXIT
