#!/usr/bin/env bash
# Installs the `clip` that scripts/build.sh made as PREFIX/bin/clip (default PREFIX: /usr/local). It is one
# file: the bundled model, the search page and the vocabularies are compiled in. It needs the shared
# libraries scripts/install-deps.sh installs, and the Swift runtime of the toolchain that built it.
# Usage: scripts/install.sh [PREFIX]        e.g. scripts/install.sh ~/.local
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-/usr/local}
binary=.build/release/clip
if [ ! -x "$binary" ]; then
  echo "scripts/install.sh: $binary is missing; run scripts/setup.sh (or scripts/build.sh --product clip) first" >&2
  exit 1
fi
sudo=""
if ! { mkdir -p "$prefix/bin" 2>/dev/null && [ -w "$prefix/bin" ]; }; then
  if [ "$(id -u)" -ne 0 ] && command -v sudo > /dev/null; then
    sudo="sudo"
  else
    echo "scripts/install.sh: cannot write $prefix/bin; install elsewhere, e.g. scripts/install.sh ~/.local" >&2
    exit 1
  fi
fi
$sudo mkdir -p "$prefix/bin"
$sudo install -m 755 "$binary" "$prefix/bin/clip"
echo "installed $prefix/bin/clip: $("$prefix/bin/clip" --version | head -2 | paste -sd ' ')"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "note: $prefix/bin is not on your PATH; add it: export PATH=\"$prefix/bin:\$PATH\"" ;;
esac
