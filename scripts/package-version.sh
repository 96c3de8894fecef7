# Sourced by the packaging scripts: the version, from FyneApp.toml only.
#   VERSION  e.g. 0.1.0 (what `comptoir version` prints; the Makefile passes it as main.version);
#            COMPTOIR_VERSION overrides it (the package test builds an upgrade with it)
#   BUILD    FyneApp.toml's Build number, e.g. 1
#   WINVER   the four-part Windows file version, e.g. 0.1.0.1
VERSION=${COMPTOIR_VERSION:-$(sed -n 's/^ *Version *= *"\(.*\)"/\1/p' FyneApp.toml)}
BUILD=$(sed -n 's/^ *Build *= *\([0-9]*\).*/\1/p' FyneApp.toml)
BUILD=${BUILD:-0}
if [ -z "$VERSION" ]; then
  echo "no Version in FyneApp.toml" >&2
  exit 1
fi
winver() { # 0.1.0 + build 1 → 0.1.0.1 (pre-release and build suffixes dropped)
  local v=${VERSION%%[-+]*} a b c
  IFS=. read -r a b c _ <<<"$v"
  echo "${a:-0}.${b:-0}.${c:-0}.$BUILD"
}
WINVER=$(winver)
