#!/usr/bin/env bash
# The peer of tools/bench_serve.sh: the same wrk loads on infinity-emb (PyTorch, CPU, fp32) over loopback,
# printing the same report lines: 64 connections each sending one 7-token prompt per request (infinity's
# dynamic batching merges them, up to 64 a batch as `clip serve --max-batch 64`); with --photos DIR, also 16
# connections each sending one photo (a data:image/jpeg;base64 URI) per request.
# Usage: tools/bench_serve_infinity.sh MODEL_FOLDER [--photos DIR] [seconds]
# MODEL_FOLDER is a transformers CLIPModel folder; a temporary copy (weights linked) gets what infinity's
# AutoProcessor needs if missing: the HF vocabulary (vocab.json + merges.txt, from the test fixtures), a
# tokenizer_config.json whose special tokens are the vocabulary's own names (other names are appended as new
# ids past the 49408 embeddings), and preprocessor_config.json (openai/clip-vit-base-patch32's); and
# config.json gets max_length 77, or infinity truncates texts at transformers' generation default of 20.
# The environment (CPU torch from /opt/wheels, no torchvision: the slow CLIPImageProcessor is used):
#   python3.11 -m venv .venv-infinity && .venv-infinity/bin/pip install -r tools/requirements-infinity.txt
set -euo pipefail
cd "$(dirname "$0")/.."
model=$1; shift
photos=""
if [ "${1:-}" = "--photos" ]; then photos=$2; shift 2; fi
seconds=${1:-10}
venv=${INFINITY_VENV:-.venv-infinity}
work=$(mktemp -d)
server=""
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
mkdir "$work/model" "$work/bodies"
"$venv/bin/python" - "$model" "$work/model" <<'EOF'
import json, os, shutil, sys
src, dst = os.path.abspath(sys.argv[1]), sys.argv[2]
for name in os.listdir(src):
    os.symlink(os.path.join(src, name), os.path.join(dst, name))
config = json.load(open(os.path.join(src, "config.json")))
if "max_length" not in config:
    os.remove(os.path.join(dst, "config.json"))
    json.dump(dict(config, max_length=77), open(os.path.join(dst, "config.json"), "w"), indent=2)
for name in ("vocab.json", "merges.txt"):
    if not os.path.exists(os.path.join(dst, name)):
        shutil.copy(os.path.join("Tests/CLIPTestSupport/Fixtures/tokenizer/hf", name), dst)
vocab = json.load(open(os.path.join(dst, "vocab.json"), encoding="utf-8"))
tok = os.path.join(dst, "tokenizer_config.json")
if not os.path.exists(tok) or json.load(open(tok)).get("bos_token") not in vocab:
    if os.path.islink(tok): os.remove(tok)
    json.dump({"tokenizer_class": "CLIPTokenizer", "bos_token": "<|startoftext|>", "eos_token": "<|endoftext|>",
               "unk_token": "<|endoftext|>", "pad_token": "<|endoftext|>", "do_lower_case": True,
               "model_max_length": 77}, open(tok, "w"))
if not os.path.exists(os.path.join(dst, "preprocessor_config.json")):
    json.dump({"image_processor_type": "CLIPImageProcessor", "processor_class": "CLIPProcessor",
               "do_resize": True, "size": {"shortest_edge": 224}, "resample": 3, "do_center_crop": True,
               "crop_size": {"height": 224, "width": 224}, "do_rescale": True, "rescale_factor": 1 / 255,
               "do_normalize": True, "image_mean": [0.48145466, 0.4578275, 0.40821073],
               "image_std": [0.26862954, 0.26130258, 0.27577711], "do_convert_rgb": True},
              open(os.path.join(dst, "preprocessor_config.json"), "w"))
EOF
port=$("$venv/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Routes under /v1 as clip serve's, so the same wrk scripts drive both; no torch.compile (minutes on a CPU),
# and no built-in warmup (four batches of 64 full-length texts): one text and one photo request instead.
HF_HUB_OFFLINE=1 DO_NOT_TRACK=1 INFINITY_ANONYMOUS_USAGE_STATS=0 "$venv/bin/infinity_emb" v2 \
  --model-id "$work/model" --served-model-name bench --engine torch --device cpu --dtype float32 \
  --batch-size 64 --no-compile --no-bettertransformer --no-model-warmup \
  --host 127.0.0.1 --port "$port" --url-prefix /v1 --log-level warning > "$work/log" 2>&1 &
server=$!
for _ in $(seq 600); do
  curl -sf "http://127.0.0.1:$port/health" > /dev/null && break
  kill -0 "$server" 2>/dev/null || { cat "$work/log"; exit 1; }
  sleep 0.2
done
post() { curl -sf "http://127.0.0.1:$port/v1/embeddings" -H "Content-Type: application/json" -d "$1" > /dev/null \
  || { echo "infinity refused: ${1:0:120}"; cat "$work/log"; exit 1; }; }
post '{"model":"bench","input":"a photo of a dog"}'
version=$("$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("infinity_emb"), "torch", m.version("torch"))')
echo "infinity-emb $version (fp32) on port $port; $(nproc) cores; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2)"
MODEL=bench wrk -t 1 -c 64 -d "${seconds}s" --latency -s tools/bench_serve/texts.lua "http://127.0.0.1:$port" | tail -1
if [ -n "$photos" ]; then
  for f in $(ls "$photos"/*.jpg | head -128); do
    printf '{"model":"bench","modality":"image","input":"data:image/jpeg;base64,%s"}' "$(base64 -w0 "$f")" \
      > "$work/bodies/$(basename "$f").json"
  done
  post "@$(ls "$work"/bodies/*.json | head -1)"
  BODIES=$work/bodies wrk -t 1 -c 16 -d "${seconds}s" --latency -s tools/bench_serve/images.lua "http://127.0.0.1:$port" | tail -1
fi
grep -iE -m5 "error|traceback" "$work/log" || true
