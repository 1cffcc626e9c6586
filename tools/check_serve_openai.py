"""Drives a running `clip serve` with the real `openai` client, as an app would, and checks its vectors
against `clip embed`'s (cosine >= 0.99999 each): texts (float and base64), one string, `dimensions`, and
images sent through the same endpoint with infinity's `modality: image` (data URIs and bare base64).

Usage: python tools/check_serve_openai.py --base-url http://127.0.0.1:PORT/v1 --model NAME \
           --texts-npy texts.npy --texts texts.txt --images-npy images.npy --images a.png b.jpg
Prints 'N passed, 0 failed' and exits 0 when every check holds.
"""
import argparse
import base64
import math
import struct
import sys

import openai


def read_npy(path):
    """float32 [rows, dim] .npy without numpy (the client venv has none)."""
    with open(path, "rb") as f:
        data = f.read()
    header_len = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + header_len].decode("latin1")
    shape = tuple(int(x) for x in header.split("'shape': (")[1].split(")")[0].split(",") if x.strip())
    values = struct.unpack("<%df" % (shape[0] * shape[1]), data[10 + header_len:])
    return [list(values[i * shape[1]:(i + 1) * shape[1]]) for i in range(shape[0])]


def cosine(a, b):
    dot = sum(x * y for x, y in zip(a, b))
    return dot / math.sqrt(sum(x * x for x in a) * sum(y * y for y in b))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--texts", required=True)
    ap.add_argument("--texts-npy", required=True)
    ap.add_argument("--images", nargs="+", required=True)
    ap.add_argument("--images-npy", required=True)
    ap.add_argument("--api-key", default="unused")
    args = ap.parse_args()
    client = openai.OpenAI(base_url=args.base_url, api_key=args.api_key, max_retries=0)
    texts = [line.rstrip("\n") for line in open(args.texts, encoding="utf-8") if line.strip()]
    want_texts, want_images = read_npy(args.texts_npy), read_npy(args.images_npy)
    passed, failed = 0, 0

    def check(name, condition, detail=""):
        nonlocal passed, failed
        if condition:
            passed += 1
        else:
            failed += 1
            print(f"FAIL {name} {detail}")

    def floats(embedding):
        # Asked for explicitly, base64 comes back as the string: little-endian float32 bytes.
        if isinstance(embedding, str):
            raw = base64.b64decode(embedding)
            return list(struct.unpack("<%df" % (len(raw) // 4), raw))
        return embedding

    for fmt in ("float", "base64"):
        got = client.embeddings.create(model=args.model, input=texts, encoding_format=fmt)
        check(f"texts {fmt}: count", len(got.data) == len(texts))
        worst = min(cosine(floats(d.embedding), want_texts[d.index]) for d in got.data)
        check(f"texts {fmt}: cosine", worst >= 0.99999, worst)
        check(f"texts {fmt}: usage", got.usage.prompt_tokens > 0 and got.usage.total_tokens == got.usage.prompt_tokens)
    # The client's default (no encoding_format) asks for base64 and decodes it itself.
    default = client.embeddings.create(model=args.model, input=texts[0])
    check("one string, client default", len(default.data) == 1 and cosine(default.data[0].embedding, want_texts[0]) >= 0.99999)
    short = client.embeddings.create(model=args.model, input=texts[0], dimensions=8, encoding_format="float")
    norm = math.sqrt(sum(x * x for x in short.data[0].embedding))
    check("dimensions", len(short.data[0].embedding) == 8 and abs(norm - 1) < 1e-5, (len(short.data[0].embedding), norm))

    encoded = []
    for i, path in enumerate(args.images):
        raw = base64.b64encode(open(path, "rb").read()).decode()
        encoded.append(raw if i % 2 else "data:image/png;base64," + raw)
    images = client.embeddings.create(model=args.model, input=encoded, encoding_format="float", extra_body={"modality": "image"})
    worst = min(cosine(d.embedding, want_images[d.index]) for d in images.data)
    check("images", len(images.data) == len(args.images) and worst >= 0.99999, worst)

    try:
        client.embeddings.create(model=args.model, input=[""])
        check("empty input is a 400", False, "no error")
    except openai.BadRequestError as e:
        check("empty input is a 400", "empty" in str(e), str(e))
    try:
        client.embeddings.create(model="no-such-model", input="x")
        check("unknown model is a 404", False, "no error")
    except openai.NotFoundError as e:
        check("unknown model is a 404", "not served" in str(e), str(e))
    models = client.models.list()
    check("models", [m.id for m in models.data] == [args.model])

    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
