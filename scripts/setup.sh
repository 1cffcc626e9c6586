#!/usr/bin/env bash
# Fresh machine → `clip` on the PATH: the Debian packages, a release build (scripts/build.sh), then
# scripts/install.sh [PREFIX] (default /usr/local; sudo is used when it is not writable).
# Usage: scripts/setup.sh [PREFIX]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh --product clip
scripts/install.sh "$@"
