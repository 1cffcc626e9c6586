#!/usr/bin/env bash
# Fresh machine → the whole test suite, in release (the numeric tests are slow in debug).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
source scripts/flags.sh
swift build "${SWIFT_FLAGS[@]}" --build-tests
swift test "${SWIFT_FLAGS[@]}" --skip-build --disable-swift-testing
