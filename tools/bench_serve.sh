#!/usr/bin/env bash
# Load on `clip serve` from wrk over loopback, bounded in time: 64 connections each sending one short text
# per request (dynamic batching merges them), beside `clip bench`'s model-only text/s at batch 64 in the
# same run. Usage: tools/bench_serve.sh MODEL_FOLDER [--precision int8] [seconds]
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1; shift
precision=fp32
if [ "${1:-}" = "--precision" ]; then precision=$2; shift 2; fi
seconds=${1:-10}
clip=.build/release/clip
log=$(mktemp)
trap 'kill "$server" 2>/dev/null || true; rm -f "$log"' EXIT
"$clip" serve --model "$model" --served-name bench --precision "$precision" --port 0 --max-batch 64 2> "$log" &
server=$!
for _ in $(seq 200); do grep -q "serving bench" "$log" && break; sleep 0.1; done
port=$(grep -o '127\.0\.0\.1:[0-9]*,' "$log" | head -1 | tr -d , | cut -d: -f2)
echo "clip serve ($precision) on port $port; $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
MODEL=bench wrk -t 1 -c 64 -d "${seconds}s" --latency -s tools/bench_serve/texts.lua "http://127.0.0.1:$port" | tail -1
kill -TERM "$server"; wait "$server" || true
"$clip" bench --towers text --precision "$precision" --seconds 4 | grep "7 tokens"
