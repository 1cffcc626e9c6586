#!/usr/bin/env bash
# `clip serve` driven by the real openai Python client (installed into its own venv), against `clip embed`.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-openai
if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import openai" 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "openai==3.51.0"
fi
clip=.build/release/clip
model=Tests/CLIPTestSupport/Fixtures/engine/hf_gelu_p14_fp16
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
printf 'a photo of a dog\na diagram of a cell\nsnow on a mountain\n' > "$work/texts.txt"
images=(Tests/CLIPTestSupport/Fixtures/images/rgb.png Tests/CLIPTestSupport/Fixtures/images/rgb_224.jpg Tests/CLIPTestSupport/Fixtures/images/cmyk.jpg)
"$clip" embed --model "$model" --texts "$work/texts.txt" -o "$work/texts.npy" 2>/dev/null
"$clip" embed --model "$model" --images "${images[@]}" -o "$work/images.npy" 2>/dev/null
"$clip" serve --model "$model" --served-name tiny --port 0 2> "$work/serve.log" &
server=$!
for _ in $(seq 100); do grep -q "serving tiny" "$work/serve.log" && break; sleep 0.1; done
port=$(grep -o '127\.0\.0\.1:[0-9]*,' "$work/serve.log" | head -1 | tr -d , | cut -d: -f2)
"$venv/bin/python" tools/check_serve_openai.py --base-url "http://127.0.0.1:$port/v1" --model tiny \
  --texts "$work/texts.txt" --texts-npy "$work/texts.npy" --images "${images[@]}" --images-npy "$work/images.npy"
kill -TERM "$server"
wait "$server"
echo "clip serve exited $? after SIGTERM"
