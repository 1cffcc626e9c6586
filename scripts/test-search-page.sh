#!/usr/bin/env bash
# The search page in a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium from
# PyPI in its own venv): `clip serve` over the demo gallery indexed with the bundled synthetic-shapes model,
# then an empty library, errors (a bad query, no results, the server gone) and an API key.
# Screenshots of every step land in .build/page-artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
missing=()
for p in chromium chromium-driver; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" > /dev/null
fi
venv=.venv-page
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import selenium" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "selenium==4.51.0"
fi
clip=.build/release/clip
artifacts=.build/page-artifacts
rm -rf "$artifacts"; mkdir -p "$artifacts"
work=$(mktemp -d)
server=""
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
"$clip" demo --out "$work/demo" > /dev/null  # the gallery (with captions) and its library

# serve ARGS…: starts clip serve on a free loopback port; sets $server and $url.
serve() {
  "$clip" serve --model synthetic-shapes --port 0 "$@" 2> "$work/serve.log" &
  server=$!
  for _ in $(seq 100); do grep -q " ready " "$work/serve.log" && break; sleep 0.1; done
  url="http://$(grep -o '127\.0\.0\.1:[0-9]*' "$work/serve.log" | head -1)"
}
stop() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
check() { "$venv/bin/python" tools/check_search_page.py "$@" --artifacts "$artifacts"; }

serve --library "$work/demo/library"
check main --base-url "$url" --gallery "$work/demo/gallery/train"
stop
serve --library "$work/empty-library"
check empty --base-url "$url"
stop
serve --library "$work/demo/library"
check errors --base-url "$url" --server-pid "$server"
stop
echo "page-test-key-$RANDOM" > "$work/keys.txt"
serve --library "$work/demo/library" --api-key-file "$work/keys.txt"
check key --base-url "$url" --key "$(cat "$work/keys.txt")"
stop
echo "search page: every scenario passed; screenshots in $artifacts"
