#!/usr/bin/env bash
# Load on `clip serve` from wrk over loopback, bounded in time: 64 connections each sending one 7-token
# prompt per request (dynamic batching merges them), beside `clip bench`'s model-only text/s at batch 64 in
# the same run; with --photos DIR, also 16 connections each sending one photo (base64 JPEG) per request
# (the first 128 JPEGs of DIR), beside `clip index`'s files/s on the same photos.
# Usage: tools/bench_serve.sh MODEL_FOLDER [--precision int8] [--photos DIR] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1; shift
precision=fp32
if [ "${1:-}" = "--precision" ]; then precision=$2; shift 2; fi
photos=""
if [ "${1:-}" = "--photos" ]; then photos=$2; shift 2; fi
seconds=${1:-10}
clip=${CLIP:-.build/release/clip}  # CLIP=path: another build, for old-against-new runs
log=$(mktemp)
bodies=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$log" "$bodies"' EXIT
"$clip" serve --model "$model" --served-name bench --precision "$precision" --port 0 --max-batch 64 2> "$log" &
server=$!
for _ in $(seq 200); do grep -q "serving bench" "$log" && break; sleep 0.1; done
port=$(grep -o '127\.0\.0\.1:[0-9]*,' "$log" | head -1 | tr -d , | cut -d: -f2)
echo "clip serve ($precision) on port $port; $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
MODEL=bench wrk -t 1 -c 64 -d "${seconds}s" --latency -s tools/bench_serve/texts.lua "http://127.0.0.1:$port" | tail -1
if [ -n "$photos" ]; then
  for f in $(ls "$photos"/*.jpg | head -128); do
    printf '{"model":"bench","modality":"image","input":"%s"}' "$(base64 -w0 "$f")" > "$bodies/$(basename "$f").json"
    mkdir -p "$bodies/photos" && cp "$f" "$bodies/photos/"
  done
  BODIES=$bodies wrk -t 1 -c 16 -d "${seconds}s" --latency -s tools/bench_serve/images.lua "http://127.0.0.1:$port" | tail -1
fi
kill -TERM "$server"; wait "$server" || true
"$clip" bench --towers text --precision "$precision" --seconds 4 | grep "(7 tokens)"
if [ -n "$photos" ]; then
  # The same photos through `clip index`, each time into a fresh library: files/s = (N - 1) / (time for N
  # photos - time for 1), so that loading the model is not counted.
  index_seconds() {
    rm -rf "$bodies/library"
    local start end
    start=$(date +%s.%N)
    "$clip" index --model "$model" --precision "$precision" --library "$bodies/library" "$1" > /dev/null 2>&1
    end=$(date +%s.%N)
    awk "BEGIN { print $end - $start }"
  }
  mkdir -p "$bodies/one" && cp "$(ls "$bodies"/photos/* | head -1)" "$bodies/one/"
  n=$(ls "$bodies/photos" | wc -l)
  index_seconds "$bodies/photos" > /dev/null  # warm the page cache
  all=$(index_seconds "$bodies/photos"); one=$(index_seconds "$bodies/one")
  awk "BEGIN { printf \"clip index: %d photos in %.2f s, 1 in %.2f s: %.1f files/s\\n\", $n, $all, $one, ($n - 1) / ($all - $one) }"
fi
