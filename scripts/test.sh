#!/usr/bin/env bash
# Fresh machine → the whole test suite, in release (the numeric tests are slow in debug).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# The house rules no compiler checks: 120 columns, one statement per line (tools/check_style.py says how to fix).
python3 tools/check_style.py
scripts/build.sh --build-tests
source scripts/flags.sh
# A real PostgreSQL 16 + pgvector on loopback (PyPI's pgserver, own venv) for the library tests against
# Postgres; stopped on the way out, also on failure.
pgdir=$(mktemp -d)
trap 'scripts/postgres.sh stop "$pgdir" > /dev/null 2>&1 || true; rm -rf "$pgdir"' EXIT
CLIP_TEST_DATABASE_URL=$(scripts/postgres.sh start "$pgdir")
export CLIP_TEST_DATABASE_URL CLIP_TEST_POSTGRES_DIR=$pgdir
# install-deps.sh installed rsvg-convert: the lab's plot test must run, not skip.
export CLIP_REQUIRE_RSVG=1
swift test "${SWIFT_FLAGS[@]}" --skip-build --disable-swift-testing
# clip serve as an OpenAI-SDK app sees it: the real openai client (own venv, from PyPI) against clip embed.
scripts/test-serve-openai.sh
# The search page in a real headless Chromium (Debian's), screenshots in .build/page-artifacts/.
scripts/test-search-page.sh
# A newcomer's first hour: this build installed into a fresh prefix on the PATH, and every README example
# run with it from a fresh $HOME outside the checkout (the default model from a stand-in hub on loopback).
scripts/test-readme-walk.sh
# A hostile client against a real clip serve (loopback, bounded): alive and 4xx after every bad request,
# peak RSS and /healthz p99 bounded under strip PNGs and 15 MB texts, idle connections cut, SIGTERM bounded.
scripts/test-hostile.sh
# The whole suite again as an Intel Xeon with AVX512-VNNI but no AVX512-BF16 runs it (Ice Lake, or
# Sapphire/Emerald Rapids in a VM that hides BF16 and AMX): int8 blocks with an fp32 patch embedding, no bf16
# (about three minutes). CLIP_CPU_FEATURES can only mask: on a CPU without AVX-512 VNNI the masked features are
# the detected ones, so the rerun would repeat the first run exactly; it is left out there, and says so.
if grep -qw avx512_vnni /proc/cpuinfo; then
  CLIP_CPU_FEATURES=avx2,f16c,avx512,avx512vnni swift test "${SWIFT_FLAGS[@]}" --skip-build --disable-swift-testing
else
  echo "test.sh: no Xeon-profile rerun: this CPU has no AVX-512 VNNI, so the mask would leave the first run's features"
fi
# Again as a CPU with AVX2 alone would run them (CLIP_CPU_FEATURES masks AVX-512 and F16C away): int8 on
# the AVX2 kernel, bf16 through the fp32 fallback, and the HNSW index through its portable half-precision
# kernels.
CLIP_CPU_FEATURES=avx2 swift test "${SWIFT_FLAGS[@]}" --skip-build --disable-swift-testing \
  --filter 'ReducedPrecision|CLITests.test(Bench|EmbedPrecision|EvalPrecision)|HNSWTests|SearchPrecisionTests|ParallelismTests|EngineParityTests'
