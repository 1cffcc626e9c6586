#!/usr/bin/env bash
# Fresh machine → the whole test suite, in release (the numeric tests are slow in debug).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
source scripts/flags.sh
swift build "${SWIFT_FLAGS[@]}" --build-tests
swift test "${SWIFT_FLAGS[@]}" --skip-build --disable-swift-testing
# Again as an AVX2-only CPU would run them (CLIP_CPU_FEATURES masks the AVX-512 kernels away): the
# reduced-precision tests must pass through the fp32 fallback and the scalar reference kernels too.
CLIP_CPU_FEATURES=avx2,f16c swift test "${SWIFT_FLAGS[@]}" --skip-build --disable-swift-testing \
  --filter 'ReducedPrecision|CLITests.testBench|CLITests.testEmbedPrecision'
