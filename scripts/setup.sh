#!/usr/bin/env bash
# Fresh machine → release build of `clip` at .build/release/clip.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
source scripts/flags.sh
swift build "${SWIFT_FLAGS[@]}" --product clip
