#!/usr/bin/env bash
# The search page in a real headless Chromium (Debian's chromium + chromium-driver, driven by Selenium from
# PyPI in its own venv): `clip serve` over the demo gallery indexed with the bundled synthetic-shapes model
# (and a tall photo added to it), the same at a phone's width, then an empty library, errors (a bad query,
# no results, the server gone) and an API key. Screenshots of every step land in .build/page-artifacts/.
# CLIP=path tests another binary than .build/release/clip; CLIP_PAGE_DIR=folder (read by clip serve) serves
# the page from that folder rather than the copy compiled in, to test page edits without a build.
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
clip=${CLIP:-.build/release/clip}
artifacts=.build/page-artifacts
rm -rf "$artifacts"; mkdir -p "$artifacts"
work=$(mktemp -d)
server=""
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
"$clip" demo --out "$work/demo" > /dev/null  # the gallery (with captions) and its library
images="$work/demo/gallery/train/images"
# A tall photo (1:4; the demo's are all square) for the grid's cells, taken in by serve --index below.
python3 - "$images/tall-photo.png" <<'PNG'
import struct, sys, zlib
width, height = 90, 360
rows = b"".join(b"\0" + bytes((30 + 200 * y // height, 120, 200 - 150 * y // height) * width) for y in range(height))
chunk = lambda kind, data: struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
with open(sys.argv[1], "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
PNG

# serve ARGS…: starts clip serve on a free loopback port; sets $server and $url.
serve() {
  rm -f "$work/serve.log"  # else the last server's "ready" line and port may be read before this one's log opens
  "$clip" serve --model synthetic-shapes --port 0 "$@" 2> "$work/serve.log" &
  server=$!
  for _ in $(seq 100); do grep -qs " ready " "$work/serve.log" && break; sleep 0.1; done
  url="http://$(grep -o '127\.0\.0\.1:[0-9]*' "$work/serve.log" | head -1)"
}
stop() { kill -TERM "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; }
check() { "$venv/bin/python" tools/check_search_page.py "$@" --artifacts "$artifacts"; }

serve --library "$work/demo/library" --index "$images"
check main --base-url "$url" --gallery "$work/demo/gallery/train"
stop
serve --library "$work/demo/library" --index "$images"
check phone --base-url "$url"
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
