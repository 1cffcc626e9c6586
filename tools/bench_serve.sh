#!/usr/bin/env bash
# Load on `clip serve` from wrk over loopback, bounded in time: 64 connections each sending one 7-token
# prompt per request (dynamic batching merges them), beside `clip bench`'s model-only text/s at batch 64 in
# the same run; with --photos DIR, also 16 connections each sending one photo (base64 JPEG) per request.
# Usage: tools/bench_serve.sh MODEL_FOLDER [--precision int8] [--photos DIR] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1; shift
precision=fp32
if [ "${1:-}" = "--precision" ]; then precision=$2; shift 2; fi
photos=""
if [ "${1:-}" = "--photos" ]; then photos=$2; shift 2; fi
seconds=${1:-10}
clip=.build/release/clip
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
  for f in $(ls "$photos"/*.jpg | head -64); do
    printf '{"model":"bench","modality":"image","input":"%s"}' "$(base64 -w0 "$f")" > "$bodies/$(basename "$f").json"
  done
  BODIES=$bodies wrk -t 1 -c 16 -d "${seconds}s" --latency -s tools/bench_serve/images.lua "http://127.0.0.1:$port" | tail -1
fi
kill -TERM "$server"; wait "$server" || true
"$clip" bench --towers text --precision "$precision" --seconds 4 | grep "7 tokens"
