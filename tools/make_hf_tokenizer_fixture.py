"""Writes the CLIP vocabulary in the Hugging Face layout (vocab.json + merges.txt, as in
openai/clip-vit-base-patch32), converted from open_clip's bpe_simple_vocab_16e6.txt.gz, so the tests can
check that a model folder's own tokenizer files give the same ids as the bundled vocabulary.

Usage: python tools/make_hf_tokenizer_fixture.py Tests/CLIPTestSupport/Fixtures/tokenizer/hf
"""
import json
import os
import sys

import reference_env  # noqa: F401
from open_clip.tokenizer import SimpleTokenizer


def main(out):
    os.makedirs(out, exist_ok=True)
    tok = SimpleTokenizer()
    vocab = dict(tok.encoder)
    # HF spells the special tokens with pipes.
    vocab["<|startoftext|>"] = vocab.pop("<start_of_text>")
    vocab["<|endoftext|>"] = vocab.pop("<end_of_text>")
    with open(os.path.join(out, "vocab.json"), "w", encoding="utf-8") as f:
        json.dump(vocab, f, ensure_ascii=False)
    merges = sorted(tok.bpe_ranks.items(), key=lambda kv: kv[1])
    with open(os.path.join(out, "merges.txt"), "w", encoding="utf-8") as f:
        f.write("#version: 0.2\n")
        for (a, b), _ in merges:
            f.write(f"{a} {b}\n")


if __name__ == "__main__":
    main(sys.argv[1])
