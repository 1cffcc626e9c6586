"""Full-vocabulary tokenizer check (not run in CI; for a real tokenizer file, e.g. SigLIP's T5 `spiece.model`,
SigLIP 2's Gemma `tokenizer.model`, or a hub `tokenizer.json`): every piece of the vocabulary as text, random
concatenations of pieces, and the fixture probes, encoded by the reference library and by
`clip tokenize --raw`, compared id for id.

The reference is `sentencepiece` for a `.model` file and Hugging Face `tokenizers` (no special tokens) for a
`tokenizer.json`. Lines holding a line break are left out (`clip tokenize` reads one text per line).

Usage:
    python tools/check_full_vocabulary.py TOKENIZER_FILE [--clip .build/release/clip] [--random 20000]
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

from make_sentencepiece_fixtures import probes


def reference(path):
    if path.endswith(".json"):
        from tokenizers import Tokenizer
        tok = Tokenizer.from_file(path)
        vocab = sorted(tok.get_vocab().items(), key=lambda kv: kv[1])
        return [p for p, _ in vocab], lambda texts: [e.ids for e in tok.encode_batch(texts, add_special_tokens=False)]
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=path)
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())], lambda texts: sp.encode(texts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tokenizer")
    ap.add_argument("--clip", default=".build/release/clip")
    ap.add_argument("--random", type=int, default=20000)
    args = ap.parse_args()
    pieces, encode = reference(args.tokenizer)
    rng = random.Random(0)
    texts = [p.replace("\u2581", " ") for p in pieces]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(2, 6))).replace("\u2581", " ") for _ in range(args.random)]
    texts += probes(2)
    texts = [t for t in texts if "\n" not in t and "\r" not in t]
    with tempfile.TemporaryDirectory() as folder:
        shutil.copy(args.tokenizer, os.path.join(folder, os.path.basename(args.tokenizer)))
        run = subprocess.run([args.clip, "tokenize", "--model", folder, "--raw"], input="\n".join(texts) + "\n",
                             capture_output=True, text=True, check=True)
    ours = [json.loads(line) for line in run.stdout.splitlines()]
    expected = encode(texts)
    assert len(ours) == len(texts), (len(ours), len(texts))
    wrong = [(t, o, e) for t, o, e in zip(texts, ours, expected) if o != e]
    for t, o, e in wrong[:10]:
        print(f"DIFF {t!r}: clip {o} reference {e}")
    print(f"{args.tokenizer}: {len(pieces)} pieces, {len(texts)} strings ({len(pieces)} single pieces, {args.random} random "
          f"concatenations, the fixture probes): {len(texts) - len(wrong)} identical, {len(wrong)} different")
    sys.exit(1 if wrong else 0)


if __name__ == "__main__":
    main()
