#!/usr/bin/env bash
# Release build with the project's flags (scripts/flags.sh), stamped with the commit for `clip --version`.
# Usage: scripts/build.sh [swift build arguments…]   e.g. scripts/build.sh --product clip
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/flags.sh
commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo "not a git checkout")
if git rev-parse HEAD >/dev/null 2>&1 && ! git diff --quiet HEAD -- Sources Package.swift 2>/dev/null; then
  commit="$commit with uncommitted changes"
fi
stamp=Sources/CCLIPFiles/build_stamp.h
text=$(printf '// Written by scripts/build.sh; not in git.\n#define CLIP_BUILD_COMMIT "%s"\n#define CLIP_BUILD_FLAGS "%s"' "$commit" "${SWIFT_FLAGS[*]}")
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$text" ]; then
  printf '%s\n' "$text" > "$stamp"
  touch Sources/CCLIPFiles/files.c   # a stamp that did not exist before is not yet in the dependency file
fi
swift build "${SWIFT_FLAGS[@]}" "$@"
