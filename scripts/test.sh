#!/usr/bin/env bash
# Fresh machine → the whole test suite, in release (the numeric tests are slow in debug).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
source scripts/flags.sh
swift build "${SWIFT_FLAGS[@]}" --build-tests
swift test "${SWIFT_FLAGS[@]}" --skip-build --disable-swift-testing
# clip serve as an OpenAI-SDK app sees it: the real openai client (own venv, from PyPI) against clip embed.
scripts/test-serve-openai.sh
# The search page in a real headless Chromium (Debian's), screenshots in .build/page-artifacts/.
scripts/test-search-page.sh
# Again as a CPU with AVX2 alone would run them (CLIP_CPU_FEATURES masks AVX-512 and F16C away): the
# reduced-precision tests pass through the fp32 fallback and the scalar reference kernels, and the HNSW
# index through its portable half-precision kernels.
CLIP_CPU_FEATURES=avx2 swift test "${SWIFT_FLAGS[@]}" --skip-build --disable-swift-testing \
  --filter 'ReducedPrecision|CLITests.test(Bench|EmbedPrecision|EvalPrecision)|HNSWTests|SearchPrecisionTests|ParallelismTests|EngineParityTests'
